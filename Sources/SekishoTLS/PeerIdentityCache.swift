internal import COpenSSL
import Synchronization

/// Client identities already built by one `TLSContext`, keyed by certificate, so that the
/// connections of one client certificate share a single `PeerIdentity` storage.
///
/// Why: every verified connection keeps its `PeerIdentity` for its whole life, and the
/// strings in it (RFC 4514 subject and issuer, serial, fingerprint, validity dates, name
/// lists) cost about 1 KiB of heap per connection (heaptrack, 1,000 idle mutual-TLS
/// connections). A medical-network client typically holds many connections with the same
/// certificate; with a shared value they cost that once. Strings and arrays are immutable
/// copy-on-write values, so sharing them across connections and threads is safe.
///
/// Only the description of a certificate is cached here, never a verdict: the resumption
/// re-check and the client policy run on every handshake, and chain verification either runs
/// or is answered by `VerifiedChainCache` within that cache's own bounds. A hit requires
/// the same leaf (SHA-256 of its DER), the same chain length and the same presented chain
/// (`X509_cmp`, which compares encodings), so the value is exactly what building it afresh
/// would give. A reload builds a new context and so starts with an empty cache.
final class PeerIdentityCache: Sendable {
    /// Entries kept at most; when full, the cache starts over (clients come back and refill it).
    static let capacity = 1_024

    private let entries = Mutex<[String: PeerIdentity]>([:])

    /// The identity of `leaf` with this `chainLength` and presented chain: the cached one when
    /// it describes the same certificates, otherwise one built (and cached) by `build`.
    func identity(
        fingerprint: String, chainLength: Int, presentedChain: [OpaquePointer],
        build: () -> PeerIdentity
    ) -> PeerIdentity {
        if let cached = entries.withLock({ $0[fingerprint] }), cached.chainLength == chainLength,
           cached.presents(presentedChain) {
            return cached
        }
        let made = build()
        entries.withLock { entries in
            if entries.count >= Self.capacity, entries[fingerprint] == nil { entries.removeAll() }
            entries[fingerprint] = made
        }
        return made
    }

    /// Entries held (tests).
    var count: Int { entries.withLock { $0.count } }
}
