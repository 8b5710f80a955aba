import SekishoCore

/// The TLS parameters of one listener after narrowing the profile.
struct TLSSelection {
    let versions: [TLSProtocolVersion]
    let tls13CipherSuites: [CipherSuite]
    let tls12CipherSuites: [CipherSuite]
    let groups: [NamedGroup]
    let sessionTickets: Bool
    let sessionCacheSize: Int
}

extension ConfigValidator {
    /// Reads `listeners[i].tls`. Every list starts from the full profile and may only be narrowed:
    /// each name must be an entry of `CryptrecHighProfile`, anything else is refused with the
    /// reason (PROFILE.md: "sekisho refuses a configuration that widens it").
    mutating func tlsSelection(_ raw: RawTLS?, at path: String) -> TLSSelection? {
        let raw = raw ?? RawTLS()
        let versions = versions(raw.versions, at: "\(path).versions")
        let tls13 = suites(raw.tls13CipherSuites, at: path, key: "tls13_cipher_suites", profile: CryptrecHighProfile.tls13CipherSuites)
        let tls12 = suites(raw.tls12CipherSuites, at: path, key: "tls12_cipher_suites", profile: CryptrecHighProfile.tls12CipherSuites)
        let groups = groups(raw.groups, nistCurvesOnly: raw.nistCurvesOnly ?? ConfigDefaults.nistCurvesOnly, at: "\(path).groups")
        let cacheSize = integer(raw.sessionCacheSize, at: "\(path).session_cache_size",
                                in: ConfigDefaults.sessionCacheSizeRange, default: ConfigDefaults.sessionCacheSize)
        guard let versions, let tls13, let tls12, let groups, let cacheSize else { return nil }

        // A narrowing may not leave an enabled version with nothing to negotiate.
        var usable = true
        for (version, suites, key) in [(TLSProtocolVersion.tls13, tls13, "tls13_cipher_suites"), (.tls12, tls12, "tls12_cipher_suites")]
        where versions.contains(version) && suites.isEmpty {
            report("\(path).\(key)", "empty, but \(version.rawValue) is enabled (list at least one suite, or remove \(version.rawValue) from tls.versions)")
            usable = false
        }
        guard usable else { return nil }
        return TLSSelection(
            versions: versions, tls13CipherSuites: tls13, tls12CipherSuites: tls12, groups: groups,
            sessionTickets: raw.sessionTickets ?? ConfigDefaults.sessionTickets,
            sessionCacheSize: cacheSize
        )
    }

    /// Versions in any order; the result is in profile order (TLS 1.3 preferred).
    private mutating func versions(_ raw: [String]?, at path: String) -> [TLSProtocolVersion]? {
        guard let raw else { return CryptrecHighProfile.versions }
        guard !raw.isEmpty else {
            report(path, "must list at least one version (allowed: \(ProfileNames.versionList))")
            return nil
        }
        var chosen = Set<TLSProtocolVersion>()
        var valid = true
        for (index, name) in raw.enumerated() {
            guard let version = ProfileNames.version(named: name), CryptrecHighProfile.versions.contains(version) else {
                report("\(path)[\(index)]", ProfileNames.whyNotVersion(name))
                valid = false
                continue
            }
            if !chosen.insert(version).inserted {
                report("\(path)[\(index)]", "'\(name)' is listed twice")
                valid = false
            }
        }
        guard valid else { return nil }
        return CryptrecHighProfile.versions.filter(chosen.contains)
    }

    /// Suites in server preference order, as listed; the full profile list when absent. An empty
    /// list is accepted here and judged against the enabled versions by the caller.
    private mutating func suites(_ raw: [String]?, at tlsPath: String, key: String, profile: [CipherSuite]) -> [CipherSuite]? {
        guard let raw else { return profile }
        let path = "\(tlsPath).\(key)"
        var chosen: [CipherSuite] = []
        var valid = true
        for (index, name) in raw.enumerated() {
            guard let suite = ProfileNames.suite(named: name, in: profile) else {
                report("\(path)[\(index)]", ProfileNames.whyNotSuite(name, listKey: key, allowed: profile))
                valid = false
                continue
            }
            if chosen.contains(suite) {
                report("\(path)[\(index)]", "'\(name)' is listed twice")
                valid = false
            } else {
                chosen.append(suite)
            }
        }
        return valid ? chosen : nil
    }

    /// Groups in preference order, as listed; the profile's list when absent. `nist_curves_only`
    /// drops X25519 and X448 from the default list and refuses them when listed explicitly
    /// (a silent drop of something the operator wrote would hide a contradiction).
    private mutating func groups(_ raw: [String]?, nistCurvesOnly: Bool, at path: String) -> [NamedGroup]? {
        guard let raw else {
            return CryptrecHighProfile.groups.filter { !(nistCurvesOnly && ProfileNames.isNonNISTCurve($0)) }
        }
        guard !raw.isEmpty else {
            report(path, "must list at least one group")
            return nil
        }
        var chosen: [NamedGroup] = []
        var valid = true
        for (index, name) in raw.enumerated() {
            let entryPath = "\(path)[\(index)]"
            guard let group = ProfileNames.group(named: name) else {
                report(entryPath, ProfileNames.whyNotGroup(name))
                valid = false
                continue
            }
            if nistCurvesOnly && ProfileNames.isNonNISTCurve(group) {
                report(entryPath, "'\(name)' is not a NIST curve, and nist_curves_only is true")
                valid = false
            } else if chosen.contains(group) {
                report(entryPath, "'\(name)' is listed twice")
                valid = false
            } else {
                chosen.append(group)
            }
        }
        return valid ? chosen : nil
    }
}
