internal import COpenSSL

/// The freshness of one configured CRL, for `sekisho check`, the periodic CRL log line and
/// refusal details.
public struct CRLStatus: Sendable, Equatable {
    public var path: String
    /// RFC 4514 issuer name.
    public var issuer: String
    /// ISO 8601 UTC.
    public var thisUpdate: String
    /// ISO 8601 UTC; nil when the CRL has none (then it never goes stale).
    public var nextUpdate: String?
    /// Seconds since thisUpdate.
    public var ageSeconds: Int64
    /// Seconds since nextUpdate; 0 when nextUpdate is in the future.
    public var secondsPastNextUpdate: Int64
    /// Past nextUpdate.
    public var isStale: Bool
    /// Past nextUpdate plus the grace period: refused under the `reject` policy.
    public var isBeyondGrace: Bool
}

/// The answer of the stale-CRL policy for one CRL at one instant.
enum StaleCRLVerdict: Equatable {
    /// Use it; the text is the warning to log.
    case accept(warning: String)
    /// Refuse the handshake with `crl_stale`; the text is the refusal detail.
    case refuse(detail: String)
}

extension ClientTrust {
    /// Freshness of every configured CRL at `now`.
    func crlStatus(now: CertificateTime) -> [CRLStatus] {
        crls.map { freshness($0, now: now) }
    }

    private func freshness(_ crl: CertificateRevocationList, now: CertificateTime) -> CRLStatus {
        let thisUpdate = X509Inspector.time(X509_CRL_get0_lastUpdate(crl.ref))
        let nextUpdate = X509_CRL_get0_nextUpdate(crl.ref).map { X509Inspector.time($0) }
        let past = nextUpdate.map { max(0, now.epochSeconds - $0.epochSeconds) } ?? 0
        let stale = nextUpdate.map { now.epochSeconds > $0.epochSeconds } ?? false
        return CRLStatus(
            path: crl.path,
            issuer: X509_CRL_get_issuer(crl.ref).map { X509Inspector.rfc4514($0) } ?? "?",
            thisUpdate: thisUpdate.iso8601, nextUpdate: nextUpdate?.iso8601,
            ageSeconds: max(0, now.epochSeconds - thisUpdate.epochSeconds),
            secondsPastNextUpdate: past, isStale: stale,
            isBeyondGrace: stale && past > settings.crlStaleGraceSeconds
        )
    }

    /// The stale-CRL policy applied to a configured CRL found past its nextUpdate.
    func staleCRLVerdict(_ crl: CertificateRevocationList, now: CertificateTime) -> StaleCRLVerdict {
        let status = freshness(crl, now: now)
        let text = Self.describe(status, graceSeconds: settings.crlStaleGraceSeconds, policy: settings.crlStalePolicy)
        if status.isBeyondGrace, settings.crlStalePolicy == .reject { return .refuse(detail: text) }
        return .accept(warning: text)
    }

    /// "CRL /x/client-ca.crl from CN=…: stale, nextUpdate 2026-01-01T00:00:00Z passed 30h 5m ago,
    /// thisUpdate 2025-12-30T00:00:00Z (age 78h 5m); grace 24h, policy reject".
    static func describe(_ s: CRLStatus, graceSeconds: Int64, policy: CRLStalePolicy) -> String {
        "CRL \(s.path) from \(s.issuer): stale, nextUpdate \(s.nextUpdate ?? "none") passed \(hours(s.secondsPastNextUpdate)) ago, "
            + "thisUpdate \(s.thisUpdate) (age \(hours(s.ageSeconds))); grace \(hours(graceSeconds)), policy \(policy.rawValue)"
    }

    /// "30h 5m", "45s", "0s".
    static func hours(_ seconds: Int64) -> String {
        if seconds < 60 { return "\(seconds)s" }
        let h = seconds / 3600, m = (seconds % 3600) / 60
        if h == 0 { return "\(m)m" }
        return m == 0 ? "\(h)h" : "\(h)h \(m)m"
    }

    /// Notes for `sekisho check`: each client CA without a CRL of its own (its certificates can
    /// never be revoked here), and each CRL that is stale already.
    func coverageNotes(now: CertificateTime) -> [String] {
        var notes: [String] = []
        for ca in authorities {
            let name = X509_get_subject_name(ca.ref)
            let covered = crls.contains { X509_NAME_cmp(X509_CRL_get_issuer($0.ref), name) == 0 }
            if !covered {
                notes.append("warning: client CA \(X509Inspector.subject(ca.ref)) has no CRL; certificates it issued cannot be revoked on this listener")
            }
        }
        for status in crlStatus(now: now) where status.isStale {
            notes.append("warning: " + Self.describe(status, graceSeconds: settings.crlStaleGraceSeconds, policy: settings.crlStalePolicy))
        }
        return notes
    }
}

extension TLSContext {
    /// Freshness of the listener's client CRLs now (for the periodic stale-CRL log line).
    public func crlStatus() -> [CRLStatus] {
        clientTrust.crlStatus(now: X509Inspector.now())
    }

    /// The listener's stale-CRL policy and grace period, as configured.
    public var crlStalePolicy: (policy: CRLStalePolicy, graceSeconds: Int64) {
        (configuration.clientAuth.crlStalePolicy, configuration.clientAuth.crlStaleGraceSeconds)
    }
}
