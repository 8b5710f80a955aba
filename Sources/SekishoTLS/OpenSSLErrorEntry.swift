internal import COpenSSL

/// One entry of OpenSSL's thread-local error queue, kept losslessly (code, names, file:line) so
/// it can be matched on and formatted late.
public struct OpenSSLErrorEntry: Sendable, Equatable, CustomStringConvertible {
    /// The packed error code (`ERR_PACK(lib, 0, reason)`).
    public var code: UInt
    /// Library name, e.g. "SSL routines".
    public var library: String
    /// Reason text, e.g. "no shared cipher".
    public var reason: String
    public var file: String
    public var line: Int

    public init(code: UInt, library: String, reason: String, file: String, line: Int) {
        self.code = code
        self.library = library
        self.reason = reason
        self.file = file
        self.line = line
    }

    /// `ERR_GET_LIB` of `code` (e.g. `ERR_LIB_SSL` = 20).
    public var libraryCode: Int32 { ERR_GET_LIB(CUnsignedLong(code)) }
    /// `ERR_GET_REASON` of `code` (e.g. `SSL_R_NO_SHARED_CIPHER` = 193).
    public var reasonCode: Int32 { ERR_GET_REASON(CUnsignedLong(code)) }

    /// The same shape as `openssl`'s own error lines.
    public var description: String {
        let hex = String(code, radix: 16, uppercase: true)
        let padded = String(repeating: "0", count: max(0, 8 - hex.count)) + hex
        return "error:\(padded):\(library)::\(reason) (\(file):\(line))"
    }
}

/// Access to the calling thread's OpenSSL error queue. Every operation that can fail clears it
/// first, so what is drained afterwards belongs to that operation only.
enum OpenSSLErrorQueue {
    static func clear() { ERR_clear_error() }

    static func drain() -> [OpenSSLErrorEntry] {
        var entries: [OpenSSLErrorEntry] = []
        while true {
            var file: UnsafePointer<CChar>?
            var line: Int32 = 0
            let code = ERR_get_error_all(&file, &line, nil, nil, nil)
            if code == 0 { break }
            let library = ERR_lib_error_string(code).map { String(cString: $0) } ?? "lib(\(ERR_GET_LIB(code)))"
            let reason = ERR_reason_error_string(code).map { String(cString: $0) } ?? "reason(\(ERR_GET_REASON(code)))"
            entries.append(OpenSSLErrorEntry(
                code: UInt(code),
                library: library,
                reason: reason,
                file: file.map { String(cString: $0) } ?? "?",
                line: Int(line)
            ))
        }
        return entries
    }

    /// The reasons of the queue's entries, for appending to a configuration problem.
    static func drainedReasons() -> String {
        let entries = drain()
        if entries.isEmpty { return "no OpenSSL error recorded" }
        return entries.map(\.reason).joined(separator: "; ")
    }
}
