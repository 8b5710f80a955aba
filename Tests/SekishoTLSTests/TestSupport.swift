import Foundation
import SekishoCore
import SekishoTLS
import XCTest

/// The test PKI, minted once per test run by scripts/gen-test-pki.sh into a temporary
/// directory that is removed when the process exits.
enum TestPKI {
    struct Failure: Error, CustomStringConvertible { let description: String }

    nonisolated(unsafe) private static var directoryToRemove: String?

    static let directory: Result<String, Failure> = {
        // #filePath may run through a symlinked package directory; the script lives beside
        // the real file's package root.
        let here = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
        let script = here.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("scripts/gen-test-pki.sh").path
        let dir = FileManager.default.temporaryDirectory
            .appendingPathComponent("sekisho-tls-tests-\(getpid())-\(UUID().uuidString.prefix(8))").path
        let (status, output) = run("/bin/bash", [script, dir])
        guard status == 0 else { return .failure(Failure(description: "gen-test-pki.sh failed (\(status)): \(output)")) }
        directoryToRemove = dir
        atexit {
            if let dir = TestPKI.directoryToRemove { try? FileManager.default.removeItem(atPath: dir) }
        }
        return .success(dir)
    }()

    static func path(_ name: String) throws -> String {
        try directory.get() + "/" + name
    }

    static func exists(_ name: String) -> Bool {
        guard let path = try? path(name) else { return false }
        return FileManager.default.fileExists(atPath: path)
    }

    static func source(_ name: String, ca: String? = nil) throws -> TLSCertificateSource {
        TLSCertificateSource(certPath: try path("\(name).pem"), keyPath: try path("\(name).key"), caPath: try ca.map { try path($0) })
    }

    @discardableResult
    static func run(_ tool: String, _ arguments: [String]) -> (Int32, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        do { try process.run() } catch { return (-1, "\(error)") }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    /// `openssl x509 ... -noout <flags>` output, for cross-checking PeerIdentity fields.
    static func openssl(_ arguments: [String]) -> String {
        run("/usr/bin/env", ["openssl"] + arguments).1
    }
}

/// Builders for the contexts most tests use.
enum Fixtures {
    static func serverConfiguration(
        listener: String = "test",
        certificates: [String] = ["server-ecdsa", "server-rsa"],
        required: Bool = true,
        crls: [String] = ["client-ca.crl", "root-ca.crl"],
        alpn: [String] = [],
        ticketKey: TLSSessionTicketKey? = nil
    ) throws -> TLSServerConfiguration {
        TLSServerConfiguration(
            listenerName: listener,
            certificates: try certificates.map { try TestPKI.source($0, ca: "server-ca.pem") },
            clientAuth: TLSClientAuthSettings(
                required: required, caPath: try TestPKI.path("client-ca.pem"),
                crlPaths: try crls.map { try TestPKI.path($0) }),
            alpn: alpn,
            sessionTicketKey: ticketKey
        )
    }

    static func server(
        certificates: [String] = ["server-ecdsa", "server-rsa"],
        required: Bool = true,
        crls: [String] = ["client-ca.crl", "root-ca.crl"],
        alpn: [String] = [],
        ticketKey: TLSSessionTicketKey? = nil
    ) throws -> TLSContext {
        try TLSContext(configuration: serverConfiguration(
            certificates: certificates, required: required, crls: crls, alpn: alpn, ticketKey: ticketKey))
    }

    /// A client presenting `certificate` (nil = none). Security level 0 lets the client load the
    /// deliberately weak certificates; the server's own level is unaffected.
    static func client(
        certificate: String? = "client-good-ecdsa",
        maximumVersion: TLSClientProtocolVersion = .tls13,
        minimumVersion: TLSClientProtocolVersion = .tls12,
        tls13CipherSuites: String? = nil,
        cipherList: String? = nil,
        alpn: [String] = [],
        verifyServer: Bool = true
    ) throws -> TLSClientContext {
        try TLSClientContext(configuration: TLSClientConfiguration(
            certificate: try certificate.map { try TestPKI.source($0) },
            trustedCAPath: verifyServer ? try TestPKI.path("server-ca.pem") : nil,
            minimumVersion: minimumVersion,
            maximumVersion: maximumVersion,
            tls13CipherSuites: tls13CipherSuites,
            cipherList: cipherList,
            securityLevel: 0,
            alpn: alpn
        ))
    }
}

/// Moves bytes between two sessions in memory, like a loopback socket pair.
struct Pump {
    let client: TLSSession
    let server: TLSSession
    private var buffer = [UInt8](repeating: 0, count: 65_536)

    init(client: TLSSession, server: TLSSession) {
        self.client = client
        self.server = server
    }

    /// Drains `from` completely into `to`; returns the bytes moved.
    @discardableResult
    mutating func transfer(from: TLSSession, to: TLSSession) -> Int {
        var total = 0
        while from.pendingCiphertextBytes > 0 {
            let n = buffer.withUnsafeMutableBytes { from.drainCiphertext(into: $0) }
            if n == 0 { break }
            buffer.withUnsafeBytes { to.feedCiphertext(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
            total += n
        }
        return total
    }

    /// Steps both handshakes until both are finished or nothing moves (bounded).
    mutating func handshake() -> (client: TLSHandshakeStep, server: TLSHandshakeStep) {
        var clientStep = TLSHandshakeStep.needsInput
        var serverStep = TLSHandshakeStep.needsInput
        for _ in 0..<32 {
            clientStep = client.handshake()
            let toServer = transfer(from: client, to: server)
            serverStep = server.handshake()
            let toClient = transfer(from: server, to: client)
            if toServer == 0, toClient == 0 { break }
        }
        return (clientStep, serverStep)
    }

    /// Sends `text` from one side and reads it on the other. Returns what arrived, or the
    /// read result that stopped it.
    mutating func send(_ text: String, from: TLSSession, to: TLSSession) -> Result<String, TLSReadResultBox> {
        let bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let result = bytes.withUnsafeBytes { from.writePlaintext(UnsafeRawBufferPointer(rebasing: $0[offset...])) }
            guard case .wrote(let n) = result else { return .failure(TLSReadResultBox(result: .needsInput, write: result)) }
            offset += n
            transfer(from: from, to: to)
        }
        var received: [UInt8] = []
        var scratch = [UInt8](repeating: 0, count: 32_768)
        while received.count < bytes.count {
            let result = scratch.withUnsafeMutableBytes { to.readPlaintext(into: $0) }
            switch result {
            case .bytes(let n): received += scratch[0..<n]
            default:
                transfer(from: to, to: from)
                return .failure(TLSReadResultBox(result: result, write: nil))
            }
        }
        transfer(from: to, to: from)
        return .success(String(decoding: received, as: UTF8.self))
    }

    /// Reads whatever is available on `session` (e.g. TLS 1.3 tickets or an alert).
    static func readAvailable(_ session: TLSSession) -> TLSReadResult {
        var scratch = [UInt8](repeating: 0, count: 4_096)
        return scratch.withUnsafeMutableBytes { session.readPlaintext(into: $0) }
    }
}

struct TLSReadResultBox: Error {
    let result: TLSReadResult
    let write: TLSWriteResult?
}

extension TLSHandshakeStep {
    var refusal: TLSRefusal? {
        if case .failed(let refusal) = self { return refusal }
        return nil
    }

    var isComplete: Bool {
        if case .complete = self { return true }
        return false
    }

    var peer: PeerIdentity? {
        if case .complete(let peer) = self { return peer }
        return nil
    }
}
