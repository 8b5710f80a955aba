/// Defaults and ranges of the HTTP proxy keys (`protocol: http1`): listener `http` and `routes`,
/// upstream pool/timeout/health keys, and `access_log`. docs/CONFIGURATION.md and
/// config/sekisho.example.yaml repeat these values; change all three together.
extension ConfigDefaults {
    // MARK: listeners[].http

    public static let maxRequestLineBytes = 8_192
    public static let maxHeaderBytes = 32_768
    public static let maxHeaderCount = 100
    public static let headerTimeout: Duration = .seconds(30)

    public static let maxRequestLineRange = 256...65_536
    public static let maxHeaderBytesRange = 1_024...1_048_576
    public static let maxHeaderCountRange = 1...1_000
    /// RFC 6797 puts no upper bound on max-age; two years is what browsers' preload lists ask
    /// for, and ten years catches a value typed in milliseconds by mistake.
    public static let hstsMaxAgeRange = 1...315_360_000

    /// Default names of the identity headers (RFC 9440 names for the certificate itself).
    public enum IdentityHeaderName {
        public static let clientCert = "Client-Cert"
        public static let clientCertChain = "Client-Cert-Chain"
        public static let subject = "X-Client-Cert-Subject"
        public static let issuer = "X-Client-Cert-Issuer"
        public static let serial = "X-Client-Cert-Serial"
        public static let sha256 = "X-Client-Cert-SHA256"
        public static let notAfter = "X-Client-Cert-Not-After"
    }

    public static let identityStripPrefixes = ["X-Client-Cert-"]

    // MARK: upstreams[] with protocol: http1

    public static let upstreamMaxIdle = 32
    public static let upstreamMaxIdleRange = 0...10_000
    public static let upstreamIdleTimeout: Duration = .seconds(30)
    public static let upstreamResponseTimeout: Duration = .seconds(60)
    public static let upstreamFailTimeout: Duration = .seconds(10)

    // MARK: access_log

    public static let accessLogFormat: LogFormat = .text
    public static let accessLogOutput: AccessLogOutput = .stdout
}
