import Foundation
import SekishoCore

/// Every default and every accepted range of the configuration file, in one place.
///
/// The validator reads its defaults only from here, and docs/CONFIGURATION.md and
/// config/sekisho.example.yaml repeat these values; change all three together.
public enum ConfigDefaults {
    // MARK: Defaults

    /// `loops`: one event loop per active processor, capped at `loopRange.upperBound`.
    public static var loopCount: Int {
        min(max(ProcessInfo.processInfo.activeProcessorCount, loopRange.lowerBound), loopRange.upperBound)
    }

    public static let logLevel: LogLevel = .info
    public static let logFormat: LogFormat = .text
    public static let profile = CryptrecHighProfile.name
    public static let nistCurvesOnly = false
    public static let sessionTickets = true
    /// `tls.session_cache_size`: sessions kept server-side per listener generation.
    public static let sessionCacheSize = 4_096
    public static let sessionCacheSizeRange = 0...1_000_000
    /// `client_auth.required`: mutual TLS is the point of sekisho, so it is on unless switched off.
    public static let clientCertificateRequired = true
    public static let verifyDepth = 4
    public static let handshakeTimeout: Duration = .seconds(10)
    public static let idleTimeout: Duration = .seconds(300)
    public static let maxConnections = 10_000
    public static let bufferBytes = 65_536
    public static let upstreamProtocol: UpstreamProtocol = .tcp
    public static let connectTimeout: Duration = .seconds(5)

    // MARK: Accepted ranges

    public static let loopRange = 1...256
    public static let certificatesPerListener = 1...4
    public static let verifyDepthRange = 1...10
    public static let maxConnectionsRange = 1...1_000_000
    /// Per direction per connection; the lower bound keeps a full TLS record header plus some
    /// payload in one read, the upper bound keeps the per-connection memory budget sane.
    public static let bufferBytesRange = 4_096...16_777_216
    public static let nameMaxLength = 64
}
