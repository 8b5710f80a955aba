import Foundation

/// The readiness-check answer: from the handshake record of a client that connected to a
/// readiness listener, whether its TLS version, its offered suites and key exchange, and its
/// client certificate would pass `cryptrec-high`, and exactly what to change — as an HTML page
/// in Japanese and English for browsers, or JSON for `Accept: application/json`.
public struct ReadinessVerdict: Codable, Sendable, Equatable {
    public struct Check: Codable, Sendable, Equatable {
        /// "tls_version", "cipher_suites", "key_exchange", "certificate".
        public var name: String
        public var passed: Bool
        /// What was found, in English and Japanese.
        public var found: String
        public var foundJA: String
        /// What to change; nil when passed.
        public var change: String?
        public var changeJA: String?
        /// The refusal code the proxying listener would log, when failed.
        public var reason: String?

        enum CodingKeys: String, CodingKey {
            case name, passed, found
            case foundJA = "found_ja"
            case change
            case changeJA = "change_ja"
            case reason
        }
    }

    public var time: String
    public var client: String
    public var wouldPass: Bool
    public var negotiatedVersion: String?
    public var negotiatedCipher: String?
    public var checks: [Check]

    enum CodingKeys: String, CodingKey {
        case time, client
        case wouldPass = "would_pass"
        case negotiatedVersion = "negotiated_version"
        case negotiatedCipher = "negotiated_cipher"
        case checks
    }
}

public enum ReadinessPage {
    /// DHE suites of the profile: they need no supported_groups entry for TLS 1.2.
    private static let profileDHESuites: Set<String> = ["0x009E", "0x009F", "0xCCAA", "0xC09E", "0xC09F"]

    /// Judges one readiness handshake. `certificateProblem` is the first rule the presented
    /// chain broke (`TLSSession.certificateProblem`): reason code and detail.
    public static func verdict(record: HandshakeRecord, certificateProblem: (reason: String, detail: String)?) -> ReadinessVerdict {
        var checks: [ReadinessVerdict.Check] = []
        let offered = record.offered
        // 1. Protocol version.
        if let offered, !offered.onlyLegacyVersions {
            let note = offered.highestVersion == "TLSv1.2" ? " (TLS 1.3 is preferred; enable it when you can)" : ""
            let noteJA = offered.highestVersion == "TLSv1.2" ? "（TLS 1.3 を推奨します。可能なら有効にしてください）" : ""
            checks.append(.init(name: "tls_version", passed: true,
                                found: "offers \(offered.versions.joined(separator: ", "))\(note)",
                                foundJA: "\(offered.versions.joined(separator: ", ")) を提示\(noteJA)"))
        } else {
            let hint = RemediationHint.for(reason: "protocol_version", offered: nil)
            let highest = offered?.highestVersion ?? "unknown"
            checks.append(.init(name: "tls_version", passed: false,
                                found: "offers at most \(highest); TLS 1.2 is the minimum",
                                foundJA: "最大 \(highest) しか提示していません（TLS 1.2 以上が必要）",
                                change: hint.english, changeJA: hint.japanese, reason: "protocol_version"))
        }
        // 2. Cipher suites.
        let suites = offered?.cipherSuites.count ?? 0
        let good = offered?.profileCipherSuites ?? 0
        if good > 0 {
            checks.append(.init(name: "cipher_suites", passed: true,
                                found: "\(good) of \(suites) offered suites are in the cryptrec-high profile",
                                foundJA: "提示された \(suites) 個のうち \(good) 個が cryptrec-high の暗号スイートです"))
        } else {
            let hint = RemediationHint.for(reason: "no_shared_cipher", offered: nil)
            checks.append(.init(name: "cipher_suites", passed: false,
                                found: "none of the \(suites) offered suites is in the cryptrec-high profile",
                                foundJA: "提示された \(suites) 個の暗号スイートはどれも cryptrec-high にありません",
                                change: hint.english, changeJA: hint.japanese, reason: "no_shared_cipher"))
        }
        // 3. Key exchange: a profile group, or a profile DHE suite (TLS 1.2 DHE needs no group).
        let groups = offered?.profileGroups ?? 0
        let dhe = offered?.cipherSuites.contains { profileDHESuites.contains($0.code) } ?? false
        if groups > 0 || dhe {
            checks.append(.init(name: "key_exchange", passed: true,
                                found: groups > 0 ? "offers \(groups) key-exchange group(s) of the profile" : "offers finite-field DHE",
                                foundJA: groups > 0 ? "プロファイルの鍵交換グループを \(groups) 個提示" : "DHE 鍵交換を提示"))
        } else {
            checks.append(.init(name: "key_exchange", passed: false,
                                found: "offers no key-exchange group of the profile (x25519, P-256, P-384, P-521, x448, ffdhe2048+)",
                                foundJA: "プロファイルの鍵交換グループ（x25519, P-256, P-384, P-521, x448, ffdhe2048 以上）を提示していません",
                                change: "Enable ECDHE with X25519 or P-256 in the client, or update it.",
                                changeJA: "クライアントで X25519 または P-256 の ECDHE を有効にするか、更新してください。",
                                reason: "handshake_failure"))
        }
        // 4. Client certificate.
        if let leaf = record.chain.first {
            if let problem = certificateProblem {
                let hint = RemediationHint.for(reason: problem.reason, offered: nil)
                checks.append(.init(name: "certificate", passed: false,
                                    found: "\(leaf.subject) would be refused: \(problem.detail)",
                                    foundJA: "\(leaf.subject) は拒否されます: \(problem.detail)",
                                    change: hint.english, changeJA: hint.japanese, reason: problem.reason))
            } else {
                checks.append(.init(name: "certificate", passed: true,
                                    found: "\(leaf.subject), issued by \(leaf.issuer), \(leaf.signatureAlgorithm), \(leaf.keyType) \(leaf.keyBits), valid until \(leaf.notAfter)",
                                    foundJA: "\(leaf.subject)（発行者 \(leaf.issuer)、\(leaf.signatureAlgorithm)、\(leaf.keyType) \(leaf.keyBits)、有効期限 \(leaf.notAfter)）"))
            }
        } else {
            let hint = RemediationHint.for(reason: "no_client_cert", offered: nil)
            checks.append(.init(name: "certificate", passed: false,
                                found: "no client certificate was presented", foundJA: "クライアント証明書が提示されていません",
                                change: hint.english, changeJA: hint.japanese, reason: "no_client_cert"))
        }
        return ReadinessVerdict(
            time: record.time, client: record.client, wouldPass: checks.allSatisfy(\.passed),
            negotiatedVersion: record.negotiated?.version, negotiatedCipher: record.negotiated?.cipher, checks: checks)
    }

    /// True when the client asked for JSON: `application/json` in Accept with q above 0
    /// (RFC 9110 §12.5.1). Browsers never send it, so they get the HTML page.
    public static func wantsJSON(accept: String?) -> Bool {
        guard let accept else { return false }
        for item in accept.split(separator: ",") {
            let parts = item.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
            guard parts.first == "application/json" else { continue }
            let q = parts.dropFirst().first { $0.hasPrefix("q=") }.flatMap { Double($0.dropFirst(2)) } ?? 1
            if q > 0 { return true }
        }
        return false
    }

    /// A complete HTTP/1.1 response (the connection closes after it).
    public static func response(_ verdict: ReadinessVerdict, json: Bool) -> [UInt8] {
        let body = json ? jsonBody(verdict) : Array(html(verdict).utf8)
        let head = "HTTP/1.1 200 OK\r\n"
            + "Content-Type: \(json ? "application/json" : "text/html; charset=utf-8")\r\n"
            + "Content-Length: \(body.count)\r\nCache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\n"
            + "Vary: Accept\r\nConnection: close\r\n\r\n"
        return Array(head.utf8) + body
    }

    /// A 400 for a request the parser refused; still says what the handshake showed, as text.
    public static func badRequest(_ verdict: ReadinessVerdict) -> [UInt8] {
        let body = Array(("bad request; readiness: " + (verdict.wouldPass ? "would pass" : "would be refused") + "\n").utf8)
        let head = "HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: \(body.count)\r\nConnection: close\r\n\r\n"
        return Array(head.utf8) + body
    }

    public static func jsonBody(_ verdict: ReadinessVerdict) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        return Array((try? encoder.encode(verdict)) ?? Data("{}".utf8)) + [0x0A]
    }

    public static func html(_ verdict: ReadinessVerdict) -> String {
        let headline = verdict.wouldPass
            ? ("この端末は接続できます。", "This client would be accepted.")
            : ("この端末はこのままでは接続できません。", "This client would be refused.")
        var rows = ""
        for check in verdict.checks {
            let label: (String, String)
            switch check.name {
            case "tls_version": label = ("TLS バージョン", "TLS version")
            case "cipher_suites": label = ("暗号スイート", "Cipher suites")
            case "key_exchange": label = ("鍵交換", "Key exchange")
            default: label = ("クライアント証明書", "Client certificate")
            }
            let mark = check.passed ? "✔ 合格 / pass" : "✘ 不合格 / fail"
            var change = ""
            if let en = check.change, let ja = check.changeJA {
                change = "<p class=\"change\" lang=\"ja\">\(escape(ja))</p><p class=\"change\" lang=\"en\">\(escape(en))</p>"
            }
            rows += "<tr class=\"\(check.passed ? "pass" : "fail")\"><th>\(escape(label.0))<br><span lang=\"en\">\(escape(label.1))</span></th>"
                + "<td>\(mark)</td><td><p lang=\"ja\">\(escape(check.foundJA))</p><p lang=\"en\">\(escape(check.found))</p>\(change)</td></tr>\n"
        }
        let negotiated = [verdict.negotiatedVersion, verdict.negotiatedCipher].compactMap { $0 }.joined(separator: ", ")
        return """
        <!DOCTYPE html>
        <html lang="ja"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
        <title>接続準備チェック / Readiness check</title>
        <style>body{font-family:sans-serif;max-width:56em;margin:2em auto;padding:0 1em}table{border-collapse:collapse;width:100%}th,td{border:1px solid #999;padding:.5em;vertical-align:top;text-align:left}tr.fail td:nth-child(2){color:#a00;font-weight:bold}tr.pass td:nth-child(2){color:#070}.change{background:#fff4d6;padding:.3em}</style>
        </head><body>
        <h1>接続準備チェック <small lang="en">Readiness check (cryptrec-high)</small></h1>
        <p class="verdict"><strong>\(escape(headline.0))</strong><br><strong lang="en">\(escape(headline.1))</strong></p>
        <table>
        \(rows)</table>
        <p><small>\(escape(verdict.client)) — \(escape(verdict.time))\(negotiated.isEmpty ? "" : " — " + escape(negotiated))</small></p>
        <p><small lang="ja">このページは診断専用です。実際のサービスには接続していません。</small><br><small lang="en">This page only checks your client; nothing was forwarded to the service.</small></p>
        </body></html>

        """
    }

    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.count)
        for ch in text {
            switch ch {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(ch)
            }
        }
        return out
    }
}
