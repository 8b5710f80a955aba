import ArgumentParser
import SekishoCore
import SekishoIO
import SekishoTLS

/// Where to connect and how to speak TLS; shared by every scenario.
struct TargetOptions: ParsableArguments {
    @Option(help: "Target address, an IP literal and port: 127.0.0.1:8443 or [::1]:8443.")
    var target: String

    @Option(help: "Client certificate chain (PEM, leaf first).")
    var cert: String?

    @Option(help: "Client private key (PEM).")
    var key: String?

    @Option(help: "CA bundle to verify the server with (chain and name). Without it the server is not verified, which keeps the client cheap.")
    var ca: String?

    @Option(help: "Server name sent as SNI and checked against the certificate with --ca (default: the target's host).")
    var serverName: String?

    @Option(help: "TLS version: 1.2, 1.3 or any (the server picks).")
    var tls: TLSVersionChoice = .any

    @Option(help: "Signature algorithms offered, OpenSSL syntax; picks the server's certificate (e.g. ECDSA+SHA256, or rsa_pss_rsae_sha256:RSA+SHA256).")
    var sigalgs: String?

    @Option(help: "Key-exchange groups offered, OpenSSL syntax (e.g. X25519 or P-256).")
    var groups: String?

    @Option(help: "TLS 1.2 cipher list, OpenSSL syntax (default: the cryptrec-high list).")
    var ciphers: String?

    @Flag(help: "Plain TCP, no TLS: to measure a backend, or the tool itself.")
    var plain = false

    enum TLSVersionChoice: String, ExpressibleByArgument, Sendable {
        case tls12 = "1.2", tls13 = "1.3", any
    }

    func address() throws -> HostPort {
        switch HostPort.parse(target) {
        case .success(let hostPort):
            guard hostPort.port != 0 else { throw ValidationError("--target: port 0 is not a target") }
            return hostPort
        case .failure(let error):
            throw ValidationError("--target \(target): \(error)")
        }
    }

    /// The client context, or nil with `--plain`.
    func makeContext() throws -> TLSClientContext? {
        if plain { return nil }
        guard (cert == nil) == (key == nil) else { throw ValidationError("--cert and --key go together") }
        var configuration = TLSClientConfiguration(
            certificate: cert.flatMap { c in key.map { TLSCertificateSource(certPath: c, keyPath: $0) } },
            trustedCAPath: ca, cipherList: ciphers, groups: groups, signatureAlgorithms: sigalgs)
        switch tls {
        case .tls12: configuration.minimumVersion = .tls12; configuration.maximumVersion = .tls12
        case .tls13: configuration.minimumVersion = .tls13; configuration.maximumVersion = .tls13
        case .any: break
        }
        do {
            return try TLSClientContext(configuration: configuration)
        } catch {
            throw ValidationError("TLS client configuration refused:\n  " + error.problems.joined(separator: "\n  "))
        }
    }
}

/// How long, how hard, and how to report; shared by every scenario.
struct RunOptions: ParsableArguments {
    @Option(help: "Concurrent connections.")
    var connections: Int = 32

    @Option(help: "Seconds to measure (default 10, or until --requests are done).")
    var duration: Double?

    @Option(help: "Measure this many operations instead of a duration.")
    var requests: Int?

    @Option(help: "Seconds of warm-up before measuring (operations run but are not counted).")
    var warmup: Double = 1

    @Option(help: "Event loops (threads) of the client.")
    var loops: Int = 1

    @Option(help: "Operations per second over all connections (paced; latency counts from the intended start). Default: as fast as the server answers.")
    var rate: Double?

    @Option(help: "Seconds before an operation (or connect + handshake) counts as timed out.")
    var timeout: Double = 10

    @Flag(help: "Print the report as JSON on stdout (the table goes to stderr).")
    var json = false

    @Flag(inversion: .prefixedNo, help: "Show the one-line progress display on stderr (default: only when stderr is a terminal).")
    var progress: Bool?

    func validate(allowRequests: Bool = true) throws {
        guard (1...100_000).contains(connections) else { throw ValidationError("--connections must be 1...100000") }
        guard (1...256).contains(loops) else { throw ValidationError("--loops must be 1...256") }
        if let duration, !(duration > 0) { throw ValidationError("--duration must be > 0") }
        if let requests {
            guard allowRequests else { throw ValidationError("--requests does not apply to this scenario") }
            guard requests > 0 else { throw ValidationError("--requests must be > 0") }
            guard duration == nil else { throw ValidationError("give --duration or --requests, not both") }
        }
        guard warmup >= 0 else { throw ValidationError("--warmup must be >= 0") }
        if let rate, !(rate > 0) { throw ValidationError("--rate must be > 0") }
        guard timeout > 0 else { throw ValidationError("--timeout must be > 0") }
    }

    static func nanoseconds(_ seconds: Double) -> UInt64 { UInt64((seconds * 1e9).rounded()) }
}

/// A byte count: `1048576`, `64KiB`, `1MiB`, `2GiB` (also KB/MB/GB as powers of 1000).
struct ByteCount: ExpressibleByArgument, Sendable {
    var value: Int

    init?(argument: String) {
        let units: [(String, Int)] = [
            ("KiB", 1 << 10), ("MiB", 1 << 20), ("GiB", 1 << 30),
            ("KB", 1_000), ("MB", 1_000_000), ("GB", 1_000_000_000), ("k", 1 << 10), ("m", 1 << 20), ("B", 1),
        ]
        for (suffix, factor) in units where argument.hasSuffix(suffix) {
            guard let n = Int(argument.dropLast(suffix.count)), n >= 0 else { return nil }
            value = n * factor
            return
        }
        guard let n = Int(argument), n >= 0 else { return nil }
        value = n
    }
}
