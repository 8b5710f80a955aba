#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import SekishoIO
import SekishoTLS

/// Short, stable names for the errors the report counts by kind. The JSON report uses them as
/// keys, so scripts can match on them: `connect_refused`, `reset`, `timeout`,
/// `tls_handshake_<reason>` (TLSRefusalReason raw values), `tls_unexpected_eof`, `tls_protocol`,
/// `http_<parse error>`, `status_<code>`, `closed_by_server`, `resumption_declined`.
enum BenchErrorKind {
    static func connect(_ error: any Error) -> String {
        guard let error = error as? SyscallError else { return "connect_failed" }
        switch error.errno {
        case ECONNREFUSED: return "connect_refused"
        case ETIMEDOUT: return "connect_timeout"
        // Out of ephemeral ports (TIME_WAIT pile-up) or descriptors: a client-side limit,
        // named so that it is not mistaken for a server failure.
        case EADDRNOTAVAIL: return "client_out_of_ports"
        case EMFILE, ENFILE: return "client_out_of_descriptors"
        default: return "connect_errno_\(error.errno)"
        }
    }

    static func io(_ error: any Error) -> String {
        guard let error = error as? SyscallError else { return "io_failed" }
        switch error.errno {
        case ECONNRESET: return "reset"
        case EPIPE: return "broken_pipe"
        case ETIMEDOUT: return "io_timeout"
        default: return "io_errno_\(error.errno)"
        }
    }

    static func tls(_ error: TLSError) -> String {
        switch error {
        case .refused(let refusal): return "tls_handshake_" + refusal.reason.rawValue
        case .protocolFailure: return "tls_protocol"
        case .unexpectedEOF: return "tls_unexpected_eof"
        }
    }
}
