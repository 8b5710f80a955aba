internal import COpenSSL
internal import CSekishoShims

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An owned `X509 *`.
/// `@unchecked Sendable`: the reference is immutable, and a parsed certificate is not modified
/// any more; encoding it (`i2d_X509`, used by `PeerIdentity` from any thread) reads the
/// encoding cached when it was parsed.
final class X509Certificate: @unchecked Sendable {
    let ref: OpaquePointer

    init(takingOwnership ref: OpaquePointer) { self.ref = ref }

    init(borrowing ref: OpaquePointer) {
        X509_up_ref(ref)
        self.ref = ref
    }

    deinit { X509_free(ref) }
}

/// An owned `EVP_PKEY *`.
final class PrivateKey {
    let ref: OpaquePointer

    init(takingOwnership ref: OpaquePointer) { self.ref = ref }

    deinit { EVP_PKEY_free(ref) }
}

/// An owned `X509_CRL *` and the file it came from.
final class CertificateRevocationList {
    let ref: OpaquePointer
    let path: String

    init(takingOwnership ref: OpaquePointer, path: String) {
        self.ref = ref
        self.path = path
    }

    deinit { X509_CRL_free(ref) }
}

/// A file-level problem, as the text that follows "PATH: " in a configuration problem.
struct FileProblem: Error, ExpressibleByStringInterpolation, CustomStringConvertible {
    let description: String
    init(stringLiteral value: String) { description = value }
}

/// Reading certificates, keys and CRLs from files. Failures come back as the text that follows
/// "PATH: " in a configuration problem.
enum PEMFiles {
    static func readBytes(path: String) -> Result<[UInt8], FileProblem> {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 { return .failure("cannot read: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        // Reserve the whole size up front: growing the array while reading would leave
        // uncleansed copies of key bytes behind in freed memory.
        var info = stat()
        let expected = fstat(fd, &info) == 0 ? max(0, Int(info.st_size)) : 0
        var bytes: [UInt8] = []
        bytes.reserveCapacity(min(expected, 16 * 1_048_576) + 1)
        var chunk = [UInt8](repeating: 0, count: 16_384)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                let message = String(cString: strerror(errno))
                cleanse(&bytes)
                return .failure("cannot read: \(message)")
            }
            if n == 0 { break }
            bytes.append(contentsOf: chunk[0..<n])
            if bytes.count > 16 * 1_048_576 {
                cleanse(&bytes)
                return .failure("cannot read: file larger than 16 MiB")
            }
        }
        cleanse(&chunk)
        return .success(bytes)
    }

    /// Overwrites bytes that may have held key material (`OPENSSL_cleanse` cannot be optimised
    /// away, unlike a plain loop).
    static func cleanse(_ bytes: inout [UInt8]) {
        bytes.withUnsafeMutableBytes { OPENSSL_cleanse($0.baseAddress, $0.count) }
    }

    /// Runs `body` with a read-only memory BIO over `bytes`.
    static func withMemoryBIO<T>(_ bytes: [UInt8], _ body: (OpaquePointer) -> T) -> T {
        bytes.withUnsafeBytes { raw in
            guard let bio = BIO_new_mem_buf(raw.baseAddress, Int32(raw.count)) else {
                fatalError("BIO_new_mem_buf failed: out of memory")
            }
            defer { BIO_free(bio) }
            return body(bio)
        }
    }

    /// Every PEM certificate in the file, in file order.
    static func certificates(path: String) -> Result<[X509Certificate], FileProblem> {
        let bytes: [UInt8]
        switch readBytes(path: path) {
        case .success(let b): bytes = b
        case .failure(let message): return .failure(message)
        }
        OpenSSLErrorQueue.clear()
        let certs: [X509Certificate] = withMemoryBIO(bytes) { bio in
            var result: [X509Certificate] = []
            while let x = PEM_read_bio_X509(bio, nil, nil, nil) {
                result.append(X509Certificate(takingOwnership: x))
            }
            return result
        }
        OpenSSLErrorQueue.clear()  // the loop always ends on PEM_R_NO_START_LINE
        if certs.isEmpty { return .failure("no PEM certificate found") }
        return .success(certs)
    }

    /// An unencrypted PEM private key. The file's bytes are cleansed before returning.
    static func privateKey(path: String) -> Result<PrivateKey, FileProblem> {
        var bytes: [UInt8]
        switch readBytes(path: path) {
        case .success(let b): bytes = b
        case .failure(let message): return .failure(message)
        }
        defer { cleanse(&bytes) }
        OpenSSLErrorQueue.clear()
        // A password callback that always fails keeps OpenSSL from prompting on a terminal
        // when the key is encrypted.
        let key = withMemoryBIO(bytes) { bio in
            PEM_read_bio_PrivateKey(bio, nil, { _, _, _, _ in 0 }, nil)
        }
        guard let key else {
            let reasons = OpenSSLErrorQueue.drainedReasons()
            return .failure("no usable PEM private key (\(reasons)); encrypted keys are not supported")
        }
        OpenSSLErrorQueue.clear()
        return .success(PrivateKey(takingOwnership: key))
    }

    /// All CRLs in a file: PEM (one or more `X509 CRL` blocks) or a single DER CRL, detected
    /// from the content.
    static func crls(path: String) -> Result<[CertificateRevocationList], FileProblem> {
        let bytes: [UInt8]
        switch readBytes(path: path) {
        case .success(let b): bytes = b
        case .failure(let message): return .failure(message)
        }
        OpenSSLErrorQueue.clear()
        let marker = Array("-----BEGIN".utf8)
        let isPEM = bytes.count >= marker.count && (0...(bytes.count - marker.count)).contains { start in
            bytes[start..<(start + marker.count)].elementsEqual(marker)
        }
        var result: [CertificateRevocationList] = []
        if isPEM {
            withMemoryBIO(bytes) { bio in
                while let crl = PEM_read_bio_X509_CRL(bio, nil, nil, nil) {
                    result.append(CertificateRevocationList(takingOwnership: crl, path: path))
                }
            }
            OpenSSLErrorQueue.clear()
            if result.isEmpty { return .failure("no PEM CRL (X509 CRL block) found") }
        } else {
            let crl = withMemoryBIO(bytes) { bio in d2i_X509_CRL_bio(bio, nil) }
            guard let crl else {
                return .failure("not a PEM or DER CRL (\(OpenSSLErrorQueue.drainedReasons()))")
            }
            result.append(CertificateRevocationList(takingOwnership: crl, path: path))
        }
        return .success(result)
    }
}
