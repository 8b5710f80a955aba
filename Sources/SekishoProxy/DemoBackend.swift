public import Logging
public import SekishoCore
import SekishoHTTP1
public import SekishoIO
import Synchronization

/// The built-in demo backend: a small HTTP/1.1 server on sekisho's own event loop, used by the
/// quick-start demo and by tests that need an upstream with predictable behaviour.
///
/// - `GET /` answers a plain-text page listing the request line and every header it received
///   (so an operator sees exactly what sekisho forwarded, identity headers included);
/// - `GET /source?bytes=N` streams N bytes (for download tests);
/// - `POST /sink` consumes the request body and answers `{"bytes": N}`.
///
/// Not a production server: no TLS, loopback use only.
public final class DemoBackend: Sendable {
    private let group: EventLoopGroup
    private let listener: Listener
    private let logger: Logger

    public init(listen: HostPort, loops: Int, logger: Logger) throws(SyscallError) {
        let group = EventLoopGroup(loopCount: loops)
        self.group = group
        self.logger = logger
        self.listener = try Listener(address: SocketAddress(listen), label: "demo-backend") { event in
            switch event {
            case .accepted(let accepted):
                let loop = group.next()
                loop.execute {
                    DemoBackendConnection(socket: Socket(adopting: accepted, loop: loop), logger: logger).start()
                }
            case .acceptFailed(let error):
                logger.error("accept_failed", metadata: ["event": "accept_failed", "detail": "\(error)"])
            }
        }
    }

    public var localAddress: HostPort { listener.localAddress.hostPort }

    public func start() { listener.start() }

    public func stop() { listener.close() }
}

/// One demo-backend connection. Kept alive by its socket's handlers until the socket closes.
///
/// `@unchecked Sendable`: confined to its socket's loop.
private final class DemoBackendConnection: @unchecked Sendable {
    private let socket: Socket
    private let logger: Logger
    private var parser: HTTP1RequestParser
    private var unparsed: [UInt8] = []
    private var output = ByteBuffer()
    private var head: HTTP1RequestHead?
    private var bodyBytes = 0
    /// Bytes of a `/source` response still to generate.
    private var sourceRemaining = 0
    private var closeAfterResponse = false
    private var peerFinished = false

    init(socket: Socket, logger: Logger) {
        self.socket = socket
        self.logger = logger
        // Default limits: no body-size cap, so `/sink` takes uploads of any size.
        self.parser = HTTP1RequestParser()
    }

    func start() {
        socket.onReadable = { [self] in readable() }
        socket.onWritable = { [self] in flush() }
        socket.setReadInterest(true)
    }

    private func readable() {
        var chunk = [UInt8](repeating: 0, count: 65_536)
        do {
            switch try chunk.withUnsafeMutableBytes({ try socket.read(into: $0) }) {
            case .bytes(let n):
                unparsed.append(contentsOf: chunk[..<n])
                process()
            case .endOfFile:
                peerFinished = true
                socket.setReadInterest(false)
                if output.isEmpty && sourceRemaining == 0 { socket.close() }
            case .wouldBlock:
                break
            }
        } catch {
            socket.close()
        }
    }

    /// Parses what has arrived. While a response is still being written, parsing waits: the
    /// next pipelined request stays in `unparsed` (and reading stops) until this one is done.
    private func process() {
        var offset = 0
        defer { unparsed.removeFirst(offset) }
        while (sourceRemaining == 0 && output.isEmpty) || head != nil {
            let step: HTTP1ParseStep<HTTP1RequestEvent>
            do {
                step = try unparsed.withUnsafeBytes { raw in
                    try parser.parse(UnsafeRawBufferPointer(rebasing: raw[offset...]))
                }
            } catch let error as HTTP1ParseError {
                respond(status: error.status, body: "bad request: \(error)\n", keepAlive: false)
                return
            } catch {
                respond(status: 400, body: "bad request\n", keepAlive: false)
                return
            }
            offset += step.consumed
            guard let event = step.event else { return }
            switch event {
            case .head(let h):
                head = h
                bodyBytes = 0
            case .body(let range):
                bodyBytes += range.count
            case .end:
                guard let h = head else { return }
                head = nil
                answer(h)
            }
        }
        socket.setReadInterest(false)
    }

    private func answer(_ head: HTTP1RequestHead) {
        let keepAlive = head.connection == .keepAlive
        let path = head.target.split(separator: "?", maxSplits: 1).first.map(String.init) ?? head.target
        switch (head.method.rawValue, path) {
        case ("GET", "/"), ("HEAD", "/"):
            var text = "hello from the sekisho demo backend\n\n\(head.method.rawValue) \(head.target)\n"
            for field in head.headers { text += "\(field.name): \(field.value)\n" }
            respond(status: 200, body: text, keepAlive: keepAlive, headOnly: head.method.rawValue == "HEAD")
        case ("GET", "/source"):
            let query = head.target.split(separator: "?", maxSplits: 1).dropFirst().first ?? ""
            let requested = query.split(separator: "&").first { $0.hasPrefix("bytes=") }.flatMap { Int($0.dropFirst(6)) }
            guard let count = requested, count >= 0 else {
                respond(status: 400, body: "use /source?bytes=N\n", keepAlive: keepAlive)
                return
            }
            writeHead(status: 200, contentType: "application/octet-stream", length: count, keepAlive: keepAlive)
            sourceRemaining = count
            closeAfterResponse = !keepAlive
            flush()
        case ("POST", "/sink"), ("PUT", "/sink"):
            respond(status: 200, body: "{\"bytes\": \(bodyBytes)}\n", keepAlive: keepAlive, contentType: "application/json")
        default:
            respond(status: 404, body: "no such demo resource: \(path)\n", keepAlive: keepAlive)
        }
    }

    private func writeHead(status: Int, contentType: String, length: Int, keepAlive: Bool) {
        var text = "HTTP/1.1 \(status) \(HTTP1Serializer.reasonPhrase(for: status))\r\n"
        text += "Content-Type: \(contentType)\r\nContent-Length: \(length)\r\n"
        if !keepAlive { text += "Connection: close\r\n" }
        text += "\r\n"
        output.append(contentsOf: Array(text.utf8))
    }

    private func respond(status: Int, body: String, keepAlive: Bool, headOnly: Bool = false, contentType: String = "text/plain; charset=utf-8") {
        let bytes = Array(body.utf8)
        writeHead(status: status, contentType: contentType, length: bytes.count, keepAlive: keepAlive)
        if !headOnly { output.append(contentsOf: bytes) }
        closeAfterResponse = !keepAlive
        flush()
    }

    private func flush() {
        guard socket.isOpen else { return }
        do {
            while true {
                if output.isEmpty && sourceRemaining > 0 {
                    let n = min(sourceRemaining, 65_536)
                    output.append(contentsOf: (0..<n).lazy.map { UInt8(truncatingIfNeeded: $0 & 0x3F) &+ 0x30 })
                    sourceRemaining -= n
                }
                if output.isEmpty { break }
                guard let written = try output.withReadableBytes({ try socket.write($0) }), written > 0 else {
                    socket.setWriteInterest(true)
                    return
                }
                output.consume(written)
            }
        } catch {
            socket.close()
            return
        }
        socket.setWriteInterest(false)
        if closeAfterResponse || peerFinished {
            socket.close()
            return
        }
        // Response done: continue with any pipelined request (from the loop, not from inside
        // a `process()` that may be on the stack), then read more.
        socket.setReadInterest(true)
        if !unparsed.isEmpty {
            socket.loop.execute { [self] in process() }
        }
    }
}
