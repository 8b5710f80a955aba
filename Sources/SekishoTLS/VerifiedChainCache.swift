internal import COpenSSL
internal import CSekishoShims
import Synchronization

/// Client certificate chains that passed full verification on one `TLSContext`, so that a
/// client presenting byte-for-byte the same chain again skips building and verifying it.
///
/// Why: after parsing, building and verifying the client chain is the largest part of a full
/// mutual-TLS handshake that the server controls (about 15% of its CPU per handshake in
/// `perf`: an `X509_STORE` look-up per certificate, a signature verification per chain link,
/// purpose and policy checks). A clinic's browser or an integration client opens connection
/// after connection with the same certificate, so the same bytes are verified again and again
/// with the same answer.
///
/// Why the answer is the same: the verdict of a full verification is a function of the
/// presented certificates, the context's trust (CAs, CRLs, depth, purpose: fixed for the life
/// of a `TLSContext`; a reload builds a new context with an empty cache) and the time. So an
/// entry is keyed by the SHA-256 of every presented certificate (leaf first, in order), and
/// it lives no longer than
/// - `maxAgeSeconds` after the verification (`client_auth.verification_cache`),
/// - the earliest notAfter of the verified chain (an expiring certificate is verified, and
///   refused, afresh), and
/// - the earliest nextUpdate of the context's CRLs (a CRL going stale is judged afresh by the
///   stale-CRL policy);
/// and only before the latest notBefore of the chain (a clock set back never reuses it).
///
/// What still runs on every handshake: the CertificateVerify signature (proof that the client
/// holds the key: OpenSSL checks it outside chain verification), the client policy and the
/// deny-list, the resumption re-check, and the forensics capture. Only clean passes are
/// cached: a chain that was refused, or that passed with a warning (a stale CRL within its
/// grace), is verified in full every time, so every refusal and warning is still produced and
/// logged per handshake.
final class VerifiedChainCache: Sendable {
    /// Entries kept at most; when full, the cache starts over (clients come back and refill it).
    static let capacity = 1_024

    /// The SHA-256 of each presented certificate, leaf first, concatenated.
    struct Key: Hashable, Sendable {
        let digests: [UInt8]
    }

    /// A verified chain (leaf first, anchor last) and the span of time it may be reused in.
    struct Entry: Sendable {
        let chain: [X509Certificate]
        let notBefore: Int64
        let reusableUntil: Int64
    }

    let maxAgeSeconds: Int64
    private let entries = Mutex<[Key: Entry]>([:])
    private let hitCount = Atomic<Int>(0)
    private let missCount = Atomic<Int>(0)

    init(maxAgeSeconds: Int64) {
        self.maxAgeSeconds = maxAgeSeconds
    }

    /// The key of a presented chain (`X509_STORE_CTX_get0_untrusted` on the server: the
    /// client's Certificate message, leaf first). Nil when a digest cannot be computed; the
    /// chain is then verified in full and not cached.
    static func key(of presented: OpaquePointer?) -> Key? {
        let certificates = X509Inspector.certificates(presented)
        guard !certificates.isEmpty else { return nil }
        let size = X509Inspector.sha256Length
        var digests = [UInt8](repeating: 0, count: certificates.count * size)
        let ok = digests.withUnsafeMutableBufferPointer { buffer in
            certificates.indices.allSatisfy { X509Inspector.sha256(certificates[$0], into: buffer.baseAddress! + $0 * size) }
        }
        return ok ? Key(digests: digests) : nil
    }

    /// The entry for `key` if it may be reused at `now`.
    func entry(for key: Key, now: Int64) -> Entry? {
        guard let entry = entries.withLock({ $0[key] }), now >= entry.notBefore, now < entry.reusableUntil else { return nil }
        return entry
    }

    /// The verified chain for `key` as a new stack for `X509_STORE_CTX_set0_verified_chain`,
    /// with `leaf` (this handshake's own object, byte-identical to the cached leaf) first, or
    /// nil when there is no entry usable at `now`.
    func verifiedChain(for key: Key, leaf: OpaquePointer, now: Int64) -> OpaquePointer? {
        guard let entry = entry(for: key, now: now) else {
            missCount.add(1, ordering: .relaxed)
            return nil
        }
        guard let stack = sekisho_sk_X509_new_null() else { return nil }
        for (index, cert) in entry.chain.enumerated() {
            let ref = index == 0 ? leaf : cert.ref
            X509_up_ref(ref)
            if sekisho_sk_X509_push(stack, ref) == 0 {
                X509_free(ref)
                sekisho_sk_X509_pop_free(stack)
                return nil
            }
        }
        hitCount.add(1, ordering: .relaxed)
        return stack
    }

    /// Remembers a chain (`X509_STORE_CTX_get0_chain`) that verified cleanly at `now`.
    func insert(_ key: Key, verifiedChain stack: OpaquePointer, now: Int64, crlNextUpdate: Int64?) {
        let chain = X509Inspector.certificates(stack).map { X509Certificate(borrowing: $0) }
        insert(key, chain: chain, now: now, crlNextUpdate: crlNextUpdate)
    }

    /// Remembers `chain` (leaf first) verified at `now`, reusable until the earliest of
    /// `now + maxAgeSeconds`, `crlNextUpdate` (the earliest nextUpdate of the context's CRLs,
    /// if any) and every certificate's notAfter, and not before the latest notBefore.
    func insert(_ key: Key, chain: [X509Certificate], now: Int64, crlNextUpdate: Int64?) {
        guard !chain.isEmpty else { return }
        var notBefore = Int64.min
        var reusableUntil = now + maxAgeSeconds
        if let crlNextUpdate { reusableUntil = min(reusableUntil, crlNextUpdate) }
        for cert in chain {
            notBefore = max(notBefore, X509Inspector.epochSeconds(X509_get0_notBefore(cert.ref)))
            reusableUntil = min(reusableUntil, X509Inspector.epochSeconds(X509_get0_notAfter(cert.ref)))
        }
        guard reusableUntil > now else { return }
        let entry = Entry(chain: chain, notBefore: notBefore, reusableUntil: reusableUntil)
        entries.withLock { entries in
            if entries.count >= Self.capacity, entries[key] == nil { entries.removeAll() }
            entries[key] = entry
        }
    }

    /// Entries held, and look-ups that found a usable entry or not (tests, diagnostics).
    var count: Int { entries.withLock { $0.count } }
    var hits: Int { hitCount.load(ordering: .relaxed) }
    var misses: Int { missCount.load(ordering: .relaxed) }
}
