internal import CNghttp2

/// Facts about the linked libnghttp2. The HTTP/2 session wrapper arrives with the HTTP/2 issue;
/// this module is already the only one that imports nghttp2.
public enum HTTP2Library {
    /// The runtime library version, e.g. "1.52.0".
    public static var versionString: String {
        guard let info = nghttp2_version(0), let cString = info.pointee.version_str else { return "unknown" }
        return String(cString: cString)
    }
}
