extension ConfigDefaults {
    /// `client_auth.crl_stale.policy`: refuse once a CRL is stale beyond the grace period.
    public static let crlStalePolicy: CRLStaleConfig.Policy = .reject
    /// `client_auth.crl_stale.grace`: one day, the usual slack of a CA's CRL publication.
    public static let crlStaleGrace: Duration = .seconds(86_400)
    /// `client_auth.verification_cache`: how long a client chain that verified cleanly is
    /// reused for the same bytes (five minutes by default, an hour at most). Expiry, CRL
    /// updates and reloads bound it further (`VerifiedChainCache` in SekishoTLS).
    public static let verificationCache: Duration = .seconds(300)
    public static let verificationCacheMax: Duration = .seconds(3_600)
    /// `forensics.inventory_max`.
    public static let inventoryMax = 10_000
    public static let inventoryMaxRange = 1...1_000_000
    /// `forensics.expiry_warnings`: 30 and 7 days before a client certificate's notAfter.
    public static let expiryWarnings: [Duration] = [.seconds(30 * 86_400), .seconds(7 * 86_400)]
    /// `listeners[].mode`.
    public static let listenerMode: ListenerMode = .proxy
}
