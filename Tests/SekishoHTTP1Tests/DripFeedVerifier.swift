import XCTest
import SekishoHTTP1

/// One normalised parser event. Heads are summarised as short strings so table rows stay readable;
/// the API tests check whole head values.
enum Ev: Equatable, CustomStringConvertible {
    case head(String)
    case interim(String)
    case body([UInt8])
    case end(HTTP1Fields)
    /// `eof()` returned cleanly (for responses: with no further event).
    case eof

    static func h(_ s: String) -> Ev { .head(s) }
    static func i(_ s: String) -> Ev { .interim(s) }
    static func b(_ s: String) -> Ev { .body(Array(s.utf8)) }
    static func e(_ trailers: HTTP1Fields = [:]) -> Ev { .end(trailers) }

    var description: String {
        switch self {
        case .head(let s): return "head(\(s))"
        case .interim(let s): return "interim(\(s))"
        case .body(let b): return "body(\(String(decoding: b, as: UTF8.self).debugDescription))"
        case .end(let t): return t.isEmpty ? "end" : "end(\(t.fields))"
        case .eof: return "eof"
        }
    }
}

struct Outcome: Equatable, CustomStringConvertible {
    var events: [Ev] = []
    var error: HTTP1ParseError?

    mutating func appendBody(_ bytes: some Sequence<UInt8>) {
        if case .body(let previous)? = events.last {
            events[events.count - 1] = .body(previous + bytes)
        } else {
            events.append(.body(Array(bytes)))
        }
    }

    var description: String {
        events.map(\.description).joined(separator: ", ") + (error.map { " !! \($0)" } ?? "")
    }
}

func summary(_ framing: HTTP1Framing) -> String {
    switch framing {
    case .none: return "none"
    case .contentLength(let n): return "cl=\(n)"
    case .chunked: return "chunked"
    case .closeDelimited: return "close-delimited"
    }
}

func summary(_ connection: HTTP1ConnectionPersistence) -> String {
    connection == .keepAlive ? "keep-alive" : "close"
}

/// "METHOD target VERSION framing persistence[ 100-continue]"
func summary(_ head: HTTP1RequestHead) -> String {
    "\(head.method) \(head.target) \(head.version) \(summary(head.framing)) \(summary(head.connection))"
        + (head.expectContinue ? " 100-continue" : "")
}

/// "STATUS framing persistence"
func summary(_ head: HTTP1ResponseHead) -> String {
    "\(head.status) \(summary(head.framing)) \(summary(head.connection))"
}

/// Feeds `pieces` in order, calling `parse` until it reports no event, as a proxy would. Body ranges
/// are resolved against the exact buffer passed, so a wrong offset shows up as wrong bytes.
func runRequest(_ pieces: [[UInt8]], limits: HTTP1Limits, policy: HTTP1RequestPolicy) -> Outcome {
    var parser = HTTP1RequestParser(limits: limits, policy: policy)
    var out = Outcome()
    do {
        for piece in pieces {
            try piece.withUnsafeBytes { (buffer: UnsafeRawBufferPointer) throws in
                var offset = 0
                var guardCount = 0
                while true {
                    guardCount += 1
                    precondition(guardCount < 1_000_000, "parser does not make progress")
                    let input = UnsafeRawBufferPointer(rebasing: buffer[offset...])
                    let step = try parser.parse(input)
                    XCTAssert(step.consumed >= 0 && step.consumed <= input.count)
                    offset += step.consumed
                    guard let event = step.event else {
                        XCTAssertEqual(offset, buffer.count, "nil event must mean all input consumed")
                        break
                    }
                    switch event {
                    case .head(let head): out.events.append(.head(summary(head)))
                    case .body(let r):
                        XCTAssertFalse(r.isEmpty, "empty body event")
                        out.appendBody(input[r])
                    case .end(let trailers): out.events.append(.end(trailers))
                    }
                }
            }
        }
        try parser.eof()
        out.events.append(.eof)
    } catch let error as HTTP1ParseError {
        out.error = error
    } catch {
        XCTFail("unexpected error type \(error)")
    }
    return out
}

func runResponse(_ pieces: [[UInt8]], limits: HTTP1Limits, methods: [HTTP1Method]) -> Outcome {
    var parser = HTTP1ResponseParser(limits: limits)
    for method in methods { parser.expectResponse(to: method) }
    var out = Outcome()
    func record(_ event: HTTP1ResponseEvent, _ input: UnsafeRawBufferPointer) {
        switch event {
        case .informational(let head): out.events.append(.interim(summary(head)))
        case .head(let head): out.events.append(.head(summary(head)))
        case .body(let r):
            XCTAssertFalse(r.isEmpty, "empty body event")
            out.appendBody(input[r])
        case .end(let trailers): out.events.append(.end(trailers))
        }
    }
    do {
        for piece in pieces {
            try piece.withUnsafeBytes { (buffer: UnsafeRawBufferPointer) throws in
                var offset = 0
                while true {
                    let input = UnsafeRawBufferPointer(rebasing: buffer[offset...])
                    let step = try parser.parse(input)
                    offset += step.consumed
                    guard let event = step.event else {
                        XCTAssertEqual(offset, buffer.count, "nil event must mean all input consumed")
                        break
                    }
                    record(event, input)
                }
            }
        }
        if let last = try parser.eof() { record(last, UnsafeRawBufferPointer(start: nil, count: 0)) }
        out.events.append(.eof)
    } catch let error as HTTP1ParseError {
        out.error = error
    } catch {
        XCTFail("unexpected error type \(error)")
    }
    return out
}

/// The ways an input is split: whole, one byte at a time, and in two pieces at every offset
/// (sampled for inputs over 2 KiB to keep the run short), in the spirit of swift-nio's
/// ByteToMessageDecoderVerifier.
func splits(of input: [UInt8]) -> [(String, [[UInt8]])] {
    var out: [(String, [[UInt8]])] = [("whole", [input])]
    out.append(("byte-by-byte", input.map { [$0] }))
    let cuts: [Int] = input.count <= 2_048
        ? Array(0...input.count)
        : Array(Set([0, 1, 2, input.count / 2, input.count - 2, input.count - 1, input.count] + Array(stride(from: 0, to: input.count, by: 97))))
    for cut in cuts.sorted() where cut >= 0 && cut <= input.count {
        out.append(("split@\(cut)", [Array(input[..<cut]), Array(input[cut...])]))
    }
    return out
}

/// Runs every split and fails unless all agree with the whole-input run. Returns that run.
@discardableResult
func verifyRequestSplits(
    _ input: [UInt8], limits: HTTP1Limits = HTTP1Limits(), policy: HTTP1RequestPolicy = HTTP1RequestPolicy(),
    label: String, file: StaticString = #filePath, line: UInt = #line
) -> Outcome {
    let all = splits(of: input)
    let reference = runRequest(all[0].1, limits: limits, policy: policy)
    for (name, pieces) in all.dropFirst() {
        let outcome = runRequest(pieces, limits: limits, policy: policy)
        if outcome != reference {
            XCTFail("[\(label)] \(name) differs:\n  whole: \(reference)\n  \(name): \(outcome)", file: file, line: line)
            break
        }
    }
    return reference
}

@discardableResult
func verifyResponseSplits(
    _ input: [UInt8], methods: [HTTP1Method], limits: HTTP1Limits = HTTP1Limits(),
    label: String, file: StaticString = #filePath, line: UInt = #line
) -> Outcome {
    let all = splits(of: input)
    let reference = runResponse(all[0].1, limits: limits, methods: methods)
    for (name, pieces) in all.dropFirst() {
        let outcome = runResponse(pieces, limits: limits, methods: methods)
        if outcome != reference {
            XCTFail("[\(label)] \(name) differs:\n  whole: \(reference)\n  \(name): \(outcome)", file: file, line: line)
            break
        }
    }
    return reference
}

func bytes(_ s: String) -> [UInt8] { Array(s.utf8) }
