import XCTest
import SekishoConfig

/// Documents that must be refused, each with its exact list of issues.
final class ConfigRejectionTests: XCTestCase {
    func testUnknownKeysAreRefusedAtEveryLevel() throws {
        let dir = try PlaceholderDirectory()
        assertIssueTable([
            ("top level", ConfigDocument.make(top: "frobnicate: 1\n"), ["frobnicate: unknown key"]),
            ("log", ConfigDocument.make(top: "log: {levle: debug}\n"), ["log.levle: unknown key (did you mean 'level'?)"]),
            ("listener", ConfigDocument.make(listener: ["frobnicate": "yes"]), ["listeners[0].frobnicate: unknown key"]),
            ("listener typo", ConfigDocument.make(listener: ["upstreams": "backend"]), [
                "listeners[0].upstreams: unknown key (did you mean 'upstream'?)",
            ]),
            ("certificate", ConfigDocument.make(listener: ["certificates": "[{cert: server.pem, key: server.key, chain: x.pem}]"]), [
                "listeners[0].certificates[0].chain: unknown key",
            ]),
            ("tls", ConfigDocument.make(listener: ["tls": "{ciphers: [x], session_ticket: true}"]), [
                "listeners[0].tls.ciphers: unknown key",
                "listeners[0].tls.session_ticket: unknown key (did you mean 'session_tickets'?)",
            ]),
            ("client_auth", ConfigDocument.make(listener: ["client_auth": "{ca: client-ca.pem, requried: false}"]), [
                "listeners[0].client_auth.requried: unknown key (did you mean 'required'?)",
            ]),
            ("timeouts", ConfigDocument.make(listener: ["timeouts": "{read: 5s}"]), ["listeners[0].timeouts.read: unknown key"]),
            ("limits", ConfigDocument.make(listener: ["limits": "{max_conns: 5}"]), ["listeners[0].limits.max_conns: unknown key"]),
            ("upstream", ConfigDocument.make(upstreams: "upstreams: [{name: backend, servers: [\"127.0.0.1:1\"], weight: 2}]\n"), [
                "upstreams[0].weight: unknown key",
            ]),
        ], in: dir)
    }

    func testRequiredKeysAreNamed() throws {
        let dir = try PlaceholderDirectory()
        assertIssueTable([
            ("empty document", "", ["listeners: required key missing", "upstreams: required key missing"]),
            ("comment only", "# nothing\n", ["listeners: required key missing", "upstreams: required key missing"]),
            ("empty lists", "listeners: []\nupstreams: []\n", [
                "listeners: at least one listener is required", "upstreams: at least one upstream is required",
            ]),
            ("listener keys", ConfigDocument.make(listener: ["profile": "cryptrec-high", "name": nil, "listen": nil, "certificates": nil, "client_auth": nil, "upstream": nil]), [
                "listeners[0].name: required key missing",
                "listeners[0].listen: required key missing",
                "listeners[0].certificates: required key missing",
                "listeners[0].client_auth: required key missing",
                "listeners[0].upstream: required key missing",
            ]),
            ("null values count as missing", ConfigDocument.make(listener: ["listen": "~", "upstream": "null"]), [
                "listeners[0].listen: required key missing",
                "listeners[0].upstream: required key missing",
            ]),
            ("certificate and client_auth keys", ConfigDocument.make(listener: ["certificates": "[{cert: server.pem}, {key: server.key}]", "client_auth": "{required: true}"]), [
                "listeners[0].certificates[0].key: required key missing",
                "listeners[0].certificates[1].cert: required key missing",
                "listeners[0].client_auth.ca: required key missing",
            ]),
            ("certificate count", ConfigDocument.make(listener: ["certificates": "[]"]), ["listeners[0].certificates: at least one certificate is required"]),
            ("upstream keys", ConfigDocument.make(upstreams: "upstreams: [{protocol: tcp}, {name: b, servers: []}]\n"), [
                "listeners[0].upstream: no upstream named 'backend' (known: b)",
                "upstreams[0].name: required key missing",
                "upstreams[0].servers: required key missing",
                "upstreams[1].servers: at least one server is required",
            ]),
        ], in: dir)
    }

    func testTooManyCertificates() throws {
        let dir = try PlaceholderDirectory()
        let five = Array(repeating: "{cert: server.pem, key: server.key}", count: 5).joined(separator: ", ")
        XCTAssertEqual(issues(of: ConfigDocument.make(listener: ["certificates": "[\(five)]"]), in: dir), [
            "listeners[0].certificates: at most 4 certificates are allowed (found 5)",
        ])
    }

    func testWrongYAMLTypesAreReportedWithWhatWasFound() throws {
        let dir = try PlaceholderDirectory()
        assertIssueTable([
            ("word for an integer", ConfigDocument.make(top: "loops: two\n"), ["loops: expected an integer, found 'two'"]),
            ("quoted integer", ConfigDocument.make(top: "loops: \"2\"\n"), ["loops: expected an integer, found '2' (a quoted string; remove the quotes)"]),
            ("word for a bool", ConfigDocument.make(listener: ["tls": "{session_tickets: maybe}"]), [
                "listeners[0].tls.session_tickets: expected true or false, found 'maybe'",
            ]),
            ("scalar for a list", ConfigDocument.make(listener: ["tls": "{versions: TLSv1.3}"]), ["listeners[0].tls.versions: expected a list"]),
            ("negative cache size", ConfigDocument.make(listener: ["tls": "{session_cache_size: -1}"]), [
                "listeners[0].tls.session_cache_size: must be from 0 to 1000000 (found -1)",
            ]),
            ("mapping for a string", ConfigDocument.make(listener: ["upstream": "{name: backend}"]), [
                "listeners[0].upstream: expected a single value (string or number)",
            ]),
            ("mapping inside a list of strings", ConfigDocument.make(listener: ["tls": "{groups: [p-256, {p: 384}]}"]), [
                "listeners[0].tls.groups[1]: expected a single value (string or number)",
            ]),
            ("scalar for a block", ConfigDocument.make(listener: ["client_auth": "client-ca.pem"]), [
                "listeners[0].client_auth: expected a mapping of keys to values",
            ]),
            ("crl of the wrong shape", ConfigDocument.make(listener: ["client_auth": "{ca: client-ca.pem, crl: {file: x}}"]), [
                "listeners[0].client_auth.crl: expected a file name or a list of file names",
            ]),
            ("listeners not a list", "listeners: main\nupstreams: [{name: b, servers: [\"127.0.0.1:1\"]}]\n", ["listeners: expected a list"]),
            ("document not a mapping", "- a\n- b\n", ["(root): expected a mapping of keys to values"]),
        ], in: dir)
    }

    func testABrokenListEntryDoesNotHideTheOthers() throws {
        let dir = try PlaceholderDirectory()
        let yaml = """
            listeners:
              - just-a-string
              - {name: ok, listen: "127.0.0.1:1", certificates: [{cert: server.pem, key: server.key}], client_auth: {ca: client-ca.pem}, upstream: nope, bogus: 1}
            upstreams: [{name: b, servers: ["127.0.0.1:2"]}]
            """
        XCTAssertEqual(issues(of: yaml, in: dir), [
            "listeners[0]: expected a mapping of keys to values",
            "listeners[1].bogus: unknown key",
            "listeners[1].upstream: no upstream named 'nope' (known: b)",
        ])
    }

    func testValuesOutOfRange() throws {
        let dir = try PlaceholderDirectory()
        assertIssueTable([
            ("loops 0", ConfigDocument.make(top: "loops: 0\n"), ["loops: must be from 1 to 256 (found 0)"]),
            ("loops 257", ConfigDocument.make(top: "loops: 257\n"), ["loops: must be from 1 to 256 (found 257)"]),
            ("verify_depth", ConfigDocument.make(listener: ["client_auth": "{ca: client-ca.pem, verify_depth: 11}"]), [
                "listeners[0].client_auth.verify_depth: must be from 1 to 10 (found 11)",
            ]),
            ("max_connections", ConfigDocument.make(listener: ["limits": "{max_connections: 1_000_001}"]), [
                "listeners[0].limits.max_connections: must be from 1 to 1000000 (found 1000001)",
            ]),
            ("buffer too small", ConfigDocument.make(listener: ["limits": "{buffer_bytes: 4095}"]), [
                "listeners[0].limits.buffer_bytes: must be from 4096 to 16777216 bytes (4KiB to 16MiB; found 4095)",
            ]),
            ("buffer too large", ConfigDocument.make(listener: ["limits": "{buffer_bytes: 17MiB}"]), [
                "listeners[0].limits.buffer_bytes: must be from 4096 to 16777216 bytes (4KiB to 16MiB; found 17825792)",
            ]),
            ("buffer unit", ConfigDocument.make(listener: ["limits": "{buffer_bytes: 64KB}"]), [
                "listeners[0].limits.buffer_bytes: '64KB' is not a byte count: write an integer, optionally followed by KiB or MiB (e.g. 65536, 64KiB)",
            ]),
            ("log level", ConfigDocument.make(top: "log: {level: verbose, format: xml}\n"), [
                "log.level: 'verbose' is not a log level (allowed: trace, debug, info, notice, warning, error, critical)",
                "log.format: 'xml' is not a log format (allowed: text, json)",
            ]),
            ("protocol", ConfigDocument.make(upstreams: "upstreams: [{name: backend, servers: [\"127.0.0.1:1\"], protocol: http2}]\n"), [
                "upstreams[0].protocol: 'http2' is not supported yet (supported: tcp, http1)",
            ]),
        ], in: dir)
    }

    func testBadDurations() throws {
        let dir = try PlaceholderDirectory()
        let hint = "write an integer followed by ms, s, m or h (e.g. 10s, 500ms, 5m)"
        let rows: [(written: String, message: String)] = [
            ("0s", "must be greater than 0"),
            ("0", "must be greater than 0"),
            ("-5s", "'-5s' is not a duration: \(hint)"),
            ("1.5s", "'1.5s' is not a duration: \(hint)"),
            ("10 s", "'10 s' is not a duration: \(hint)"),
            ("1m30s", "'1m30s' is not a duration: \(hint)"),
            ("1__0s", "'1__0s' is not a duration: \(hint)"),
            ("_10s", "'_10s' is not a duration: \(hint)"),
            ("10w", "'10w' is not a duration: \(hint)"),  // `d` (days) is a unit: ClientTrustConfigTests
            ("s", "'s' is not a duration: \(hint)"),
            ("''", "'' is not a duration: \(hint)"),
            ("99999999999999999h", "'99999999999999999h' is too large"),
        ]
        assertIssueTable(rows.map { row in
            (row.written, ConfigDocument.make(listener: ["timeouts": "{handshake: \(row.written)}"]),
             ["listeners[0].timeouts.handshake: \(row.message)"])
        }, in: dir)
        XCTAssertEqual(
            issues(of: ConfigDocument.make(upstreams: "upstreams: [{name: backend, servers: [\"127.0.0.1:1\"], connect_timeout: soon}]\n"), in: dir),
            ["upstreams[0].connect_timeout: 'soon' is not a duration: \(hint)"]
        )
    }

    func testDuplicateNamesAndAddresses() throws {
        let dir = try PlaceholderDirectory()
        func listener(_ name: String, _ listen: String) -> String {
            "  - {name: \(name), listen: \"\(listen)\", certificates: [{cert: server.pem, key: server.key}], client_auth: {ca: client-ca.pem}, upstream: b}\n"
        }
        let upstreams = "upstreams: [{name: b, servers: [\"127.0.0.1:1\"]}]\n"
        assertIssueTable([
            ("listener names", "listeners:\n" + listener("x", "127.0.0.1:1") + listener("x", "127.0.0.1:2") + upstreams, [
                "listeners[1].name: 'x' is already used by listeners[0]",
            ]),
            ("listener addresses", "listeners:\n" + listener("x", "127.0.0.1:1") + listener("y", "127.0.0.1:1") + upstreams, [
                "listeners[1].listen: 127.0.0.1:1 is already used by listeners[0]",
            ]),
            ("same IPv6 address spelled differently", "listeners:\n" + listener("x", "[::1]:443") + listener("y", "[0:0:0:0:0:0:0:1]:443") + upstreams, [
                "listeners[1].listen: [0:0:0:0:0:0:0:1]:443 is already used by listeners[0]",
            ]),
            ("upstream names", "listeners:\n" + listener("x", "127.0.0.1:1")
                + "upstreams: [{name: b, servers: [\"127.0.0.1:1\"]}, {name: b, servers: [\"127.0.0.1:2\"]}]\n", [
                "upstreams[1].name: 'b' is already used by upstreams[0]",
            ]),
            ("upstream servers", "listeners:\n" + listener("x", "127.0.0.1:1")
                + "upstreams: [{name: b, servers: [\"[::1]:80\", \"[0::1]:80\"]}]\n", [
                "upstreams[0].servers[1]: [0::1]:80 is listed twice (first at upstreams[0].servers[0])",
            ]),
            ("bad names", "listeners:\n" + listener("'my listener'", "127.0.0.1:1")
                + "upstreams: [{name: b, servers: [\"127.0.0.1:1\"]}, {name: '\(String(repeating: "u", count: 65))', servers: [\"127.0.0.1:2\"]}]\n", [
                "listeners[0].name: 'my listener' is not a valid name (1 to 64 characters from A-Z a-z 0-9 . _ -)",
                "upstreams[1].name: '\(String(repeating: "u", count: 65))' is not a valid name (1 to 64 characters from A-Z a-z 0-9 . _ -)",
            ]),
        ], in: dir)
    }

    func testAddressesMustBeIPLiterals() throws {
        let dir = try PlaceholderDirectory()
        assertIssueTable([
            ("host name", ConfigDocument.make(listener: ["listen": "localhost:8443"]), [
                "listeners[0].listen: invalid address 'localhost:8443': 'localhost' is not an IP address literal (host names are not resolved)",
            ]),
            ("bare IPv6", ConfigDocument.make(listener: ["listen": "\"::1:8443\""]), [
                "listeners[0].listen: invalid address '::1:8443': IPv6 addresses must be written in brackets, e.g. [::1]:8443",
            ]),
            ("upstream port 0", ConfigDocument.make(upstreams: "upstreams: [{name: backend, servers: [\"127.0.0.1:0\", \"127.0.0.1\"]}]\n"), [
                "upstreams[0].servers[0]: port 0 is not a valid upstream port",
                "upstreams[0].servers[1]: invalid address '127.0.0.1': expected host:port",
            ]),
        ], in: dir)
    }

    func testUpstreamReferences() throws {
        let dir = try PlaceholderDirectory()
        assertIssueTable([
            ("typo", ConfigDocument.make(listener: ["upstream": "backnd"]), [
                "listeners[0].upstream: no upstream named 'backnd' (known: backend)",
            ]),
            ("none defined", ConfigDocument.make(listener: ["upstream": "backnd"], upstreams: ""), [
                "listeners[0].upstream: no upstream named 'backnd' (no upstreams are defined)",
                "upstreams: required key missing",
            ]),
        ], in: dir)
        // Unused upstreams are fine.
        let extra = ConfigDocument.baseUpstreams + "  - {name: spare, servers: [\"127.0.0.1:9\"]}\n"
        XCTAssertEqual(parseValid(ConfigDocument.make(upstreams: extra), in: dir)?.upstreams.map(\.name), ["backend", "spare"])
    }

    func testMissingAndUnusableFiles() throws {
        let dir = try PlaceholderDirectory()
        assertIssueTable([
            ("cert, key and ca", ConfigDocument.make(listener: ["certificates": "[{cert: nope.pem, key: nope.key, ca: x.pem}]"]), [
                "listeners[0].certificates[0].cert: file 'nope.pem' does not exist",
                "listeners[0].certificates[0].key: file 'nope.key' does not exist",
                "listeners[0].certificates[0].ca: file 'x.pem' does not exist",
            ]),
            ("client CA", ConfigDocument.make(listener: ["client_auth": "{ca: x.pem}"]), ["listeners[0].client_auth.ca: file 'x.pem' does not exist"]),
            ("crl as a string", ConfigDocument.make(listener: ["client_auth": "{ca: client-ca.pem, crl: gone.crl}"]), [
                "listeners[0].client_auth.crl: file 'gone.crl' does not exist",
            ]),
            ("crl list", ConfigDocument.make(listener: ["client_auth": "{ca: client-ca.pem, crl: [client-ca.crl, gone.crl]}"]), [
                "listeners[0].client_auth.crl[1]: file 'gone.crl' does not exist",
            ]),
            ("directory", ConfigDocument.make(listener: ["client_auth": "{ca: a-directory.pem}"]), [
                "listeners[0].client_auth.ca: 'a-directory.pem' is a directory, not a file",
            ]),
            ("empty name", ConfigDocument.make(listener: ["client_auth": "{ca: ''}"]), ["listeners[0].client_auth.ca: must not be empty"]),
            ("not beside the config", ConfigDocument.make(listener: ["client_auth": "{ca: sub/client-ca.pem}"]), [
                "listeners[0].client_auth.ca: file 'sub/client-ca.pem' does not exist",
            ]),
        ], in: dir)
    }

    func testEveryIssueIsReportedTogether() throws {
        let dir = try PlaceholderDirectory()
        let yaml = """
            loops: 0
            listeners:
              - name: main
                listen: "127.0.0.1:8443"
                certificates: [{cert: server.pem, key: missing.key}]
                tls: {versions: [TLSv1.1], tls12_cipher_suites: [TLS_RSA_WITH_AES_128_GCM_SHA256]}
                client_auth: {ca: client-ca.pem, verify_depth: 0}
                upstream: backnd
                timeouts: {idle: forever}
                frobnicate: true
              - name: main
                listen: "127.0.0.1:8443"
                certificates: [{cert: server.pem, key: server.key}]
                client_auth: {ca: x.pem}
                upstream: backend
            upstreams:
              - {name: backend, servers: ["127.0.0.1:8080"], protocol: http2}
            """
        XCTAssertEqual(issues(of: yaml, in: dir), [
            "listeners[0].frobnicate: unknown key",
            "loops: must be from 1 to 256 (found 0)",
            "listeners[0].certificates[0].key: file 'missing.key' does not exist",
            "listeners[0].tls.versions[0]: 'TLSv1.1' is not in the cryptrec-high profile (SSL 3.0, TLS 1.0 and TLS 1.1 are never negotiated)",
            "listeners[0].tls.tls12_cipher_suites[0]: 'TLS_RSA_WITH_AES_128_GCM_SHA256' is not in the cryptrec-high profile (RSA key transport is never allowed)",
            "listeners[0].client_auth.verify_depth: must be from 1 to 10 (found 0)",
            "listeners[0].upstream: no upstream named 'backnd' (known: backend)",
            "listeners[0].timeouts.idle: 'forever' is not a duration: write an integer followed by ms, s, m or h (e.g. 10s, 500ms, 5m)",
            "listeners[1].name: 'main' is already used by listeners[0]",
            "listeners[1].listen: 127.0.0.1:8443 is already used by listeners[0]",
            "listeners[1].client_auth.ca: file 'x.pem' does not exist",
            "upstreams[0].protocol: 'http2' is not supported yet (supported: tcp, http1)",
        ])
    }

    func testYAMLSyntaxErrorsGiveLineAndColumn() throws {
        let dir = try PlaceholderDirectory()
        assertIssueTable([
            ("bad indentation", "listeners:\n  - name: main\n   listen: x\n", [
                "line 3, column 4: YAML syntax error: while parsing a block collection (line 2, column 3): did not find expected '-' indicator",
            ]),
            ("unclosed flow list", "upstreams: [a, b\n", [
                "line 2, column 1: YAML syntax error: while parsing a flow sequence (line 1, column 12): did not find expected ',' or ']'",
            ]),
            ("tab indentation", "\tloops: 1\n", [
                "line 1, column 1: YAML syntax error: while scanning for the next token (line 1, column 1): found character that cannot start any token",
            ]),
            ("duplicate key", "loops: 1\nloops: 2\n", [
                "line 1, column 1: duplicate key 'loops' in one mapping (each key may appear once)",
            ]),
        ], in: dir)
    }

    func testErrorDescriptionIsOneLinePerIssue() {
        let error = ConfigError(issues: [
            ConfigIssue(path: "listeners[1].client_auth.ca", message: "file 'x.pem' does not exist"),
            ConfigIssue(path: "listeners[0].frobnicate", message: "unknown key"),
        ])
        XCTAssertEqual(error.description, "listeners[1].client_auth.ca: file 'x.pem' does not exist\nlisteners[0].frobnicate: unknown key")
    }
}
