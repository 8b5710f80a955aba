import Foundation
import XCTest
import SekishoCore
import SekishoConfig

/// Valid documents and the typed values they produce: defaults, every key set explicitly,
/// narrowing, durations, sizes, path resolution.
final class ProxyConfigValuesTests: XCTestCase {
    func testMinimalDocumentGetsEveryDefault() throws {
        let dir = try PlaceholderDirectory()
        let config = try XCTUnwrap(parseValid(ConfigDocument.make(), in: dir))

        XCTAssertNil(config.configPath)
        XCTAssertEqual(config.configDirectory, dir.path)
        XCTAssertEqual(config.loopCount, ConfigDefaults.loopCount)
        XCTAssertEqual(config.loopCount, min(ProcessInfo.processInfo.activeProcessorCount, 256))
        XCTAssertEqual(config.log.level, .info)
        XCTAssertEqual(config.log.format, .text)

        XCTAssertEqual(config.listeners.count, 1)
        let listener = try XCTUnwrap(config.listeners.first)
        XCTAssertEqual(listener.name, "main")
        XCTAssertEqual(listener.listen, HostPort(host: "127.0.0.1", port: 8443, family: .ipv4))
        XCTAssertEqual(listener.profile, "cryptrec-high")
        XCTAssertEqual(listener.certificates.map(\.certPath), [dir.file("server.pem")])
        XCTAssertEqual(listener.certificates.map(\.keyPath), [dir.file("server.key")])
        XCTAssertEqual(listener.certificates.map(\.caPath), [nil])
        XCTAssertEqual(listener.versions, [.tls13, .tls12])
        XCTAssertEqual(listener.tls13CipherSuites, CryptrecHighProfile.tls13CipherSuites)
        XCTAssertEqual(listener.tls12CipherSuites, CryptrecHighProfile.tls12CipherSuites)
        XCTAssertEqual(listener.groups, CryptrecHighProfile.groups)
        XCTAssertTrue(listener.sessionTickets)
        XCTAssertEqual(listener.sessionCacheSize, 4_096)
        XCTAssertEqual(listener.clientAuth.required, true)
        XCTAssertEqual(listener.clientAuth.caPath, dir.file("client-ca.pem"))
        XCTAssertEqual(listener.clientAuth.crlPaths, [])
        XCTAssertEqual(listener.clientAuth.verifyDepth, 4)
        XCTAssertEqual(listener.upstreamName, "backend")
        XCTAssertEqual(listener.handshakeTimeout, .seconds(10))
        XCTAssertEqual(listener.idleTimeout, .seconds(300))
        XCTAssertEqual(listener.maxConnections, 10_000)
        XCTAssertEqual(listener.bufferBytes, 65_536)

        let upstream = try XCTUnwrap(config.upstream(named: "backend"))
        XCTAssertEqual(config.upstreams, [upstream])
        XCTAssertEqual(upstream.servers, [HostPort(host: "127.0.0.1", port: 8080, family: .ipv4)])
        XCTAssertEqual(upstream.protocol, .tcp)
        XCTAssertEqual(upstream.connectTimeout, .seconds(5))
        XCTAssertNil(config.upstream(named: "nope"))
    }

    func testEveryKeySetExplicitly() throws {
        let dir = try PlaceholderDirectory()
        let yaml = """
            loops: 3
            log:
              level: warning
              format: json
            listeners:
              - name: edge-v6.1
                listen: "[::1]:9443"
                profile: cryptrec-high
                certificates:
                  - cert: server.pem
                    key: server.key
                    ca: anchor.pem
                  - cert: server-rsa.pem
                    key: server-rsa.key
                tls:
                  versions: [TLSv1.2, TLSv1.3]
                  tls13_cipher_suites: [TLS_AES_256_GCM_SHA384, TLS_AES_128_GCM_SHA256]
                  tls12_cipher_suites: [ECDHE-RSA-AES256-GCM-SHA384, TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256]
                  groups: [P-384, secp256r1, ffdhe3072]
                  nist_curves_only: true
                  session_tickets: false
                  session_cache_size: 512
                client_auth:
                  required: false
                  ca: client-ca.pem
                  crl: [client-ca.crl, other.crl]
                  verify_depth: 2
                upstream: pool_b
                timeouts:
                  handshake: 500ms
                  idle: 2m
                limits:
                  max_connections: 250
                  buffer_bytes: 1MiB
            upstreams:
              - name: pool_a
                servers: ["127.0.0.1:8080"]
              - name: pool_b
                servers: ["127.0.0.1:9000", "[::1]:9001"]
                protocol: tcp
                connect_timeout: 1h
            """
        let config = try XCTUnwrap(parseValid(yaml, in: dir))
        XCTAssertEqual(config.loopCount, 3)
        XCTAssertEqual(config.log, LogSettings(level: .warning, format: .json))
        let listener = try XCTUnwrap(config.listeners.first)
        XCTAssertEqual(listener.name, "edge-v6.1")
        XCTAssertEqual(listener.listen, HostPort(host: "::1", port: 9443, family: .ipv6))
        XCTAssertEqual(listener.certificates, [
            CertificateKeyPaths(certPath: dir.file("server.pem"), keyPath: dir.file("server.key"), caPath: dir.file("anchor.pem")),
            CertificateKeyPaths(certPath: dir.file("server-rsa.pem"), keyPath: dir.file("server-rsa.key"), caPath: nil),
        ])
        // Versions: order in the file is irrelevant, TLS 1.3 stays preferred.
        XCTAssertEqual(listener.versions, [.tls13, .tls12])
        // Suites and groups: the file's order is the server's preference order.
        XCTAssertEqual(listener.tls13CipherSuites.map(\.iana), ["TLS_AES_256_GCM_SHA384", "TLS_AES_128_GCM_SHA256"])
        XCTAssertEqual(listener.tls12CipherSuites.map(\.code), [0xC030, 0xC02B])
        XCTAssertEqual(listener.groups.map(\.name), ["p-384", "p-256", "ffdhe3072"])
        XCTAssertFalse(listener.sessionTickets)
        XCTAssertEqual(listener.sessionCacheSize, 512)
        XCTAssertEqual(listener.clientAuth, ClientAuthConfig(
            required: false, caPath: dir.file("client-ca.pem"),
            crlPaths: [dir.file("client-ca.crl"), dir.file("other.crl")], verifyDepth: 2
        ))
        XCTAssertEqual(listener.upstreamName, "pool_b")
        XCTAssertEqual(listener.handshakeTimeout, .milliseconds(500))
        XCTAssertEqual(listener.idleTimeout, .seconds(120))
        XCTAssertEqual(listener.maxConnections, 250)
        XCTAssertEqual(listener.bufferBytes, 1_048_576)
        XCTAssertEqual(config.upstreams.map(\.name), ["pool_a", "pool_b"])
        let poolB = try XCTUnwrap(config.upstream(named: "pool_b"))
        XCTAssertEqual(poolB.servers.map(\.description), ["127.0.0.1:9000", "[::1]:9001"])
        XCTAssertEqual(poolB.connectTimeout, .seconds(3_600))
    }

    func testNistCurvesOnlyDropsX25519AndX448FromTheDefaultGroups() throws {
        let dir = try PlaceholderDirectory()
        let config = try XCTUnwrap(parseValid(ConfigDocument.make(listener: ["tls": "{nist_curves_only: true}"]), in: dir))
        XCTAssertEqual(config.listeners[0].groups.map(\.name), ["p-256", "p-384", "p-521", "ffdhe2048", "ffdhe3072", "ffdhe4096"])
    }

    func testTLS13OnlyListenerMayLeaveTheTLS12ListEmpty() throws {
        let dir = try PlaceholderDirectory()
        let tls = "{versions: [TLSv1.3], tls12_cipher_suites: []}"
        let config = try XCTUnwrap(parseValid(ConfigDocument.make(listener: ["tls": tls]), in: dir))
        XCTAssertEqual(config.listeners[0].versions, [.tls13])
        XCTAssertEqual(config.listeners[0].tls12CipherSuites, [])
    }

    func testDurationForms() throws {
        let dir = try PlaceholderDirectory()
        let rows: [(written: String, expected: Duration)] = [
            ("10s", .seconds(10)), ("1500ms", .milliseconds(1_500)), ("5m", .seconds(300)),
            ("2h", .seconds(7_200)), ("45", .seconds(45)), ("\"45\"", .seconds(45)), ("1_000ms", .seconds(1)),
        ]
        for row in rows {
            let yaml = ConfigDocument.make(listener: ["timeouts": "{idle: \(row.written)}"])
            let config = parseValid(yaml, in: dir)
            XCTAssertEqual(config?.listeners[0].idleTimeout, row.expected, "idle: \(row.written)")
        }
    }

    func testBufferSizeForms() throws {
        let dir = try PlaceholderDirectory()
        let rows: [(written: String, expected: Int)] = [
            ("4096", 4_096), ("65_536", 65_536), ("64KiB", 65_536), ("1MiB", 1_048_576), ("16MiB", 16_777_216), ("16777216", 16_777_216),
        ]
        for row in rows {
            let yaml = ConfigDocument.make(listener: ["limits": "{buffer_bytes: \(row.written)}"])
            XCTAssertEqual(parseValid(yaml, in: dir)?.listeners[0].bufferBytes, row.expected, "buffer_bytes: \(row.written)")
        }
    }

    func testCRLAcceptsOneStringOrAList() throws {
        let dir = try PlaceholderDirectory()
        let rows: [(written: String, expected: [String])] = [
            ("client-ca.crl", ["client-ca.crl"]),
            ("[client-ca.crl]", ["client-ca.crl"]),
            ("[client-ca.crl, other.crl]", ["client-ca.crl", "other.crl"]),
            ("[]", []),
        ]
        for row in rows {
            let yaml = ConfigDocument.make(listener: ["client_auth": "{ca: client-ca.pem, crl: \(row.written)}"])
            XCTAssertEqual(parseValid(yaml, in: dir)?.listeners[0].clientAuth.crlPaths, row.expected.map(dir.file), "crl: \(row.written)")
        }
    }

    func testRelativePathsResolveAgainstTheConfigFolder() throws {
        let dir = try PlaceholderDirectory()
        let absoluteKey = dir.file("server.key")
        let rows: [(written: String, expected: String)] = [
            ("server.pem", dir.file("server.pem")),
            ("./server.pem", dir.file("server.pem")),
            ("sub/inner.pem", dir.file("sub/inner.pem")),
            ("sub//./inner.pem", dir.file("sub/inner.pem")),
            // `..` is left to the kernel (symbolic links are followed before going up).
            ("sub/../server.pem", dir.file("sub/../server.pem")),
            (absoluteKey, absoluteKey),
        ]
        for row in rows {
            let yaml = ConfigDocument.make(listener: ["certificates": "[{cert: '\(row.written)', key: '\(absoluteKey)'}]"])
            XCTAssertEqual(parseValid(yaml, in: dir)?.listeners[0].certificates[0].certPath, row.expected, "cert: \(row.written)")
        }
    }

    func testLoadFromFileResolvesAgainstTheFileFolderNotTheCurrentDirectory() throws {
        let dir = try PlaceholderDirectory()
        let configFile = dir.file("sub/sekisho.yaml")
        let yaml = ConfigDocument.make(listener: ["certificates": "[{cert: inner.pem, key: ../server.key}]", "client_auth": "{ca: ../client-ca.pem}"])
        try yaml.write(toFile: configFile, atomically: true, encoding: .utf8)
        XCTAssertNotEqual(FileManager.default.currentDirectoryPath, dir.file("sub"))

        let config = try ProxyConfig.load(fileAt: configFile)
        XCTAssertEqual(config.configPath, configFile)
        XCTAssertEqual(config.configDirectory, dir.file("sub"))
        XCTAssertEqual(config.listeners[0].certificates[0].certPath, dir.file("sub/inner.pem"))
        XCTAssertEqual(config.listeners[0].clientAuth.caPath, dir.file("sub/../client-ca.pem"))
    }

    func testLoadReportsAMissingConfigFile() throws {
        let dir = try PlaceholderDirectory()
        let missing = dir.file("nope.yaml")
        XCTAssertThrowsError(try ProxyConfig.load(fileAt: missing)) { error in
            XCTAssertEqual((error as? ConfigError)?.description, "\(missing): configuration file does not exist")
        }
        XCTAssertThrowsError(try ProxyConfig.load(fileAt: dir.file("sub"))) { error in
            XCTAssertEqual((error as? ConfigError)?.description, "\(dir.file("sub")): is a directory, not a configuration file")
        }
    }

    func testPortZeroListenersMayRepeatAnAddress() throws {
        let dir = try PlaceholderDirectory()
        let yaml = """
            listeners:
              - {name: a, listen: "127.0.0.1:0", certificates: [{cert: server.pem, key: server.key}], client_auth: {ca: client-ca.pem}, upstream: up}
              - {name: b, listen: "127.0.0.1:0", certificates: [{cert: server.pem, key: server.key}], client_auth: {ca: client-ca.pem}, upstream: up}
            upstreams: [{name: up, servers: ["127.0.0.1:1"]}]
            """
        XCTAssertEqual(parseValid(yaml, in: dir)?.listeners.map(\.listen.port), [0, 0])
    }

    func testAnchorsAliasesAndMergeKeysWork() throws {
        let dir = try PlaceholderDirectory()
        // The second listener merges the first (`<<`); keys written beside the merge override it.
        let merged = """
            listeners:
              - &first
                name: v4
                listen: "127.0.0.1:8443"
                certificates: [{cert: server.pem, key: server.key}]
                client_auth: {ca: client-ca.pem, verify_depth: 3}
                upstream: backend
              - <<: *first
                name: v6
                listen: "[::1]:8443"
                upstream: other
            upstreams:
              - {name: backend, servers: ["127.0.0.1:8080"]}
              - {name: other, servers: ["127.0.0.1:8081"]}
            """
        let config = try XCTUnwrap(parseValid(merged, in: dir))
        XCTAssertEqual(config.listeners.map(\.name), ["v4", "v6"])
        XCTAssertEqual(config.listeners.map(\.clientAuth.verifyDepth), [3, 3])
        XCTAssertEqual(config.listeners.map(\.upstreamName), ["backend", "other"])

        // Unknown keys arriving through a merge are still refused, once each.
        let typo = merged.replacingOccurrences(of: "upstream: backend", with: "upstream: backend\n    upstrem: x")
        XCTAssertEqual(issues(of: typo, in: dir), [
            "listeners[0].upstrem: unknown key (did you mean 'upstream'?)",
            "listeners[1].upstrem: unknown key (did you mean 'upstream'?)",
        ])
    }

    func testRawConfigCanBePatchedBeforeValidation() throws {
        let dir = try PlaceholderDirectory()
        var raw = try RawConfig(yaml: ConfigDocument.make())
        raw.listeners?[0].listen = "[::1]:0"
        raw.loops = 1
        let config = try ProxyConfig(raw: raw, configDirectory: dir.path)
        XCTAssertEqual(config.listeners[0].listen.description, "[::1]:0")
        XCTAssertEqual(config.loopCount, 1)

        raw.listeners?[0].listen = "localhost:80"
        XCTAssertThrowsError(try ProxyConfig(raw: raw, configDirectory: dir.path)) { error in
            XCTAssertEqual(
                (error as? ConfigError)?.description,
                "listeners[0].listen: invalid address 'localhost:80': 'localhost' is not an IP address literal (host names are not resolved)"
            )
        }
    }

    func testRawConfigDecodingRejectsUnknownKeysOnItsOwn() {
        XCTAssertThrowsError(try RawConfig(yaml: "loops: 1\nlogs: {level: info}\n")) { error in
            XCTAssertEqual((error as? ConfigError)?.description, "logs: unknown key (did you mean 'log'?)")
        }
    }
}
