import ArgumentParser
import Foundation
import SekishoCore
import SekishoHTTP1
import SekishoIO

@main
struct SekishoBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sekisho-bench",
        abstract: "Load generator for mutual-TLS servers: handshakes, HTTP/1.1 keep-alive requests, large bodies, idle connections.",
        discussion: """
            Every scenario presents --cert/--key as the client certificate. The report (a table, or \
            JSON with --json) gives the rate, latency percentiles from an HDR histogram \
            (p50/p90/p99/p99.9/max), bytes, errors by kind and the client's own CPU use. \
            docs/BENCHMARKS.md describes the method.
            """,
        subcommands: [HandshakeCommand.self, H1Command.self, H2Command.self, BodyCommand.self, IdleCommand.self]
    )
}

/// `handshake`: connect + handshake + one GET + close, as many times as possible.
struct HandshakeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "handshake",
        abstract: "Connect, handshake (full or resumed), one GET with Connection: close, close; repeat.")

    @OptionGroup var target: TargetOptions
    @OptionGroup var load: RunOptions

    @Option(help: "full: a new session every time. resumed: offer the previous operation's session (the first one per connection is full).")
    var mode: Mode = .full

    @Option(help: "Request target of the GET.")
    var path = "/"

    enum Mode: String, ExpressibleByArgument { case full, resumed }

    func validate() throws {
        try load.validate()
        if target.plain && mode == .resumed { throw ValidationError("--mode resumed needs TLS") }
    }

    func run() throws {
        let host = try target.address()
        let request = try Requests.head(.get, path: path, host: Requests.hostHeader(target, host), close: true)
        var settings = Scenario.settings(target, load)
        settings.path = path
        try Scenario.execute(target, load, host: host, workload: .handshake(resume: mode == .resumed),
                             handshakeRequest: request, settings: settings)
    }
}

/// `h1`: keep-alive requests.
struct H1Command: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "h1",
        abstract: "HTTP/1.1 keep-alive GET requests on --connections connections (one in flight each, or --pipeline).")

    @OptionGroup var target: TargetOptions
    @OptionGroup var load: RunOptions

    @Option(help: "Request target.")
    var path = "/"

    @Option(help: "Requests in flight per connection (HTTP/1.1 pipelining); concurrency = connections × pipeline.")
    var pipeline = 1

    func validate() throws {
        try load.validate()
        guard (1...128).contains(pipeline) else { throw ValidationError("--pipeline must be 1...128") }
    }

    func run() throws {
        let host = try target.address()
        let head = try Requests.head(.get, path: path, host: Requests.hostHeader(target, host), close: false)
        let shape = RequestShape(scenario: "h1", method: .get, head: head, uploadBytes: 0, pipeline: pipeline)
        var settings = Scenario.settings(target, load)
        settings.path = path
        settings.pipeline = pipeline
        try Scenario.execute(target, load, host: host, workload: .requests(shape), handshakeRequest: [], settings: settings)
    }
}

/// `h2`: the structure exists; the scenario arrives with sekisho's HTTP/2 support.
struct H2Command: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "h2",
        abstract: "HTTP/2 multiplexed streams over TLS (ALPN h2). Not implemented until sekisho supports HTTP/2; exits with status 2.")

    @OptionGroup var target: TargetOptions
    @OptionGroup var load: RunOptions

    @Option(help: "Request target.")
    var path = "/"

    @Option(help: "Concurrent streams per connection.")
    var streams = 10

    func run() throws {
        StandardError.write(
            "sekisho-bench h2: not implemented until HTTP/2 support (sekisho does not offer h2 yet, so there is nothing to measure). Use h1.\n")
        throw ExitCode(2)
    }
}

/// `body`: large uploads or downloads on kept-alive connections.
struct BodyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "body",
        abstract: "Large bodies: POST --upload bytes to /sink, or GET --download bytes from /source?bytes=N, on kept-alive connections.")

    @OptionGroup var target: TargetOptions
    @OptionGroup var load: RunOptions

    @Option(help: "Request body bytes per POST (e.g. 1MiB).")
    var upload: ByteCount?

    @Option(help: "Response body bytes per GET (e.g. 1MiB).")
    var download: ByteCount?

    @Option(help: "Request target (default /sink for uploads, /source?bytes=N for downloads).")
    var path: String?

    func validate() throws {
        try load.validate()
        guard (upload == nil) != (download == nil) else { throw ValidationError("give exactly one of --upload or --download") }
    }

    func run() throws {
        let host = try target.address()
        let hostHeader = Requests.hostHeader(target, host)
        var settings = Scenario.settings(target, load)
        let shape: RequestShape
        if let upload {
            let target = path ?? "/sink"
            settings.path = target
            settings.uploadBytes = upload.value
            let head = try Requests.head(.post, path: target, host: hostHeader, close: false, contentLength: upload.value)
            shape = RequestShape(scenario: "body", method: .post, head: head, uploadBytes: upload.value, pipeline: 1)
        } else {
            let bytes = download?.value ?? 0
            let target = path ?? "/source?bytes=\(bytes)"
            settings.path = target
            settings.downloadBytes = bytes
            let head = try Requests.head(.get, path: target, host: hostHeader, close: false)
            shape = RequestShape(scenario: "body", method: .get, head: head, uploadBytes: 0, pipeline: 1)
        }
        try Scenario.execute(target, load, host: host, workload: .requests(shape), handshakeRequest: [], settings: settings)
    }
}

/// `idle`: open connections, handshake, hold.
struct IdleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "idle",
        abstract: "Open --connections mutual-TLS connections and hold them idle for --duration seconds (memory per connection).")

    @OptionGroup var target: TargetOptions
    @OptionGroup var load: RunOptions

    @Option(help: "Handshakes in flight at once while opening (keeps the server's accept backlog from overflowing).")
    var concurrency = 64

    @Option(help: "Once every connection is established, write {\"established\": N, \"pid\": P} to this file.")
    var readyFile: String?

    func validate() throws {
        try load.validate(allowRequests: false)
        guard load.rate == nil else { throw ValidationError("--rate does not apply to idle; use --concurrency") }
        guard concurrency >= 1 else { throw ValidationError("--concurrency must be >= 1") }
    }

    func run() throws {
        let host = try target.address()
        var settings = Scenario.settings(target, load)
        settings.pipeline = nil
        try Scenario.execute(target, load, host: host, workload: .idle(concurrentHandshakes: concurrency),
                             handshakeRequest: [], settings: settings, readyFile: readyFile)
    }
}

/// Plumbing shared by the scenario commands.
enum Scenario {
    static func settings(_ target: TargetOptions, _ run: RunOptions) -> BenchReport.Settings {
        BenchReport.Settings(
            connections: run.connections, loops: run.loops, warmupSeconds: run.warmup,
            durationSeconds: run.requests == nil ? (run.duration ?? 10) : nil, requests: run.requests,
            rate: run.rate, tlsVersion: target.plain ? nil : target.tls.rawValue,
            sigalgs: target.sigalgs, groups: target.groups)
    }

    static func execute(
        _ target: TargetOptions, _ run: RunOptions, host: HostPort, workload: Workload,
        handshakeRequest: [UInt8], settings: BenchReport.Settings, readyFile: String? = nil
    ) throws {
        let plan = BenchPlan(
            target: host, address: SocketAddress(host), tls: try target.makeContext(),
            serverName: target.serverName ?? host.host, workload: workload, handshakeRequest: handshakeRequest,
            connections: run.connections, loops: run.loops,
            warmupNanoseconds: RunOptions.nanoseconds(run.warmup),
            durationNanoseconds: run.requests == nil ? RunOptions.nanoseconds(run.duration ?? 10) : nil,
            requests: run.requests, rate: run.rate, timeoutNanoseconds: RunOptions.nanoseconds(run.timeout))
        let progress = run.progress ?? (isatty(2) == 1)
        let report = BenchRunner(plan: plan, output: RunOutput(progress: progress, readyFile: readyFile), settings: settings).run()
        if run.json {
            StandardError.write(report.table())
            FileHandle.standardOutput.write(Data((report.json() + "\n").utf8))
        } else {
            FileHandle.standardOutput.write(Data(report.table().utf8))
        }
        // Nothing measured is a failed run, so scripts notice (the report still says why).
        if report.operations == 0 { throw ExitCode(1) }
    }
}

/// Request heads, serialized once per run with SekishoHTTP1's serializer.
enum Requests {
    static func hostHeader(_ target: TargetOptions, _ host: HostPort) -> String {
        target.serverName ?? host.description
    }

    static func head(_ method: HTTP1Method, path: String, host: String, close: Bool, contentLength: Int? = nil) throws -> [UInt8] {
        var headers = HTTP1Fields()
        headers.append(name: "Host", value: host)
        headers.append(name: "User-Agent", value: "sekisho-bench/\(SekishoVersion.string)")
        if let contentLength {
            headers.append(name: "Content-Type", value: "application/octet-stream")
            headers.append(name: "Content-Length", value: String(contentLength))
        }
        if close { headers.append(name: "Connection", value: "close") }
        var bytes: [UInt8] = []
        do {
            try HTTP1Serializer.writeRequestHead(method: method, target: path, headers: headers, into: &bytes)
        } catch {
            throw ValidationError("cannot build the request (\(error)); check --path")
        }
        return bytes
    }
}
