import SekishoConfig
import SekishoCore
import SekishoTLS

/// The effective TLS surface of a built generation, as `sekisho check` prints it: what each
/// listener will really negotiate, read back from the built contexts.
public enum SurfaceReport {
    public static func text(for generation: ConfigGeneration) -> String {
        var out: [String] = []
        for listener in generation.config.listeners {
            guard let built = generation.listeners[listener.name] else { continue }
            let s = built.tls.surface
            out.append("listener \(listener.name) on \(listener.listen) → upstream \(built.upstream.name) (\(built.upstream.protocol.rawValue): \(built.upstream.servers.map(\.description).joined(separator: ", ")))")
            out.append("  profile: \(listener.profile) (\(s.openSSLVersion))")
            out.append("  versions: \(s.versions.map(\.rawValue).joined(separator: ", "))")
            out.append("  TLS 1.3 suites, server preference order:")
            for (i, suite) in s.tls13CipherSuites.enumerated() { out.append("    \(i + 1). \(suite)") }
            out.append("  TLS 1.2 suites, server preference order:")
            for (i, suite) in s.tls12CipherSuites.enumerated() { out.append("    \(i + 1). \(suite)") }
            out.append("  groups: \(s.groups.joined(separator: ", "))")
            out.append("  signature algorithms: \(s.signatureAlgorithms.joined(separator: ", "))")
            let resumption = switch s.resumption {
            case .off: "off"
            case .tickets(shared: true): "stateless tickets under the shared key file"
            case .tickets(shared: false): "stateless tickets under a random key per configuration generation"
            case .cache(let size): "server-side session cache of up to \(size) sessions"
            }
            out.append("  session resumption: \(resumption)")
            for cert in s.certificates {
                out.append("  server certificate \(cert.certPath): \(cert.subject); \(cert.keyDescription); \(cert.signatureAlgorithm); not after \(cert.notAfter); chain of \(cert.chainLength)")
            }
            let reuse = s.verificationCacheSeconds > 0
                ? "a cleanly verified chain reused for \(s.verificationCacheSeconds) s" : "every chain verified in full"
            out.append("  client certificates: \(s.clientAuthRequired ? "required" : "requested, not required"); \(s.clientCAs.count) trusted CA(s); \(s.crlCount) CRL(s); \(reuse)")
            for note in s.notes { out.append("  note: \(note)") }
        }
        return out.joined(separator: "\n")
    }
}
