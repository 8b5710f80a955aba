import SekishoHTTP2
import SekishoTLS

/// Versions of the C libraries sekisho runs on, for `sekisho version` and start-up logs.
public enum LibraryVersions {
    public static var openSSL: String { TLSContext.openSSLVersionString }
    public static var nghttp2: String { HTTP2Library.versionString }
}
