import Foundation
import XCTest
import SekishoCore
import SekishoConfig

/// config/sekisho.example.yaml must stay loadable: it is copied into a temporary folder beside
/// empty placeholders of the files scripts/gen-test-pki.sh produces (the loader resolves
/// relative names against the config file's folder and only checks that the files exist).
final class ExampleConfigTests: XCTestCase {
    private static let pkiFileNames = [
        "server-ecdsa.pem", "server-ecdsa.key", "server-rsa.pem", "server-rsa.key",
        "server-ca.pem", "client-ca.pem", "client-ca.crl",
    ]

    private static var exampleURL: URL {
        // Tests/SekishoConfigTests/ExampleConfigTests.swift -> repository root.
        URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("config/sekisho.example.yaml")
    }

    func testExampleLoadsWithTwoListeners() throws {
        let dir = try PlaceholderDirectory(files: Self.pkiFileNames)
        let configFile = dir.file("sekisho.yaml")
        try FileManager.default.copyItem(atPath: Self.exampleURL.path, toPath: configFile)

        let config = try ProxyConfig.load(fileAt: configFile)
        XCTAssertEqual(config.configPath, configFile)
        XCTAssertEqual(config.loopCount, 2)
        XCTAssertEqual(config.log, LogSettings(level: .info, format: .text))
        XCTAssertEqual(config.listeners.map(\.name), ["main-v4", "main-v6"])
        XCTAssertEqual(config.listeners.map(\.listen.description), ["127.0.0.1:8443", "[::1]:8443"])
        XCTAssertEqual(config.upstreams.map(\.name), ["backend", "records"])
        XCTAssertEqual(config.upstream(named: "backend")?.servers.map(\.description), ["127.0.0.1:8080"])
        // The HTTP keys are written out at their defaults (hsts excepted, which is off by default).
        XCTAssertEqual(config.upstream(named: "backend")?.protocol, .http1)
        XCTAssertEqual(config.upstream(named: "backend")?.http, UpstreamHTTPSettings.defaults)
        XCTAssertEqual(config.accessLog, AccessLogSettings.defaults)

        for listener in config.listeners {
            XCTAssertEqual(listener.upstreamName, "backend")
            XCTAssertEqual(listener.certificates, [
                CertificateKeyPaths(certPath: dir.file("server-ecdsa.pem"), keyPath: dir.file("server-ecdsa.key"), caPath: dir.file("server-ca.pem")),
                CertificateKeyPaths(certPath: dir.file("server-rsa.pem"), keyPath: dir.file("server-rsa.key"), caPath: dir.file("server-ca.pem")),
            ])
            XCTAssertEqual(listener.clientAuth, ClientAuthConfig(
                required: true, caPath: dir.file("client-ca.pem"), crlPaths: [dir.file("client-ca.crl")], verifyDepth: 4
            ))
            // The example writes the TLS lists out in full: they must match the profile exactly,
            // so the sample cannot drift from CryptrecHighProfile unnoticed.
            XCTAssertEqual(listener.versions, CryptrecHighProfile.versions)
            XCTAssertEqual(listener.tls13CipherSuites, CryptrecHighProfile.tls13CipherSuites)
            XCTAssertEqual(listener.tls12CipherSuites, CryptrecHighProfile.tls12CipherSuites)
            XCTAssertEqual(listener.groups, CryptrecHighProfile.groups)
            XCTAssertEqual(listener.bufferBytes, ConfigDefaults.bufferBytes)
            XCTAssertEqual(listener.maxConnections, ConfigDefaults.maxConnections)
            XCTAssertEqual(listener.handshakeTimeout, ConfigDefaults.handshakeTimeout)
            XCTAssertEqual(listener.idleTimeout, ConfigDefaults.idleTimeout)
            XCTAssertEqual(listener.routes, [
                RouteConfig(host: nil, pathPrefix: "/records/", upstreamName: "records"),
                RouteConfig(host: "records.localhost", pathPrefix: nil, upstreamName: "records"),
            ])
            XCTAssertEqual(listener.http.identityHeaders, IdentityHeaderSettings.defaults)
            XCTAssertEqual(listener.http.forwarded, ForwardedSettings.defaults)
            XCTAssertEqual(listener.http.hsts, HSTSSettings(maxAgeSeconds: 31_536_000, includeSubdomains: false, preload: false))
            XCTAssertEqual(listener.http.maxRequestLineBytes, ConfigDefaults.maxRequestLineBytes)
            XCTAssertEqual(listener.http.maxHeaderBytes, ConfigDefaults.maxHeaderBytes)
            XCTAssertEqual(listener.http.maxHeaderCount, ConfigDefaults.maxHeaderCount)
            XCTAssertEqual(listener.http.headerTimeout, ConfigDefaults.headerTimeout)
            XCTAssertNil(listener.http.maxRequestBodyBytes)
        }
    }

    func testExampleWithoutThePKIFilesNamesEachMissingFile() throws {
        let dir = try PlaceholderDirectory(files: Self.pkiFileNames.filter { $0 != "client-ca.crl" })
        let configFile = dir.file("sekisho.yaml")
        try FileManager.default.copyItem(atPath: Self.exampleURL.path, toPath: configFile)
        XCTAssertThrowsError(try ProxyConfig.load(fileAt: configFile)) { error in
            XCTAssertEqual((error as? ConfigError)?.issues.map(\.description), [
                "listeners[0].client_auth.crl: file 'client-ca.crl' does not exist",
                "listeners[1].client_auth.crl: file 'client-ca.crl' does not exist",
            ])
        }
    }
}
