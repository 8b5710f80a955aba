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
}
