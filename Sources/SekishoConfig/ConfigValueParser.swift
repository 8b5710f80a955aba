package import SekishoCore

/// Parsers for the scalar formats of the configuration file. Each returns the value or the text
/// of an issue (to be prefixed with the key path by the validator).
package enum ConfigValueParser {
    /// `<int>ms`, `<int>s`, `<int>m`, `<int>h`, `<int>d` (days, for certificate-expiry
    /// thresholds), or a bare integer meaning seconds; above zero.
    ///
    /// Fractions and compound forms (`1.5s`, `1m30s`) are refused rather than guessed at: `90s`
    /// says the same thing without ambiguity.
    static func duration(_ text: String) -> Result<Duration, ValueError> {
        let units: [(suffix: String, milliseconds: Int)] = [
            ("ms", 1), ("s", 1_000), ("m", 60_000), ("h", 3_600_000), ("d", 86_400_000),
        ]
        var digits = Substring(text)
        var scale = 1_000
        // "ms" before "m" and "s": the longest suffix wins.
        for unit in units where text.hasSuffix(unit.suffix) {
            digits = text.dropLast(unit.suffix.count)
            scale = unit.milliseconds
            break
        }
        guard let count = integer(digits) else {
            return .failure(ValueError("'\(text)' is not a duration: write an integer followed by ms, s, m or h (e.g. 10s, 500ms, 5m)"))
        }
        guard count > 0 else { return .failure(ValueError("must be greater than 0")) }
        let (milliseconds, overflow) = count.multipliedReportingOverflow(by: scale)
        guard !overflow else { return .failure(ValueError("'\(text)' is too large")) }
        return .success(.milliseconds(milliseconds))
    }

    /// A byte count: a bare integer, or an integer followed by `KiB` or `MiB` (binary units, as
    /// the buffer sizes are powers of two in practice).
    static func byteCount(_ text: String) -> Result<Int, ValueError> {
        let units: [(suffix: String, factor: Int)] = [("KiB", 1_024), ("MiB", 1_048_576)]
        var digits = Substring(text)
        var factor = 1
        for unit in units where text.hasSuffix(unit.suffix) {
            digits = text.dropLast(unit.suffix.count)
            factor = unit.factor
            break
        }
        guard let count = integer(digits) else {
            return .failure(ValueError("'\(text)' is not a byte count: write an integer, optionally followed by KiB or MiB (e.g. 65536, 64KiB)"))
        }
        let (bytes, overflow) = count.multipliedReportingOverflow(by: factor)
        guard !overflow else { return .failure(ValueError("'\(text)' is too large")) }
        return .success(bytes)
    }

    /// ASCII digits, optionally grouped with `_` as YAML integers may be (`1_000`); no sign.
    private static func integer(_ digits: Substring) -> Int? {
        guard let first = digits.first, let last = digits.last, first.isASCII, first.isNumber, last.isASCII, last.isNumber,
              digits.allSatisfy({ ($0.isASCII && $0.isNumber) || $0 == "_" }), !digits.contains("__")
        else { return nil }
        return Int(digits.filter { $0 != "_" })
    }

    /// Names of listeners and upstreams: 1 to 64 of `A-Z a-z 0-9 . _ -`, so they are safe in log
    /// lines, metric labels and file names without quoting.
    package static func isValidName(_ name: String) -> Bool {
        guard (1...ConfigDefaults.nameMaxLength).contains(name.unicodeScalars.count) else { return false }
        return name.unicodeScalars.allSatisfy { scalar in
            switch scalar {
            case "A"..."Z", "a"..."z", "0"..."9", ".", "_", "-": return true
            default: return false
            }
        }
    }

    static let nameRule = "1 to 64 characters from A-Z a-z 0-9 . _ -"

    /// A spelling-independent form of an address, so that `[::1]:8443` and
    /// `[0:0:0:0:0:0:0:1]:8443` are seen as the same socket address. IPv4 literals are already
    /// unique (inet_pton accepts only the dotted-quad form); IPv6 ones are expanded to eight
    /// hexadecimal groups.
    package static func canonicalKey(_ address: HostPort) -> String {
        switch address.family {
        case .ipv4:
            return "\(address.host):\(address.port)"
        case .ipv6:
            let groups = expandIPv6(address.host) ?? [address.host.lowercased()]
            return "[\(groups.joined(separator: ":"))]:\(address.port)"
        }
    }

    /// Eight lowercase hex groups of a valid IPv6 literal (already checked by `HostPort.parse`).
    private static func expandIPv6(_ host: String) -> [String]? {
        var text = host.lowercased()
        var tail: [String] = []
        // An embedded IPv4 tail (`::ffff:192.0.2.1`) stands for the last two groups.
        if text.contains("."), let colon = text.lastIndex(of: ":") {
            let octets = text[text.index(after: colon)...].split(separator: ".").compactMap { UInt16($0) }
            guard octets.count == 4 else { return nil }
            tail = [String(octets[0] << 8 | octets[1], radix: 16), String(octets[2] << 8 | octets[3], radix: 16)]
            text = String(text[...colon])
            if text.hasSuffix(":") && !text.hasSuffix("::") { text.removeLast() }
        }
        let halves = text.components(separatedBy: "::")
        guard halves.count <= 2 else { return nil }
        let head = halves[0].split(separator: ":").map(String.init)
        let rest = halves.count == 2 ? halves[1].split(separator: ":").map(String.init) : []
        let written = head.count + rest.count + tail.count
        guard written <= 8 else { return nil }
        let zeros = halves.count == 2 ? Array(repeating: "0", count: 8 - written) : []
        let groups = head + zeros + rest + tail
        guard groups.count == 8 else { return nil }
        return groups.map { group in UInt16(group, radix: 16).map { String($0, radix: 16) } ?? group }
    }
}

/// The message of a value that could not be parsed; the validator prefixes the key path.
package struct ValueError: Error, Equatable {
    package let message: String
    package init(_ message: String) { self.message = message }
}
