import Foundation

/// A sekisho configuration written by a test, in the YAML shape of the CLI contract.
/// Paths are written as given: absolute paths point into the class's PKI folder, relative
/// ones resolve against the config file's folder (sekisho's rule).
struct SekishoConfigFile {
    struct Certificate {
        var cert: String
        var key: String
    }

    struct Listener {
        var name: String
        var listen: String
        var certificates: [Certificate]
        /// nil writes no `client_auth` block at all.
        var clientCA: String?
        var crls: [String]
        var upstream: String
    }

    struct Upstream {
        var name: String
        var servers: [String]
        var proto: String = "tcp"
    }

    var logLevel = "info"
    var logFormat = "json"
    var listeners: [Listener]
    var upstreams: [Upstream]

    /// One listener `main` on 127.0.0.1:0 with both server certificates (ECDSA first), client
    /// auth against the client CA with its CRLs, forwarding TCP to `backend`.
    static func standard(pki: TestPKI, backendAddress: String, listen: String = "127.0.0.1:0") -> SekishoConfigFile {
        SekishoConfigFile(
            listeners: [
                Listener(
                    name: "main",
                    listen: listen,
                    certificates: [
                        Certificate(cert: pki.path("server-ecdsa.pem"), key: pki.path("server-ecdsa.key")),
                        Certificate(cert: pki.path("server-rsa.pem"), key: pki.path("server-rsa.key")),
                    ],
                    clientCA: pki.path("client-ca.pem"),
                    // The root's (empty) CRL too, so a verifier that checks revocation along
                    // the whole chain (X509_V_FLAG_CRL_CHECK_ALL) finds one for every issuer.
                    crls: [pki.path("client-ca.crl"), pki.path("root-ca.crl")],
                    upstream: "backend"
                )
            ],
            upstreams: [Upstream(name: "backend", servers: [backendAddress])]
        )
    }

    func yaml() -> String {
        var out = "log: { level: \(q(logLevel)), format: \(q(logFormat)) }\nlisteners:\n"
        for listener in listeners {
            out += "  - name: \(q(listener.name))\n"
            out += "    listen: \(q(listener.listen))\n"
            out += "    certificates:\n"
            for c in listener.certificates {
                out += "      - { cert: \(q(c.cert)), key: \(q(c.key)) }\n"
            }
            if let ca = listener.clientCA {
                out += "    client_auth: { ca: \(q(ca)), crl: [\(listener.crls.map(q).joined(separator: ", "))] }\n"
            }
            out += "    upstream: \(q(listener.upstream))\n"
        }
        out += "upstreams:\n"
        for u in upstreams {
            out += "  - { name: \(q(u.name)), servers: [\(u.servers.map(q).joined(separator: ", "))], protocol: \(q(u.proto)) }\n"
        }
        return out
    }

    @discardableResult
    func write(to url: URL) throws -> URL {
        try yaml().write(to: url, atomically: true, encoding: .utf8)
        return url
    }

    /// A YAML double-quoted scalar (JSON string escaping is a subset YAML accepts).
    private func q(_ s: String) -> String {
        var out = "\""
        for ch in s.unicodeScalars {
            switch ch {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            default: out.unicodeScalars.append(ch)
            }
        }
        return out + "\""
    }
}
