/// The libFuzzer entry point's body, kept in the library so that unit tests can run it too.
///
/// Feeds arbitrary bytes to both parsers three ways (whole, byte by byte, in 7-byte pieces) and
/// checks two properties, trapping when one fails (which is what a fuzzer looks for):
/// - the event sequence (bodies concatenated) and the error are the same for every split;
/// - every request head parsed survives a serialize/parse round trip unchanged.
/// Malformed input by itself never traps: the parsers throw, and a throw is a normal outcome.
public enum HTTP1FuzzEntry {
    public static func run(data: UnsafeRawBufferPointer) {
        let policy = HTTP1RequestPolicy(allowConnect: data.count % 5 == 0, allowTrace: data.count % 3 == 0)
        let limits = HTTP1Limits(maxRequestLineBytes: 512, maxHeaderBytes: 2_048, maxHeaderCount: 16,
                                 maxChunkExtensionBytes: 64, maxTrailerBytes: 512, maxRequestBodyBytes: 1 << 20)
        let requests = [0, 1, 7].map { requestTranscript(data, pieceSize: $0, limits: limits, policy: policy) }
        precondition(requests.allSatisfy { $0 == requests[0] }, "request parse depends on input split")

        for case .head(let head) in requests[0].events {
            var wire: [UInt8] = []
            do {
                try HTTP1Serializer.writeRequestHead(head, into: &wire)
            } catch {
                preconditionFailure("parsed request head does not serialize: \(error)")
            }
            let relaxed = HTTP1Limits(maxRequestLineBytes: 4_096, maxHeaderBytes: 8_192, maxHeaderCount: 16)
            let again = wire.withUnsafeBytes { requestTranscript($0, pieceSize: 0, limits: relaxed, policy: policy) }
            guard case .head(let reparsed)? = again.events.first else {
                preconditionFailure("serialized request head does not parse: \(again)")
            }
            precondition(reparsed == head, "request head changed in a serialize/parse round trip")
        }

        let methods: [HTTP1Method] = data.count % 2 == 0 ? [.get, .head, .get] : [.head, .get, .connect]
        let responses = [0, 1, 7].map { responseTranscript(data, pieceSize: $0, limits: limits, methods: methods) }
        precondition(responses.allSatisfy { $0 == responses[0] }, "response parse depends on input split")
    }

    /// Normalised outcome of one run: events with body bytes merged, and the final error if any.
    enum Item<Head: Hashable>: Hashable {
        case informational(Head)
        case head(Head)
        case body([UInt8])
        case end(HTTP1Fields)
        case eof
    }

    struct Transcript<Head: Hashable>: Hashable {
        var events: [Item<Head>] = []
        var error: HTTP1ParseError?

        mutating func appendBody(_ bytes: UnsafeRawBufferPointer) {
            if case .body(let previous)? = events.last {
                events[events.count - 1] = .body(previous + Array(bytes))
            } else {
                events.append(.body(Array(bytes)))
            }
        }
    }

    /// `pieceSize` 0 feeds everything at once.
    static func requestTranscript(
        _ data: UnsafeRawBufferPointer, pieceSize: Int, limits: HTTP1Limits, policy: HTTP1RequestPolicy
    ) -> Transcript<HTTP1RequestHead> {
        var parser = HTTP1RequestParser(limits: limits, policy: policy)
        var transcript = Transcript<HTTP1RequestHead>()
        do {
            for piece in pieces(data, pieceSize) {
                var offset = 0
                while true {
                    let input = HTTP1Syntax.slice(piece, offset..<piece.count)
                    let step = try parser.parse(input)
                    offset += step.consumed
                    guard let event = step.event else { break }
                    switch event {
                    case .head(let head): transcript.events.append(.head(head))
                    case .body(let r): transcript.appendBody(HTTP1Syntax.slice(input, r))
                    case .end(let trailers): transcript.events.append(.end(trailers))
                    }
                }
            }
            try parser.eof()
            transcript.events.append(.eof)
        } catch {
            transcript.error = error
        }
        return transcript
    }

    static func responseTranscript(
        _ data: UnsafeRawBufferPointer, pieceSize: Int, limits: HTTP1Limits, methods: [HTTP1Method]
    ) -> Transcript<HTTP1ResponseHead> {
        var parser = HTTP1ResponseParser(limits: limits)
        for method in methods { parser.expectResponse(to: method) }
        var transcript = Transcript<HTTP1ResponseHead>()
        func record(_ event: HTTP1ResponseEvent, _ input: UnsafeRawBufferPointer) {
            switch event {
            case .informational(let head): transcript.events.append(.informational(head))
            case .head(let head): transcript.events.append(.head(head))
            case .body(let r): transcript.appendBody(HTTP1Syntax.slice(input, r))
            case .end(let trailers): transcript.events.append(.end(trailers))
            }
        }
        do {
            for piece in pieces(data, pieceSize) {
                var offset = 0
                while true {
                    let input = HTTP1Syntax.slice(piece, offset..<piece.count)
                    let step = try parser.parse(input)
                    offset += step.consumed
                    guard let event = step.event else { break }
                    record(event, input)
                }
            }
            if let last = try parser.eof() { record(last, UnsafeRawBufferPointer(start: nil, count: 0)) }
            transcript.events.append(.eof)
        } catch {
            transcript.error = error
        }
        return transcript
    }

    private static func pieces(_ data: UnsafeRawBufferPointer, _ size: Int) -> [UnsafeRawBufferPointer] {
        guard size > 0, data.count > size else { return [data] }
        return stride(from: 0, to: data.count, by: size).map {
            HTTP1Syntax.slice(data, $0..<min($0 + size, data.count))
        }
    }
}
