internal import COpenSSL

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// Context-level C callbacks. They never throw across C and never allocate: they recover the
// owning TLSContext from the callback argument through `owner(of:)` and answer from immutable
// state.
extension TLSContext {
    /// The one way a context-level callback gets back to its `TLSContext`. The pointer is
    /// unretained: the context frees its `SSL_CTX` in `deinit`, so no callback can outlive it.
    static func owner(of argument: UnsafeMutableRawPointer?) -> TLSContext {
        guard let argument else { fatalError("SSL_CTX callback without its TLSContext argument") }
        return Unmanaged<TLSContext>.fromOpaque(argument).takeUnretainedValue()
    }

    func installCallbacks() {
        // Records what each client offered (TLSSession+Forensics.swift). It never refuses: the
        // profile is enforced by OpenSSL's own version and suite selection that follows it.
        SSL_CTX_set_client_hello_cb(ctx, { ssl, _, _ in
            TLSSession.clientHelloCallback(ssl: ssl)
        }, nil)
        if verifiedChains != nil {
            SSL_CTX_set_cert_verify_callback(ctx, { store, argument in
                TLSContext.owner(of: argument).verifyClientChain(store)
            }, Unmanaged.passUnretained(self).toOpaque())
        }
        guard alpnWire != nil else { return }
        SSL_CTX_set_alpn_select_cb(ctx, { _, out, outLength, offered, offeredLength, argument in
            TLSContext.owner(of: argument).selectALPN(out: out, outLength: outLength, offered: offered, offeredLength: offeredLength)
        }, Unmanaged.passUnretained(self).toOpaque())
    }

    /// Server-preference ALPN selection (RFC 7301 §3.2): the first of our protocols the client
    /// also offered. No overlap is a fatal `no_application_protocol` alert rather than a silent
    /// fallback, so a client never speaks a protocol the listener did not choose.
    func selectALPN(
        out: UnsafeMutablePointer<UnsafePointer<UInt8>?>?, outLength: UnsafeMutablePointer<UInt8>?,
        offered: UnsafePointer<UInt8>?, offeredLength: UInt32
    ) -> Int32 {
        guard let out, let outLength, let offered, let wire = alpnWire, let base = wire.baseAddress else {
            return SSL_TLSEXT_ERR_NOACK
        }
        let offeredCount = Int(offeredLength)
        var ours = 0
        while ours < wire.count {
            let length = Int(wire[ours])
            var theirs = 0
            while theirs < offeredCount {
                let theirLength = Int(offered[theirs])
                if theirs + 1 + theirLength > offeredCount { break }  // malformed tail: ignore
                if theirLength == length, memcmp(base + ours + 1, offered + theirs + 1, length) == 0 {
                    out.pointee = UnsafePointer(base + ours + 1)
                    outLength.pointee = UInt8(length)
                    return SSL_TLSEXT_ERR_OK
                }
                theirs += 1 + theirLength
            }
            ours += 1 + length
        }
        return SSL_TLSEXT_ERR_ALERT_FATAL
    }

    /// `SSL_CTX_set_cert_verify_callback` of a context with a `VerifiedChainCache`: stands in
    /// for `X509_verify_cert`. A byte-identical chain that verified cleanly here, within the
    /// entry's time span, is answered from the cache; anything else is verified in full (the
    /// per-certificate verify callback runs as always) and cached if it passed cleanly.
    ///
    /// A hit does what a clean full verification leaves behind for the rest of the handshake:
    /// the presented chain captured for forensics, the leaf marked as having passed the
    /// profile's rules, the verified chain (this handshake's leaf, the cached issuers) set on
    /// the store context, from which `SSL_get0_verified_chain` is taken, and error X509_V_OK.
    func verifyClientChain(_ store: OpaquePointer?) -> Int32 {
        guard let store else { return 0 }
        guard let cache = verifiedChains,
              let raw = X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx())
        else { return X509_verify_cert(store) == 1 ? 1 : 0 }
        let session = TLSSession.owner(of: OpaquePointer(raw))
        let now = Int64(wallClockSeconds())
        let key = VerifiedChainCache.key(of: X509_STORE_CTX_get0_untrusted(store))
        if let key, let leaf = X509_STORE_CTX_get0_cert(store),
           let chain = cache.verifiedChain(for: key, leaf: leaf, now: now) {
            session.capturePresentedChain(store)
            CertificateProfile.markChecked(leaf)
            X509_STORE_CTX_set0_verified_chain(store, chain)
            X509_STORE_CTX_set_error(store, X509_V_OK)
            return 1
        }
        let verified = X509_verify_cert(store)
        if verified == 1, let key, session.verifyViolation == nil, session.crlWarning == nil,
           X509_STORE_CTX_get_error(store) == X509_V_OK, let chain = X509_STORE_CTX_get0_chain(store) {
            cache.insert(key, verifiedChain: chain, now: now, crlNextUpdate: clientTrust.earliestCRLNextUpdate)
        }
        return verified == 1 ? 1 : 0
    }
}
