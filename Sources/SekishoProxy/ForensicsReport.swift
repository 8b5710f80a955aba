public import Foundation

/// `sekisho report`: reads handshake records (JSON lines, `forensics.path`) and says, over a time
/// window, which clients fail and why — per client identity, per address, and in totals by
/// reason, led by one sentence an operator can read out ("14 clients would be refused: 9 offer
/// only TLS 1.1 or older, 3 present SHA-1-signed certificates, 2 present expired certificates").
///
/// A client is its certificate (SHA-256 of the presented leaf) or, when it presented none, its
/// address without the port. A client "would be refused" when its latest handshake in the window
/// was refused; it is counted once, under that handshake's reason — a clinic that was refused
/// and then fixed its browser is not counted.
public struct ForensicsReport: Codable, Sendable, Equatable {
    public var since: String?
    public var until: String
    public var records: Int
    public var accepted: Int
    public var refused: Int
    /// Lines that were not records (skipped, counted).
    public var unreadableLines: Int
    public var clients: Int
    public var clientsRefused: Int
    public var summary: String
    public var byReason: [ReasonTotal]
    public var identities: [ClientRow]
    public var addresses: [AddressRow]

    enum CodingKeys: String, CodingKey {
        case since, until, records, accepted, refused
        case unreadableLines = "unreadable_lines"
        case clients
        case clientsRefused = "clients_refused"
        case summary
        case byReason = "by_reason"
        case identities, addresses
    }

    public struct ReasonTotal: Codable, Sendable, Equatable {
        public var reason: String
        public var handshakes: Int
        /// Clients whose latest handshake was refused for this reason.
        public var clients: Int
        public var description: String
    }

    public struct ClientRow: Codable, Sendable, Equatable {
        /// The certificate's SHA-256, or "address:<host>" for a client without one.
        public var key: String
        /// CN of the certificate, or "(no certificate) <host>".
        public var name: String
        public var issuer: String?
        public var handshakes: Int
        public var accepted: Int
        public var refused: Int
        public var reasons: [String: Int]
        public var lastReason: String
        public var lastSeen: String
        public var addresses: [String]
        public var hint: String?

        enum CodingKeys: String, CodingKey {
            case key, name, issuer, handshakes, accepted, refused, reasons
            case lastReason = "last_reason"
            case lastSeen = "last_seen"
            case addresses, hint
        }
    }

    public struct AddressRow: Codable, Sendable, Equatable {
        public var address: String
        public var handshakes: Int
        public var accepted: Int
        public var refused: Int
        public var reasons: [String: Int]
        public var clients: Int
    }

    // MARK: - Building

    /// Builds the report of the records in `text` whose time is in [since, until].
    public static func build(jsonLines text: String, since: Date?, until: Date = Date()) -> ForensicsReport {
        var records: [(Date, HandshakeRecord)] = []
        var unreadable = 0
        let decoder = JSONDecoder()
        for line in text.split(whereSeparator: \.isNewline) where !line.allSatisfy(\.isWhitespace) {
            guard let record = try? decoder.decode(HandshakeRecord.self, from: Data(line.utf8)),
                  let time = HandshakeForensics.date(record.time)
            else {
                unreadable += 1
                continue
            }
            if let since, time < since { continue }
            if time > until { continue }
            records.append((time, record))
        }
        records.sort { $0.0 < $1.0 }
        return build(records.map(\.1), since: since, until: until, unreadable: unreadable)
    }

    static func build(_ records: [HandshakeRecord], since: Date?, until: Date, unreadable: Int) -> ForensicsReport {
        var clients: [String: ClientRow] = [:]
        var order: [String] = []
        var latest: [String: HandshakeRecord] = [:]
        var addresses: [String: (row: AddressRow, keys: Set<String>)] = [:]
        var handshakesByReason: [String: Int] = [:]
        for record in records {
            let host = record.clientHost
            let key = record.identity ?? "address:\(host)"
            var row = clients[key] ?? ClientRow(
                key: key, name: record.commonName ?? (record.identity == nil ? "(no certificate) \(host)" : String(key.prefix(16))),
                issuer: record.chain.first?.issuer, handshakes: 0, accepted: 0, refused: 0, reasons: [:],
                lastReason: record.reason, lastSeen: record.time, addresses: [], hint: nil)
            if clients[key] == nil { order.append(key) }
            row.handshakes += 1
            row.lastReason = record.reason
            row.lastSeen = record.time
            row.hint = record.outcome == .refused ? record.hint : nil
            if !row.addresses.contains(host) { row.addresses.append(host) }
            var address = addresses[host] ?? (AddressRow(address: host, handshakes: 0, accepted: 0, refused: 0, reasons: [:], clients: 0), [])
            address.row.handshakes += 1
            address.keys.insert(key)
            if record.outcome == .accepted {
                row.accepted += 1
                address.row.accepted += 1
            } else {
                row.refused += 1
                row.reasons[record.reason, default: 0] += 1
                address.row.refused += 1
                address.row.reasons[record.reason, default: 0] += 1
                handshakesByReason[record.reason, default: 0] += 1
            }
            clients[key] = row
            addresses[host] = address
            latest[key] = record
        }

        // Clients whose latest handshake was refused, by reason and by readable category.
        var clientsByReason: [String: Int] = [:]
        var categories: [String: (count: Int, phrase: Phrase)] = [:]
        for (_, record) in latest where record.outcome == .refused {
            clientsByReason[record.reason, default: 0] += 1
            let phrase = Phrase.of(record)
            categories[phrase.plural, default: (0, phrase)].count += 1
        }
        let refusedClients = clientsByReason.values.reduce(0, +)
        let byReason = handshakesByReason.keys.sorted {
            (handshakesByReason[$0]!, $1) > (handshakesByReason[$1]!, $0)
        }.map { reason in
            ReasonTotal(reason: reason, handshakes: handshakesByReason[reason]!, clients: clientsByReason[reason] ?? 0,
                        description: Phrase.of(reason: reason, onlyLegacy: nil).plural)
        }
        let parts = categories.values.sorted { ($0.count, $1.phrase.plural) > ($1.count, $0.phrase.plural) }
            .map { "\($0.count) \($0.count == 1 ? $0.phrase.singular : $0.phrase.plural)" }
        let summary: String
        if refusedClients == 0 {
            summary = "no client would be refused (\(clients.count) client\(clients.count == 1 ? "" : "s") seen)"
        } else {
            summary = "\(refusedClients) client\(refusedClients == 1 ? "" : "s") would be refused: " + parts.joined(separator: ", ")
        }
        let rows = order.compactMap { clients[$0] }.sorted { ($0.refused, $1.lastSeen) > ($1.refused, $0.lastSeen) }
        let addressRows = addresses.values.map { entry -> AddressRow in
            var row = entry.row
            row.clients = entry.keys.count
            return row
        }.sorted { ($0.refused, $1.address) > ($1.refused, $0.address) }
        return ForensicsReport(
            since: since.map(HandshakeForensics.timestamp), until: HandshakeForensics.timestamp(until),
            records: records.count, accepted: records.filter { $0.outcome == .accepted }.count,
            refused: records.filter { $0.outcome == .refused }.count, unreadableLines: unreadable,
            clients: clients.count, clientsRefused: refusedClients, summary: summary, byReason: byReason,
            identities: rows, addresses: addressRows)
    }

    /// "24h", "7d", "30m", "90s" → seconds; nil when not of that form.
    public static func windowSeconds(_ text: String) -> Int64? {
        let units: [Character: Int64] = ["s": 1, "m": 60, "h": 3_600, "d": 86_400]
        guard let unit = text.last, let scale = units[unit], let count = Int64(text.dropLast()), count > 0 else { return nil }
        let (seconds, overflow) = count.multipliedReportingOverflow(by: scale)
        return overflow ? nil : seconds
    }

    // MARK: - Text

    /// The human table.
    public func text() -> String {
        var out: [String] = []
        out.append("sekisho report: \(since ?? "beginning") .. \(until)")
        out.append("records: \(records) (\(accepted) accepted, \(refused) refused), \(clients) client(s), \(addresses.count) address(es)"
            + (unreadableLines > 0 ? "; \(unreadableLines) unreadable line(s) skipped" : ""))
        out.append("")
        out.append(summary)
        if !byReason.isEmpty {
            out.append("")
            out.append("By reason")
            out += Self.table(
                ["REASON", "HANDSHAKES", "CLIENTS", "MEANING"],
                byReason.map { [$0.reason, "\($0.handshakes)", "\($0.clients)", $0.description] }, rightAligned: [1, 2])
        }
        if !identities.isEmpty {
            out.append("")
            out.append("By client")
            out += Self.table(
                ["CLIENT", "HANDSHAKES", "REFUSED", "LAST", "LAST SEEN", "ADDRESSES"],
                identities.map { row in
                    [row.name, "\(row.handshakes)", "\(row.refused)", row.lastReason, row.lastSeen, row.addresses.joined(separator: " ")]
                }, rightAligned: [1, 2])
        }
        if !addresses.isEmpty {
            out.append("")
            out.append("By address")
            out += Self.table(
                ["ADDRESS", "HANDSHAKES", "ACCEPTED", "REFUSED", "CLIENTS", "REASONS"],
                addresses.map { row in
                    let reasons = row.reasons.sorted { ($0.value, $1.key) > ($1.value, $0.key) }.map { "\($0.key)=\($0.value)" }
                    return [row.address, "\(row.handshakes)", "\(row.accepted)", "\(row.refused)", "\(row.clients)", reasons.joined(separator: " ")]
                }, rightAligned: [1, 2, 3, 4])
        }
        let hints = identities.filter { $0.lastReason != "ok" }.compactMap { row in row.hint.map { "  \(row.name): \($0)" } }
        if !hints.isEmpty {
            out.append("")
            out.append("What to change")
            out += hints
        }
        return out.joined(separator: "\n") + "\n"
    }

    /// Space-padded columns; widths count characters (East Asian wide characters as two).
    static func table(_ header: [String], _ rows: [[String]], rightAligned: Set<Int> = []) -> [String] {
        let all = [header] + rows
        var widths = Array(repeating: 0, count: header.count)
        for row in all { for (i, cell) in row.enumerated() where i < widths.count { widths[i] = max(widths[i], displayWidth(cell)) } }
        return all.map { row in
            var line = "  "
            for (i, cell) in row.enumerated() {
                let pad = String(repeating: " ", count: widths[i] - displayWidth(cell))
                let isLast = i == row.count - 1
                line += rightAligned.contains(i) ? pad + cell : cell + (isLast ? "" : pad)
                if !isLast { line += "  " }
            }
            return line
        }
    }

    static func displayWidth(_ text: String) -> Int {
        text.unicodeScalars.reduce(0) { width, scalar in
            let v = scalar.value
            let wide = (0x1100...0x115F).contains(v) || (0x2E80...0xA4CF).contains(v) || (0xAC00...0xD7A3).contains(v)
                || (0xF900...0xFAFF).contains(v) || (0xFE30...0xFE4F).contains(v) || (0xFF00...0xFF60).contains(v)
                || (0xFFE0...0xFFE6).contains(v)
            return width + (wide ? 2 : 1)
        }
    }

    // MARK: - JSON

    public func jsonData() -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        return (try? encoder.encode(self)) ?? Data("{}".utf8)
    }
}

/// How a refusal reads in the summary sentence ("9 offer only TLS 1.1 or older").
struct Phrase: Equatable {
    let singular: String
    let plural: String

    static func of(_ record: HandshakeRecord) -> Phrase {
        of(reason: record.reason, onlyLegacy: record.offered?.onlyLegacyVersions)
    }

    static func of(reason: String, onlyLegacy: Bool?) -> Phrase {
        if reason.hasPrefix("policy_denied:") { return Phrase(singular: "is not on the allow-list", plural: "are not on the allow-list") }
        if reason.hasPrefix("denylisted:") { return Phrase(singular: "is deny-listed", plural: "are deny-listed") }
        switch reason {
        case "protocol_version":
            if onlyLegacy == false {
                return Phrase(singular: "offers no TLS version the listener accepts", plural: "offer no TLS version the listener accepts")
            }
            return Phrase(singular: "offers only TLS 1.1 or older", plural: "offer only TLS 1.1 or older")
        case "no_shared_cipher": return Phrase(singular: "offers no cryptrec-high cipher suite", plural: "offer no cryptrec-high cipher suite")
        case "no_client_cert": return Phrase(singular: "presents no certificate", plural: "present no certificate")
        case "unknown_ca": return Phrase(singular: "presents a certificate from an untrusted CA", plural: "present certificates from an untrusted CA")
        case "weak_signature_sha1": return Phrase(singular: "presents a SHA-1-signed certificate", plural: "present SHA-1-signed certificates")
        case "weak_signature_md5": return Phrase(singular: "presents an MD5-signed certificate", plural: "present MD5-signed certificates")
        case "weak_key": return Phrase(singular: "presents a certificate with a weak key", plural: "present certificates with weak keys")
        case "expired": return Phrase(singular: "presents an expired certificate", plural: "present expired certificates")
        case "not_yet_valid": return Phrase(singular: "presents a certificate not valid yet", plural: "present certificates not valid yet")
        case "no_client_auth_eku", "bad_key_usage":
            return Phrase(singular: "presents a certificate not made for client authentication", plural: "present certificates not made for client authentication")
        case "revoked": return Phrase(singular: "presents a revoked certificate", plural: "present revoked certificates")
        case "crl_unavailable", "crl_stale":
            return Phrase(singular: "is refused for lack of a current CRL (operator side)", plural: "are refused for lack of a current CRL (operator side)")
        case "bad_certificate": return Phrase(singular: "presents a certificate the profile refuses", plural: "present certificates the profile refuses")
        case "peer_closed": return Phrase(singular: "closed the connection during the handshake", plural: "closed the connection during the handshake")
        case "handshake_timeout": return Phrase(singular: "did not finish the handshake in time", plural: "did not finish the handshake in time")
        default: return Phrase(singular: "fails with \(reason)", plural: "fail with \(reason)")
        }
    }
}
