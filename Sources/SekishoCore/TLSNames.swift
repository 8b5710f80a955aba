/// Readable names for the TLS code points a client offers in its ClientHello: protocol versions,
/// cipher suites, named groups and signature schemes, as registered by IANA ("TLS Parameters").
///
/// Refusal details, forensics records and the readiness page show what a client offered; an
/// operator on the phone with a clinic needs `TLS_RSA_WITH_3DES_EDE_CBC_SHA`, not `0x000A`. The
/// tables hold the suites that clients really send (including the legacy CBC, RSA key transport,
/// 3DES, RC4, NULL, SEED and Camellia ones, precisely so their refusals are readable), not the
/// whole registry; an unknown value is shown as `0xC0FF`. Pure data: no OpenSSL here, so every
/// module can use it.
public enum TLSNames {
    /// "TLSv1.2" for 0x0303, "SSLv3" for 0x0300, "0x7F1C" otherwise (e.g. a draft version).
    public static func version(_ code: UInt16) -> String {
        switch code {
        case 0x0002: return "SSLv2"
        case 0x0300: return "SSLv3"
        case 0x0301: return "TLSv1.0"
        case 0x0302: return "TLSv1.1"
        case 0x0303: return "TLSv1.2"
        case 0x0304: return "TLSv1.3"
        default: return isGREASE(code) ? "GREASE" : hex(code)
        }
    }

    /// The IANA name of a cipher suite, or `0xC0FF` when it is not in the table.
    public static func cipherSuite(_ code: UInt16) -> String {
        if let name = cipherSuites[code] { return name }
        return isGREASE(code) ? "GREASE" : hex(code)
    }

    /// The IANA name of a supported_groups entry ("x25519", "secp256r1", "ffdhe2048").
    public static func group(_ code: UInt16) -> String {
        if let name = groups[code] { return name }
        return isGREASE(code) ? "GREASE" : hex(code)
    }

    /// The IANA name of a signature scheme ("ecdsa_secp256r1_sha256", "rsa_pkcs1_sha1").
    public static func signatureScheme(_ code: UInt16) -> String {
        if let name = signatureSchemes[code] { return name }
        return isGREASE(code) ? "GREASE" : hex(code)
    }

    /// GREASE values (RFC 8701): 0x0A0A, 0x1A1A, … 0xFAFA. Clients send them to keep servers
    /// tolerant of unknown values; they mean nothing and are left out of summaries.
    public static func isGREASE(_ code: UInt16) -> Bool {
        (code & 0x0F0F) == 0x0A0A && (code >> 8) == (code & 0xFF)
    }

    /// Signalling values in the cipher suite list that are not suites (RFC 5746 §3.3, RFC 7507).
    public static func isSignallingSuite(_ code: UInt16) -> Bool {
        code == 0x00FF || code == 0x5600
    }

    /// "0x00FF" style: four uppercase hex digits.
    public static func hex(_ code: UInt16) -> String {
        let digits = String(code, radix: 16, uppercase: true)
        return "0x" + String(repeating: "0", count: 4 - digits.count) + digits
    }

    // MARK: - Tables

    /// Cipher suites by code point (IANA "TLS Cipher Suites"; RFC 5246, 5288, 5289, 6655, 7905,
    /// 8446 and the older registrations).
    public static let cipherSuites: [UInt16: String] = [
        0x0000: "TLS_NULL_WITH_NULL_NULL",
        0x0001: "TLS_RSA_WITH_NULL_MD5",
        0x0002: "TLS_RSA_WITH_NULL_SHA",
        0x0004: "TLS_RSA_WITH_RC4_128_MD5",
        0x0005: "TLS_RSA_WITH_RC4_128_SHA",
        0x0009: "TLS_RSA_WITH_DES_CBC_SHA",
        0x000A: "TLS_RSA_WITH_3DES_EDE_CBC_SHA",
        0x0013: "TLS_DHE_DSS_WITH_3DES_EDE_CBC_SHA",
        0x0016: "TLS_DHE_RSA_WITH_3DES_EDE_CBC_SHA",
        0x0018: "TLS_DH_anon_WITH_RC4_128_MD5",
        0x001B: "TLS_DH_anon_WITH_3DES_EDE_CBC_SHA",
        0x002F: "TLS_RSA_WITH_AES_128_CBC_SHA",
        0x0032: "TLS_DHE_DSS_WITH_AES_128_CBC_SHA",
        0x0033: "TLS_DHE_RSA_WITH_AES_128_CBC_SHA",
        0x0034: "TLS_DH_anon_WITH_AES_128_CBC_SHA",
        0x0035: "TLS_RSA_WITH_AES_256_CBC_SHA",
        0x0038: "TLS_DHE_DSS_WITH_AES_256_CBC_SHA",
        0x0039: "TLS_DHE_RSA_WITH_AES_256_CBC_SHA",
        0x003A: "TLS_DH_anon_WITH_AES_256_CBC_SHA",
        0x003B: "TLS_RSA_WITH_NULL_SHA256",
        0x003C: "TLS_RSA_WITH_AES_128_CBC_SHA256",
        0x003D: "TLS_RSA_WITH_AES_256_CBC_SHA256",
        0x0040: "TLS_DHE_DSS_WITH_AES_128_CBC_SHA256",
        0x0041: "TLS_RSA_WITH_CAMELLIA_128_CBC_SHA",
        0x0044: "TLS_DHE_DSS_WITH_CAMELLIA_128_CBC_SHA",
        0x0045: "TLS_DHE_RSA_WITH_CAMELLIA_128_CBC_SHA",
        0x0067: "TLS_DHE_RSA_WITH_AES_128_CBC_SHA256",
        0x006A: "TLS_DHE_DSS_WITH_AES_256_CBC_SHA256",
        0x006B: "TLS_DHE_RSA_WITH_AES_256_CBC_SHA256",
        0x006C: "TLS_DH_anon_WITH_AES_128_CBC_SHA256",
        0x006D: "TLS_DH_anon_WITH_AES_256_CBC_SHA256",
        0x0084: "TLS_RSA_WITH_CAMELLIA_256_CBC_SHA",
        0x0087: "TLS_DHE_DSS_WITH_CAMELLIA_256_CBC_SHA",
        0x0088: "TLS_DHE_RSA_WITH_CAMELLIA_256_CBC_SHA",
        0x008A: "TLS_PSK_WITH_RC4_128_SHA",
        0x008B: "TLS_PSK_WITH_3DES_EDE_CBC_SHA",
        0x008C: "TLS_PSK_WITH_AES_128_CBC_SHA",
        0x008D: "TLS_PSK_WITH_AES_256_CBC_SHA",
        0x0096: "TLS_RSA_WITH_SEED_CBC_SHA",
        0x0099: "TLS_DHE_DSS_WITH_SEED_CBC_SHA",
        0x009A: "TLS_DHE_RSA_WITH_SEED_CBC_SHA",
        0x009C: "TLS_RSA_WITH_AES_128_GCM_SHA256",
        0x009D: "TLS_RSA_WITH_AES_256_GCM_SHA384",
        0x009E: "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256",
        0x009F: "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384",
        0x00A2: "TLS_DHE_DSS_WITH_AES_128_GCM_SHA256",
        0x00A3: "TLS_DHE_DSS_WITH_AES_256_GCM_SHA384",
        0x00A6: "TLS_DH_anon_WITH_AES_128_GCM_SHA256",
        0x00A7: "TLS_DH_anon_WITH_AES_256_GCM_SHA384",
        0x00A8: "TLS_PSK_WITH_AES_128_GCM_SHA256",
        0x00A9: "TLS_PSK_WITH_AES_256_GCM_SHA384",
        0x00AA: "TLS_DHE_PSK_WITH_AES_128_GCM_SHA256",
        0x00AB: "TLS_DHE_PSK_WITH_AES_256_GCM_SHA384",
        0x00AC: "TLS_RSA_PSK_WITH_AES_128_GCM_SHA256",
        0x00AD: "TLS_RSA_PSK_WITH_AES_256_GCM_SHA384",
        0x00AE: "TLS_PSK_WITH_AES_128_CBC_SHA256",
        0x00AF: "TLS_PSK_WITH_AES_256_CBC_SHA384",
        0x00BA: "TLS_RSA_WITH_CAMELLIA_128_CBC_SHA256",
        0x00BD: "TLS_DHE_DSS_WITH_CAMELLIA_128_CBC_SHA256",
        0x00BE: "TLS_DHE_RSA_WITH_CAMELLIA_128_CBC_SHA256",
        0x00C0: "TLS_RSA_WITH_CAMELLIA_256_CBC_SHA256",
        0x00C3: "TLS_DHE_DSS_WITH_CAMELLIA_256_CBC_SHA256",
        0x00C4: "TLS_DHE_RSA_WITH_CAMELLIA_256_CBC_SHA256",
        0x00FF: "TLS_EMPTY_RENEGOTIATION_INFO_SCSV",
        0x1301: "TLS_AES_128_GCM_SHA256",
        0x1302: "TLS_AES_256_GCM_SHA384",
        0x1303: "TLS_CHACHA20_POLY1305_SHA256",
        0x1304: "TLS_AES_128_CCM_SHA256",
        0x1305: "TLS_AES_128_CCM_8_SHA256",
        0x5600: "TLS_FALLBACK_SCSV",
        0xC006: "TLS_ECDHE_ECDSA_WITH_NULL_SHA",
        0xC007: "TLS_ECDHE_ECDSA_WITH_RC4_128_SHA",
        0xC008: "TLS_ECDHE_ECDSA_WITH_3DES_EDE_CBC_SHA",
        0xC009: "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA",
        0xC00A: "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA",
        0xC010: "TLS_ECDHE_RSA_WITH_NULL_SHA",
        0xC011: "TLS_ECDHE_RSA_WITH_RC4_128_SHA",
        0xC012: "TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA",
        0xC013: "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA",
        0xC014: "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA",
        0xC015: "TLS_ECDH_anon_WITH_NULL_SHA",
        0xC017: "TLS_ECDH_anon_WITH_3DES_EDE_CBC_SHA",
        0xC018: "TLS_ECDH_anon_WITH_AES_128_CBC_SHA",
        0xC019: "TLS_ECDH_anon_WITH_AES_256_CBC_SHA",
        0xC01A: "TLS_SRP_SHA_WITH_3DES_EDE_CBC_SHA",
        0xC01D: "TLS_SRP_SHA_WITH_AES_128_CBC_SHA",
        0xC020: "TLS_SRP_SHA_WITH_AES_256_CBC_SHA",
        0xC023: "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256",
        0xC024: "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384",
        0xC027: "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256",
        0xC028: "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384",
        0xC02B: "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
        0xC02C: "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
        0xC02D: "TLS_ECDH_ECDSA_WITH_AES_128_GCM_SHA256",
        0xC02E: "TLS_ECDH_ECDSA_WITH_AES_256_GCM_SHA384",
        0xC02F: "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
        0xC030: "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
        0xC031: "TLS_ECDH_RSA_WITH_AES_128_GCM_SHA256",
        0xC032: "TLS_ECDH_RSA_WITH_AES_256_GCM_SHA384",
        0xC035: "TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA",
        0xC036: "TLS_ECDHE_PSK_WITH_AES_256_CBC_SHA",
        0xC037: "TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA256",
        0xC038: "TLS_ECDHE_PSK_WITH_AES_256_CBC_SHA384",
        0xC072: "TLS_ECDHE_ECDSA_WITH_CAMELLIA_128_CBC_SHA256",
        0xC073: "TLS_ECDHE_ECDSA_WITH_CAMELLIA_256_CBC_SHA384",
        0xC076: "TLS_ECDHE_RSA_WITH_CAMELLIA_128_CBC_SHA256",
        0xC077: "TLS_ECDHE_RSA_WITH_CAMELLIA_256_CBC_SHA384",
        0xC07C: "TLS_DHE_RSA_WITH_CAMELLIA_128_GCM_SHA256",
        0xC07D: "TLS_DHE_RSA_WITH_CAMELLIA_256_GCM_SHA384",
        0xC086: "TLS_ECDHE_ECDSA_WITH_CAMELLIA_128_GCM_SHA256",
        0xC087: "TLS_ECDHE_ECDSA_WITH_CAMELLIA_256_GCM_SHA384",
        0xC08A: "TLS_ECDHE_RSA_WITH_CAMELLIA_128_GCM_SHA256",
        0xC08B: "TLS_ECDHE_RSA_WITH_CAMELLIA_256_GCM_SHA384",
        0xC09C: "TLS_RSA_WITH_AES_128_CCM",
        0xC09D: "TLS_RSA_WITH_AES_256_CCM",
        0xC09E: "TLS_DHE_RSA_WITH_AES_128_CCM",
        0xC09F: "TLS_DHE_RSA_WITH_AES_256_CCM",
        0xC0A0: "TLS_RSA_WITH_AES_128_CCM_8",
        0xC0A1: "TLS_RSA_WITH_AES_256_CCM_8",
        0xC0A2: "TLS_DHE_RSA_WITH_AES_128_CCM_8",
        0xC0A3: "TLS_DHE_RSA_WITH_AES_256_CCM_8",
        0xC0A4: "TLS_PSK_WITH_AES_128_CCM",
        0xC0A5: "TLS_PSK_WITH_AES_256_CCM",
        0xC0A8: "TLS_PSK_WITH_AES_128_CCM_8",
        0xC0A9: "TLS_PSK_WITH_AES_256_CCM_8",
        0xC0AC: "TLS_ECDHE_ECDSA_WITH_AES_128_CCM",
        0xC0AD: "TLS_ECDHE_ECDSA_WITH_AES_256_CCM",
        0xC0AE: "TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8",
        0xC0AF: "TLS_ECDHE_ECDSA_WITH_AES_256_CCM_8",
        0xCCA8: "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
        0xCCA9: "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
        0xCCAA: "TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
        0xCCAB: "TLS_PSK_WITH_CHACHA20_POLY1305_SHA256",
        0xCCAC: "TLS_ECDHE_PSK_WITH_CHACHA20_POLY1305_SHA256",
        0xCCAD: "TLS_DHE_PSK_WITH_CHACHA20_POLY1305_SHA256",
        0xCCAE: "TLS_RSA_PSK_WITH_CHACHA20_POLY1305_SHA256",
    ]

    /// Named groups (IANA "TLS Supported Groups"; RFC 8422, 7919, 8446, 8734).
    public static let groups: [UInt16: String] = [
        0x0013: "secp192r1",
        0x0015: "secp224r1",
        0x0016: "secp256k1",
        0x0017: "secp256r1",
        0x0018: "secp384r1",
        0x0019: "secp521r1",
        0x001A: "brainpoolP256r1",
        0x001B: "brainpoolP384r1",
        0x001C: "brainpoolP512r1",
        0x001D: "x25519",
        0x001E: "x448",
        0x001F: "brainpoolP256r1tls13",
        0x0020: "brainpoolP384r1tls13",
        0x0021: "brainpoolP512r1tls13",
        0x0100: "ffdhe2048",
        0x0101: "ffdhe3072",
        0x0102: "ffdhe4096",
        0x0103: "ffdhe6144",
        0x0104: "ffdhe8192",
        0x0200: "MLKEM512",
        0x0201: "MLKEM768",
        0x0202: "MLKEM1024",
        0x11EB: "SecP256r1MLKEM768",
        0x11EC: "X25519MLKEM768",
        0x6399: "X25519Kyber768Draft00",
    ]

    /// Signature schemes (RFC 8446 §4.2.3; the TLS 1.2 hash/signature pairs use the same codes).
    public static let signatureSchemes: [UInt16: String] = [
        0x0101: "rsa_md5",
        0x0201: "rsa_pkcs1_sha1",
        0x0202: "dsa_sha1",
        0x0203: "ecdsa_sha1",
        0x0301: "rsa_pkcs1_sha224",
        0x0302: "dsa_sha224",
        0x0303: "ecdsa_sha224",
        0x0401: "rsa_pkcs1_sha256",
        0x0402: "dsa_sha256",
        0x0403: "ecdsa_secp256r1_sha256",
        0x0501: "rsa_pkcs1_sha384",
        0x0502: "dsa_sha384",
        0x0503: "ecdsa_secp384r1_sha384",
        0x0601: "rsa_pkcs1_sha512",
        0x0602: "dsa_sha512",
        0x0603: "ecdsa_secp521r1_sha512",
        0x0804: "rsa_pss_rsae_sha256",
        0x0805: "rsa_pss_rsae_sha384",
        0x0806: "rsa_pss_rsae_sha512",
        0x0807: "ed25519",
        0x0808: "ed448",
        0x0809: "rsa_pss_pss_sha256",
        0x080A: "rsa_pss_pss_sha384",
        0x080B: "rsa_pss_pss_sha512",
        0x081A: "ecdsa_brainpoolP256r1tls13_sha256",
        0x081B: "ecdsa_brainpoolP384r1tls13_sha384",
        0x081C: "ecdsa_brainpoolP512r1tls13_sha512",
    ]
}
