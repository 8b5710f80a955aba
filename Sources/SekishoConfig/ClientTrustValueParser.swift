/// Parsers for the value formats of the client-trust keys. Each returns the value or the text of
/// an issue (the validator prefixes the key path). Pure: no I/O.
package enum ClientTrustValueParser {
    /// A SHA-256 fingerprint: 64 hex digits, colons (as `openssl x509 -fingerprint` prints them)
    /// and case ignored. Returns lowercase hex.
    package static func fingerprint(_ text: String) -> Result<String, ValueError> {
        let hex = text.filter { $0 != ":" }.lowercased()
        guard hex.count == 64, hex.allSatisfy(\.isHexDigit) else {
            return .failure(ValueError("'\(text)' is not a SHA-256 fingerprint (64 hex digits; colons allowed)"))
        }
        return .success(hex)
    }

    /// A certificate serial number in hex (`openssl x509 -serial` prints it so), colons and case
    /// ignored, at most 20 octets (RFC 5280 §4.1.2.2). Returns uppercase without leading zeros,
    /// the form sekisho logs.
    package static func serial(_ text: String) -> Result<String, ValueError> {
        var hex = Substring(text.filter { $0 != ":" }.uppercased())
        if hex.hasPrefix("0X") { hex = hex.dropFirst(2) }
        guard !hex.isEmpty, hex.count <= 40, hex.allSatisfy(\.isHexDigit) else {
            return .failure(ValueError("'\(text)' is not a serial number in hex (e.g. 1A2B3C or 1a:2b:3c, at most 20 octets)"))
        }
        let trimmed = hex.drop { $0 == "0" }
        return .success(trimmed.isEmpty ? "0" : String(trimmed))
    }

    /// A distinguished name written as sekisho logs it (RFC 4514: `CN=Clinic CA,O=Example`).
    /// Returns the normalised form `DistinguishedName.normalize` gives.
    package static func distinguishedName(_ text: String) -> Result<String, ValueError> {
        guard let normalized = DistinguishedName.normalize(text) else {
            return .failure(ValueError("'\(text)' is not a distinguished name: write it as sekisho logs it, e.g. CN=Example Clinic CA,O=Example"))
        }
        return .success(normalized)
    }

    /// A DNS SAN pattern (`HostPattern`).
    package static func hostPattern(_ text: String) -> Result<HostPattern, ValueError> {
        guard !text.isEmpty else { return .failure(ValueError("must not be empty")) }
        var labels: [PatternPart] = []
        for label in text.lowercased().split(separator: ".", omittingEmptySubsequences: false) {
            if label.isEmpty { return .failure(ValueError("'\(text)' has an empty label")) }
            if label == "**" { return .failure(ValueError("'**' is not allowed in a host name ('*' matches one label)")) }
            if label == "*" {
                labels.append(.one)
            } else if label.contains("*") {
                return .failure(ValueError("'*' must be a whole label (found '\(label)' in '\(text)')"))
            } else {
                labels.append(.literal(String(label)))
            }
        }
        return .success(HostPattern(text: text, labels: labels))
    }

    /// A SAN URI pattern (`URIPattern` documents the rules).
    package static func uriPattern(_ text: String) -> Result<URIPattern, ValueError> {
        let example = "write scheme://host/path, e.g. spiffe://example.jp/clinic/*"
        if text.contains("?") || text.contains("#") {
            return .failure(ValueError("'\(text)': '?' and '#' are not allowed (queries and fragments are never matched)"))
        }
        guard let separator = text.range(of: "://") else {
            return .failure(ValueError("'\(text)' is not a URI pattern: \(example)"))
        }
        let scheme = text[..<separator.lowerBound]
        guard let first = scheme.first, first.isLetter,
              scheme.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "+-.".contains($0)) })
        else {
            return .failure(ValueError("'\(text)' has no valid scheme: \(example)"))
        }
        let rest = text[separator.upperBound...]
        let authority = rest.prefix { $0 != "/" }
        let path = rest.dropFirst(authority.count)
        if authority.contains("@") {
            return .failure(ValueError("'\(text)': user information ('@') is not allowed"))
        }
        var hostText = Substring(authority)
        var port: String?
        if let colon = authority.lastIndex(of: ":") {
            let digits = authority[authority.index(after: colon)...]
            guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else {
                return .failure(ValueError("'\(text)' has an invalid port '\(digits)'"))
            }
            port = String(digits)
            hostText = authority[..<colon]
        }
        let host: HostPattern
        switch hostPattern(String(hostText)) {
        case .success(let parsed): host = parsed
        case .failure(let error): return .failure(ValueError("'\(text)': host \(error.message)"))
        }
        var segments: [PatternPart] = []
        var matchesRest = false
        if !path.isEmpty {
            let parts = path.dropFirst().split(separator: "/", omittingEmptySubsequences: false)
            for (index, segment) in parts.enumerated() {
                if segment.isEmpty {
                    return .failure(ValueError("'\(text)' has an empty path segment ('//' or a trailing '/')"))
                }
                if segment == "**" {
                    guard index == parts.count - 1 else {
                        return .failure(ValueError("'\(text)': '**' is only allowed as the last path segment"))
                    }
                    matchesRest = true
                } else if segment == "*" {
                    segments.append(.one)
                } else if segment.contains("*") {
                    return .failure(ValueError("'\(text)': '*' and '**' must be a whole path segment (found '\(segment)')"))
                } else {
                    segments.append(.literal(String(segment)))
                }
            }
        }
        return .success(URIPattern(
            text: text, scheme: scheme.lowercased(), host: host, port: port, segments: segments, matchesRest: matchesRest
        ))
    }

    /// A duration that may be zero (`0`, `0s`): the stale-CRL grace period.
    package static func durationAllowingZero(_ text: String) -> Result<Duration, ValueError> {
        let digits = text.prefix { $0.isASCII && ($0.isNumber || $0 == "_") }
        let unit = text.dropFirst(digits.count)
        if !digits.isEmpty, digits.allSatisfy({ $0 == "0" || $0 == "_" }), ["", "ms", "s", "m", "h", "d"].contains(String(unit)) {
            return .success(.zero)
        }
        return ConfigValueParser.duration(text)
    }
}

/// Distinguished names in the one form sekisho compares: the RFC 4514 text OpenSSL prints
/// (most specific RDN first, `,` between RDNs), with attribute types uppercased and the spaces
/// around `=`, `,` and `+` removed. Values keep their case and their escapes (`\,`).
package enum DistinguishedName {
    /// Nil when `text` is not a sequence of `type=value` pairs.
    package static func normalize(_ text: String) -> String? {
        var current = ""
        var escaped = false
        var parts: [String] = []
        for ch in text {
            if escaped {
                current.append(ch)
                escaped = false
            } else if ch == "\\" {
                current.append(ch)
                escaped = true
            } else if ch == "," || ch == "+" {
                parts.append(current)
                current = ""
                parts.append(String(ch))
            } else {
                current.append(ch)
            }
        }
        parts.append(current)
        var out = ""
        for part in parts {
            if part == "," || part == "+" {
                out += part
                continue
            }
            guard let equals = part.firstIndex(of: "=") else { return nil }
            let type = part[..<equals].trimmingSpaces().uppercased()
            let value = part[part.index(after: equals)...].trimmingSpaces()
            guard !type.isEmpty, !value.isEmpty,
                  type.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "." || $0 == "-") })
            else { return nil }
            out += "\(type)=\(value)"
        }
        return out
    }
}

extension StringProtocol {
    /// Without leading and trailing spaces (Foundation-free, for package code shared with tests).
    fileprivate func trimmingSpaces() -> String {
        let start = firstIndex { $0 != " " } ?? endIndex
        let end = lastIndex { $0 != " " }.map { index(after: $0) } ?? start
        return start < end ? String(self[start..<end]) : ""
    }
}
