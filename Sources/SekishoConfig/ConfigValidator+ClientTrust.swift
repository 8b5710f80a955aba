import Foundation

// Validation of the client-trust keys (RawClientTrust.swift → ClientTrustSettings.swift):
// `client_auth.policy`, `client_auth.deny`, `client_auth.crl_stale`, `tls.session_ticket_key_file`,
// `mode` and the top-level `forensics` block. Exact messages are part of the contract and are
// pinned by ClientTrustConfigTests.
extension ConfigValidator {
    // MARK: client_auth.policy

    /// Absent: every verified client (`ClientPolicyConfig.allowAllVerified`). Present: it must
    /// state something; see `ClientPolicyConfig` for the fail-closed semantics.
    mutating func clientPolicy(_ raw: RawClientPolicy?, at path: String) -> ClientPolicyConfig? {
        guard let raw else { return .allowAllVerified }
        var valid = true
        func keep<T>(_ value: T??) -> T? {
            switch value {
            case .none: return nil
            case .some(.none):
                valid = false
                return nil
            case .some(.some(let v)): return v
            }
        }
        let subject = raw.subject
        if let subject, subject.o == nil, subject.ou == nil, subject.cn == nil, !hasEarlierIssue(around: "\(path).subject") {
            report("\(path).subject", "empty: list at least one of o, ou, cn (or remove subject)")
            valid = false
        }
        let san = raw.san
        if let san, san.dns == nil, san.email == nil, san.uri == nil, !hasEarlierIssue(around: "\(path).san") {
            report("\(path).san", "empty: list at least one of dns, email, uri (or remove san)")
            valid = false
        }
        let o = keep(subject?.o.map { exactValues($0, at: "\(path).subject.o") })
        let ou = keep(subject?.ou.map { exactValues($0, at: "\(path).subject.ou") })
        let cn = keep(subject?.cn.map { exactValues($0, at: "\(path).subject.cn") })
        let dns = keep(san?.dns.map { parsedList($0, at: "\(path).san.dns", ClientTrustValueParser.hostPattern) })
        let email = keep(san?.email.map { exactValues($0, at: "\(path).san.email").map { $0.map { $0.lowercased() } } })
        let uri = keep(san?.uri.map { parsedList($0, at: "\(path).san.uri", ClientTrustValueParser.uriPattern) })
        let issuer = keep(raw.issuer.map { parsedList($0, at: "\(path).issuer", ClientTrustValueParser.distinguishedName) })
        let pins = keep(raw.fingerprintsSHA256.map { parsedList($0, at: "\(path).fingerprints_sha256", ClientTrustValueParser.fingerprint) })

        let hasRules = [subject?.o, subject?.ou, subject?.cn, san?.dns, san?.email, san?.uri, raw.issuer, raw.fingerprintsSHA256]
            .contains { $0 != nil }
        if raw.allowAll == true {
            if hasRules {
                report("\(path).allow_all", "allow_all: true cannot be combined with other rules (remove allow_all, or the rules)")
                return nil
            }
            return .allowAllVerified
        }
        if !hasRules {
            if !hasEarlierIssue(around: path), raw.subject == nil, raw.san == nil {
                report(path, "empty policy: it would refuse every client. List who may connect (subject, san, issuer, fingerprints_sha256), or write 'allow_all: true' to admit every client whose certificate verifies")
            }
            return nil
        }
        guard valid else { return nil }
        return ClientPolicyConfig(
            allowAll: false, organizations: o, organizationalUnits: ou, commonNames: cn, dnsNames: dns,
            emails: email, uris: uri, issuers: issuer, fingerprintsSHA256: pins
        )
    }

    /// A list of exact values: not empty, no empty entries.
    private mutating func exactValues(_ values: [String], at path: String) -> [String]? {
        guard !values.isEmpty else {
            report(path, "an empty list would refuse every client; list at least one value or remove the key")
            return nil
        }
        var ok = true
        for (index, value) in values.enumerated() where value.isEmpty {
            report("\(path)[\(index)]", "must not be empty")
            ok = false
        }
        return ok ? values : nil
    }

    /// A non-empty list whose every entry `parse` accepts; each failure is reported at its index.
    private mutating func parsedList<T>(_ values: [String], at path: String, _ parse: (String) -> Result<T, ValueError>) -> [T]? {
        guard !values.isEmpty else {
            report(path, "an empty list would refuse every client; list at least one value or remove the key")
            return nil
        }
        var parsed: [T] = []
        for (index, value) in values.enumerated() {
            switch parse(value) {
            case .success(let v): parsed.append(v)
            case .failure(let error): report("\(path)[\(index)]", error.message)
            }
        }
        return parsed.count == values.count ? parsed : nil
    }

    // MARK: client_auth.deny and client_auth.crl_stale

    mutating func denyList(_ raw: RawDenyList?, at path: String) -> DenyListConfig? {
        guard let raw else { return .empty }
        var serials: [String] = []
        var pins: [String] = []
        var ok = true
        for (index, value) in (raw.serials ?? []).enumerated() {
            switch ClientTrustValueParser.serial(value) {
            case .success(let serial): serials.append(serial)
            case .failure(let error):
                report("\(path).serials[\(index)]", error.message)
                ok = false
            }
        }
        for (index, value) in (raw.fingerprintsSHA256 ?? []).enumerated() {
            switch ClientTrustValueParser.fingerprint(value) {
            case .success(let pin): pins.append(pin)
            case .failure(let error):
                report("\(path).fingerprints_sha256[\(index)]", error.message)
                ok = false
            }
        }
        return ok ? DenyListConfig(serials: serials, fingerprintsSHA256: pins) : nil
    }

    mutating func crlStale(_ raw: RawCRLStale?, at path: String) -> CRLStaleConfig? {
        let policy = choice(raw?.policy, at: "\(path).policy", kind: "stale-CRL policy", default: ConfigDefaults.crlStalePolicy)
        var grace: Duration? = ConfigDefaults.crlStaleGrace
        if let text = raw?.grace {
            switch ClientTrustValueParser.durationAllowingZero(text) {
            case .success(let value): grace = value
            case .failure(let error):
                report("\(path).grace", error.message)
                grace = nil
            }
        }
        guard let policy, let grace else { return nil }
        return CRLStaleConfig(policy: policy, grace: grace)
    }

    /// `client_auth.verification_cache`: a duration from 0 (off) to one hour.
    mutating func verificationCache(_ raw: String?, at path: String) -> Duration? {
        guard let raw else { return ConfigDefaults.verificationCache }
        switch ClientTrustValueParser.durationAllowingZero(raw) {
        case .success(let value) where value > ConfigDefaults.verificationCacheMax:
            report(path, "'\(raw)' is longer than the maximum of 1h")
            return nil
        case .success(let value) where value.components.attoseconds != 0:
            report(path, "'\(raw)' is not a whole number of seconds")
            return nil
        case .success(let value):
            return value
        case .failure(let error):
            report(path, error.message)
            return nil
        }
    }

    // MARK: Listener mode and ticket key

    /// `mode: readiness` forbids every key that would make the listener forward or refuse.
    mutating func listenerMode(_ raw: RawListener, at path: String) -> ListenerMode? {
        let mode = choice(raw.mode, at: "\(path).mode", kind: "listener mode", default: ConfigDefaults.listenerMode)
        guard mode == .readiness else { return mode }
        let forwards = "a readiness listener forwards nothing; remove this key"
        if raw.upstream != nil { report("\(path).upstream", forwards) }
        if raw.routes != nil { report("\(path).routes", forwards) }
        if raw.http != nil { report("\(path).http", forwards) }
        if raw.tls != nil { report("\(path).tls", "a readiness listener accepts every version and suite on purpose; remove this key") }
        if raw.clientAuth?.policy != nil { report("\(path).client_auth.policy", "a readiness listener refuses nobody; remove this key") }
        if raw.clientAuth?.deny != nil { report("\(path).client_auth.deny", "a readiness listener refuses nobody; remove this key") }
        if raw.clientAuth?.required != nil {
            report("\(path).client_auth.required", "a readiness listener requests a certificate and never requires one; remove this key")
        }
        return mode
    }

    /// `tls.session_ticket_key_file`: an existing file (its 80 bytes are checked when the TLS
    /// context is built). `.some(nil)` after a reported problem.
    mutating func ticketKeyFile(_ raw: String?, at path: String) -> String?? {
        guard let raw else { return .some(nil) }
        guard let absolute = existingFile(raw, at: path) else { return nil }
        return .some(absolute)
    }

    // MARK: forensics

    mutating func forensicsSettings(_ raw: RawForensics?, at path: String) -> ForensicsConfig? {
        guard let raw else { return .defaults }
        let records = raw.path.map { outputFile($0, at: "\(path).path") }
        let inventory = raw.inventoryPath.map { outputFile($0, at: "\(path).inventory_path") }
        let max = integer(raw.inventoryMax, at: "\(path).inventory_max", in: ConfigDefaults.inventoryMaxRange, default: ConfigDefaults.inventoryMax)
        var warnings: [Duration]? = ConfigDefaults.expiryWarnings
        if let list = raw.expiryWarnings {
            var parsed: [Duration] = []
            var seen: [Duration: Int] = [:]
            for (index, text) in list.enumerated() {
                switch ConfigValueParser.duration(text) {
                case .failure(let error): report("\(path).expiry_warnings[\(index)]", error.message)
                case .success(let value):
                    if let first = seen[value] {
                        report("\(path).expiry_warnings[\(index)]", "'\(text)' is the same threshold as expiry_warnings[\(first)]")
                    } else {
                        seen[value] = index
                        parsed.append(value)
                    }
                }
            }
            warnings = parsed.count == list.count ? parsed.sorted(by: >) : nil
        }
        if case .some(.some(let a)) = records, case .some(.some(let b)) = inventory, a == b {
            report("\(path).inventory_path", "must differ from forensics.path (one file cannot hold both)")
            return nil
        }
        guard records != .some(nil), inventory != .some(nil), let max, let warnings else { return nil }
        return ForensicsConfig(path: records ?? nil, inventoryPath: inventory ?? nil, inventoryMax: max, expiryWarnings: warnings)
    }

    /// A file sekisho writes: its folder must exist; the file itself may not exist yet, but must
    /// not be a directory. Returns the absolute path, or nil after reporting.
    mutating func outputFile(_ written: String, at path: String) -> String? {
        guard !written.isEmpty else {
            report(path, "must not be empty")
            return nil
        }
        let absolute = Self.absolutePath(written, relativeTo: directory)
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: absolute, isDirectory: &isDirectory), isDirectory.boolValue {
            report(path, "'\(written)' is a directory, not a file")
            return nil
        }
        let folder = (absolute as NSString).deletingLastPathComponent
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory), isDirectory.boolValue else {
            report(path, "the folder of '\(written)' does not exist")
            return nil
        }
        return absolute
    }
}
