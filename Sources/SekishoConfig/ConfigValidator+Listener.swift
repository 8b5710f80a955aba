import SekishoCore

extension ConfigValidator {
    mutating func listener(
        _ raw: RawListener, index: Int, upstreamNames: [String],
        seenNames: inout [String: Int], seenAddresses: inout [String: Int]
    ) -> ListenerConfig? {
        let path = "listeners[\(index)]"
        let name = uniqueName(raw.name, at: "\(path).name", list: "listeners", index: index, seen: &seenNames)
        let listen = listenAddress(raw.listen, at: "\(path).listen", index: index, seen: &seenAddresses)
        let profile = profile(raw.profile, at: "\(path).profile")
        let certificates = certificates(raw.certificates, at: "\(path).certificates")
        let tls = tlsSelection(raw.tls, at: "\(path).tls")
        let clientAuth = clientAuth(raw.clientAuth, at: "\(path).client_auth")
        // Client trust (ConfigValidator+ClientTrust.swift): a readiness listener has no upstream.
        let mode = listenerMode(raw, at: path)
        let ticketKeyPath = ticketKeyFile(raw.tls?.sessionTicketKeyFile, at: "\(path).tls.session_ticket_key_file")
        let upstreamName = mode == .readiness ? "" : upstreamReference(raw.upstream, at: "\(path).upstream", known: upstreamNames)
        let handshakeTimeout = duration(
            raw.timeouts?.handshake, at: "\(path).timeouts.handshake", default: ConfigDefaults.handshakeTimeout
        )
        let idleTimeout = duration(raw.timeouts?.idle, at: "\(path).timeouts.idle", default: ConfigDefaults.idleTimeout)
        let maxConnections = integer(
            raw.limits?.maxConnections, at: "\(path).limits.max_connections",
            in: ConfigDefaults.maxConnectionsRange, default: ConfigDefaults.maxConnections
        )
        let bufferBytes = bufferBytes(raw.limits?.bufferBytes, at: "\(path).limits.buffer_bytes")
        let routes = routes(raw.routes, at: "\(path).routes", known: upstreamNames)
        let http = httpSettings(raw.http, at: "\(path).http")
        guard let name, let listen, let profile, let certificates, let tls, let clientAuth, let upstreamName,
              let handshakeTimeout, let idleTimeout, let maxConnections, let bufferBytes, let routes, let http,
              let mode, let ticketKeyPath
        else { return nil }
        return ListenerConfig(
            name: name, listen: listen, profile: profile, certificates: certificates,
            versions: tls.versions, tls13CipherSuites: tls.tls13CipherSuites, tls12CipherSuites: tls.tls12CipherSuites,
            groups: tls.groups, sessionTickets: tls.sessionTickets, clientAuth: clientAuth, upstreamName: upstreamName,
            handshakeTimeout: handshakeTimeout, idleTimeout: idleTimeout,
            maxConnections: maxConnections, bufferBytes: bufferBytes, http: http, routes: routes,
            mode: mode, sessionTicketKeyPath: ticketKeyPath, sessionCacheSize: tls.sessionCacheSize
        )
    }

    /// Two listeners may not bind the same address. Port 0 is exempt: each such listener gets its
    /// own port from the kernel, which is what tests do.
    private mutating func listenAddress(_ raw: String?, at path: String, index: Int, seen: inout [String: Int]) -> HostPort? {
        guard let text = require(raw, at: path) else { return nil }
        let address: HostPort
        switch HostPort.parse(text) {
        case .success(let parsed): address = parsed
        case .failure(let error):
            report(path, "invalid address '\(text)': \(error.message)")
            return nil
        }
        guard address.port != 0 else { return address }
        let key = ConfigValueParser.canonicalKey(address)
        if let first = seen[key] {
            report(path, "\(address) is already used by listeners[\(first)]")
            return nil
        }
        seen[key] = index
        return address
    }

    private mutating func profile(_ raw: String?, at path: String) -> String? {
        guard let raw else { return ConfigDefaults.profile }
        guard raw == CryptrecHighProfile.name else {
            report(path, "'\(raw)' is not a known profile (accepted: \(CryptrecHighProfile.name))")
            return nil
        }
        return raw
    }

    private mutating func certificates(_ raw: [RawCertificate]?, at path: String) -> [CertificateKeyPaths]? {
        guard let raw = require(raw, at: path) else { return nil }
        let allowed = ConfigDefaults.certificatesPerListener
        guard allowed.contains(raw.count) else {
            report(path, raw.isEmpty
                ? "at least one certificate is required"
                : "at most \(allowed.upperBound) certificates are allowed (found \(raw.count))")
            return nil
        }
        var built: [CertificateKeyPaths] = []
        for (index, entry) in raw.enumerated() {
            let entryPath = "\(path)[\(index)]"
            let cert = require(entry.cert, at: "\(entryPath).cert").flatMap { existingFile($0, at: "\(entryPath).cert") }
            let key = require(entry.key, at: "\(entryPath).key").flatMap { existingFile($0, at: "\(entryPath).key") }
            let ca: String?? = entry.ca.map { existingFile($0, at: "\(entryPath).ca") }
            // `ca` is optional: absent is fine (.none), present but unusable is not (.some(nil)).
            guard let cert, let key, ca != .some(nil) else { continue }
            built.append(CertificateKeyPaths(certPath: cert, keyPath: key, caPath: ca ?? nil))
        }
        return built.count == raw.count ? built : nil
    }

    private mutating func clientAuth(_ raw: RawClientAuth?, at path: String) -> ClientAuthConfig? {
        guard let raw = require(raw, at: path) else { return nil }
        let ca = require(raw.ca, at: "\(path).ca").flatMap { existingFile($0, at: "\(path).ca") }
        let crlNames = raw.crl?.values ?? []
        var crlPaths: [String] = []
        for (index, name) in crlNames.enumerated() {
            // A single string has no index to show; a list entry does.
            let entryPath = crlNames.count == 1 ? "\(path).crl" : "\(path).crl[\(index)]"
            if let absolute = existingFile(name, at: entryPath) { crlPaths.append(absolute) }
        }
        let verifyDepth = integer(
            raw.verifyDepth, at: "\(path).verify_depth",
            in: ConfigDefaults.verifyDepthRange, default: ConfigDefaults.verifyDepth
        )
        let policy = clientPolicy(raw.policy, at: "\(path).policy")
        let deny = denyList(raw.deny, at: "\(path).deny")
        let crlStale = crlStale(raw.crlStale, at: "\(path).crl_stale")
        let cache = verificationCache(raw.verificationCache, at: "\(path).verification_cache")
        guard let ca, let verifyDepth, crlPaths.count == crlNames.count, let policy, let deny, let crlStale, let cache else { return nil }
        return ClientAuthConfig(
            required: raw.required ?? ConfigDefaults.clientCertificateRequired,
            caPath: ca, crlPaths: crlPaths, verifyDepth: verifyDepth,
            policy: policy, deny: deny, crlStale: crlStale, verificationCache: cache
        )
    }

    private mutating func upstreamReference(_ raw: String?, at path: String, known: [String]) -> String? {
        guard let name = require(raw, at: path) else { return nil }
        guard known.contains(name) else {
            let list = known.isEmpty ? "no upstreams are defined" : "known: \(known.joined(separator: ", "))"
            report(path, "no upstream named '\(name)' (\(list))")
            return nil
        }
        return name
    }

    private mutating func bufferBytes(_ raw: String?, at path: String) -> Int? {
        guard let raw else { return ConfigDefaults.bufferBytes }
        let range = ConfigDefaults.bufferBytesRange
        switch ConfigValueParser.byteCount(raw) {
        case .failure(let error):
            report(path, error.message)
            return nil
        case .success(let bytes) where !range.contains(bytes):
            report(path, "must be from \(range.lowerBound) to \(range.upperBound) bytes (4KiB to 16MiB; found \(bytes))")
            return nil
        case .success(let bytes):
            return bytes
        }
    }
}
