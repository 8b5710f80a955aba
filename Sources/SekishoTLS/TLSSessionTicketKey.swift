internal import COpenSSL

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The 80 bytes OpenSSL uses to protect stateless session tickets: a 16-byte key name, a 32-byte
/// HMAC secret and a 32-byte AES-256 key (the `SSL_CTRL_SET_TLSEXT_TICKET_KEYS` layout).
///
/// Sharing one key between contexts lets a client resume on another instance or after a reload;
/// rotating it (a new key at reload) makes older tickets fall back to a full handshake. The
/// bytes live in one heap buffer that is never copied into Swift arrays and is cleansed with
/// `OPENSSL_cleanse` when the last reference goes away.
public final class TLSSessionTicketKey: @unchecked Sendable {
    // Invariant: `bytes` is written once in init and only read afterwards (by OpenSSL, which
    // copies it into its own secure memory when a context is built), so sharing is safe.
    let bytes: UnsafeMutableRawBufferPointer

    /// The key length OpenSSL expects.
    public static let byteCount = 80

    /// A fresh random key.
    public init() throws(TLSConfigurationError) {
        bytes = .allocate(byteCount: Self.byteCount, alignment: 16)
        guard RAND_bytes(bytes.baseAddress!.assumingMemoryBound(to: UInt8.self), Int32(Self.byteCount)) == 1 else {
            OPENSSL_cleanse(bytes.baseAddress, bytes.count)
            bytes.deallocate()
            throw TLSConfigurationError(problems: ["session ticket key: RAND_bytes failed"])
        }
    }

    /// A key from exactly 80 bytes. The caller should wipe its own copy afterwards.
    public init(bytes source: UnsafeRawBufferPointer) throws(TLSConfigurationError) {
        guard source.count == Self.byteCount else {
            throw TLSConfigurationError(problems: ["session ticket key: expected \(Self.byteCount) bytes, got \(source.count)"])
        }
        bytes = .allocate(byteCount: Self.byteCount, alignment: 16)
        bytes.copyMemory(from: source)
    }

    /// Reads an 80-byte binary key file (for example `head -c 80 /dev/urandom > ticket.key`).
    public convenience init(contentsOfFile path: String) throws(TLSConfigurationError) {
        var raw: [UInt8]
        switch PEMFiles.readBytes(path: path) {
        case .success(let data): raw = data
        case .failure(let message): throw TLSConfigurationError(problems: ["\(path): \(message)"])
        }
        defer { PEMFiles.cleanse(&raw) }
        guard raw.count == Self.byteCount else {
            throw TLSConfigurationError(problems: [
                "\(path): session ticket key must be exactly \(Self.byteCount) bytes, found \(raw.count)",
            ])
        }
        self.init(validated: raw)
    }

    private init(validated raw: [UInt8]) {
        bytes = .allocate(byteCount: Self.byteCount, alignment: 16)
        raw.withUnsafeBytes { bytes.copyMemory(from: $0) }
    }

    deinit {
        OPENSSL_cleanse(bytes.baseAddress, bytes.count)
        bytes.deallocate()
    }
}
