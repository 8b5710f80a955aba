public import SekishoCore
public import SekishoTLS

/// What to change, for each refusal reason: written for the operator who phones the clinic, in
/// English and Japanese. One hint per reason code; the protocol_version hint depends on what the
/// client offered (TLS 1.1 and older versus a TLS 1.2 client at a TLS 1.3-only listener).
public struct RemediationHint: Sendable, Equatable {
    public let english: String
    public let japanese: String

    public init(english: String, japanese: String) {
        self.english = english
        self.japanese = japanese
    }

    public static func `for`(
        reason: String, offered: ClientHelloSummary?, acceptedVersions: [TLSProtocolVersion] = CryptrecHighProfile.versions
    ) -> RemediationHint {
        if reason.hasPrefix("policy_denied:") { return policyDenied(rule: String(reason.dropFirst("policy_denied:".count))) }
        if reason.hasPrefix("denylisted:") { return denylisted }
        switch reason {
        case TLSRefusalReason.protocolVersion.rawValue:
            if let offered, !offered.offersOnlyLegacyVersions {
                let accepted = acceptedVersions.sorted(by: >).map(\.rawValue).joined(separator: ", ")
                return RemediationHint(
                    english: "This listener accepts only \(accepted); the client offered at most \(TLSNames.version(offered.highestVersion)). Enable TLS 1.3 in the client or update it.",
                    japanese: "このリスナーは \(accepted) のみ受け付けます。クライアントは最大 \(TLSNames.version(offered.highestVersion)) しか提示していません。クライアントで TLS 1.3 を有効にするか、更新してください。")
            }
            let highest = offered.map { TLSNames.version($0.highestVersion) } ?? "TLS 1.1 or older"
            return RemediationHint(
                english: "The client offered at most \(highest); TLS 1.2 is the minimum. Enable TLS 1.2/1.3 in the client: in Firefox set security.tls.version.max to 4 in about:config; in Windows enable \"Use TLS 1.2\" under Internet Options > Advanced; if neither exists, update the browser or the OS.",
                japanese: "クライアントは最大 \(highest) しか提示していません（TLS 1.2 以上が必要です）。クライアントで TLS 1.2/1.3 を有効にしてください。Firefox では about:config で security.tls.version.max を 4 に設定、Windows ではインターネット オプション > 詳細設定 で「TLS 1.2 の使用」を有効にします。どちらも無い場合はブラウザまたは OS を更新してください。")
        case TLSRefusalReason.noSharedCipher.rawValue:
            return RemediationHint(
                english: "The client offered no cipher suite of the cryptrec-high profile (only CBC, RSA key transport, 3DES or RC4 suites). Enable ECDHE with AES-GCM or ChaCha20-Poly1305 in the client, or update it.",
                japanese: "クライアントが cryptrec-high プロファイルの暗号スイートを一つも提示していません（CBC・RSA 鍵交換・3DES・RC4 のみ）。クライアントで ECDHE と AES-GCM または ChaCha20-Poly1305 を有効にするか、更新してください。")
        case TLSRefusalReason.noClientCert.rawValue:
            return RemediationHint(
                english: "The client presented no certificate. Install the clinic's client certificate (PKCS#12) in the browser or OS certificate store and choose it when the browser asks.",
                japanese: "クライアント証明書が提示されていません。医療機関のクライアント証明書（PKCS#12）をブラウザまたは OS の証明書ストアに導入し、ブラウザの確認画面で選択してください。")
        case TLSRefusalReason.unknownCA.rawValue:
            return RemediationHint(
                english: "The certificate was not issued by a CA this service trusts. Check that the clinic uses the certificate issued for this service (the issuer is in the record), not another one.",
                japanese: "証明書がこのサービスの信頼する認証局から発行されていません。医療機関がこのサービス用に発行された証明書を使っているか（発行者は記録にあります）確認してください。")
        case TLSRefusalReason.weakSignatureSHA1.rawValue:
            return RemediationHint(
                english: "The certificate is signed with SHA-1. Ask the issuing CA for a SHA-2 certificate.",
                japanese: "証明書が SHA-1 で署名されています。発行元の認証局に SHA-2 の証明書を依頼してください。")
        case TLSRefusalReason.weakSignatureMD5.rawValue:
            return RemediationHint(
                english: "The certificate is signed with MD5. Ask the issuing CA for a SHA-2 certificate.",
                japanese: "証明書が MD5 で署名されています。発行元の認証局に SHA-2 の証明書を依頼してください。")
        case TLSRefusalReason.weakKey.rawValue:
            return RemediationHint(
                english: "The certificate's key is too weak (RSA below 2048 bits, DSA, or a curve other than P-256/P-384/P-521). Ask the CA to reissue it with a stronger key.",
                japanese: "証明書の鍵が弱すぎます（2048 ビット未満の RSA、DSA、または P-256/P-384/P-521 以外の曲線）。より強い鍵で再発行するよう認証局に依頼してください。")
        case TLSRefusalReason.expired.rawValue:
            return RemediationHint(
                english: "The certificate has expired. Ask the CA to renew it and install the new one in the client.",
                japanese: "証明書の有効期限が切れています。認証局に更新を依頼し、新しい証明書をクライアントに導入してください。")
        case TLSRefusalReason.notYetValid.rawValue:
            return RemediationHint(
                english: "The certificate is not valid yet. Check the date and time of the client (and of this server), or wait until its notBefore.",
                japanese: "証明書の有効期間がまだ始まっていません。クライアント（とこのサーバ）の日時を確認するか、有効開始日時まで待ってください。")
        case TLSRefusalReason.noClientAuthEKU.rawValue:
            return RemediationHint(
                english: "The certificate is not meant for TLS client authentication (its extendedKeyUsage lacks clientAuth). Ask the CA for a client-authentication certificate.",
                japanese: "証明書が TLS クライアント認証用ではありません（拡張鍵用途に clientAuth がありません）。クライアント認証用の証明書を認証局に依頼してください。")
        case TLSRefusalReason.badKeyUsage.rawValue:
            return RemediationHint(
                english: "The certificate's keyUsage lacks digitalSignature. Ask the CA to reissue it as a client-authentication certificate.",
                japanese: "証明書の鍵用途に digitalSignature がありません。クライアント認証用として再発行するよう認証局に依頼してください。")
        case TLSRefusalReason.revoked.rawValue:
            return RemediationHint(
                english: "The certificate has been revoked by its CA. The clinic needs a new certificate; if the revocation is unexpected, check the CA's CRL.",
                japanese: "証明書は認証局により失効されています。医療機関には新しい証明書が必要です。想定外の場合は認証局の CRL を確認してください。")
        case TLSRefusalReason.crlUnavailable.rawValue:
            return RemediationHint(
                english: "No usable CRL for the certificate's issuer (operator side, not the clinic): configure that issuer's CRL in client_auth.crl, or check the configured one.",
                japanese: "発行者の有効な CRL がありません（医療機関ではなく運用側の問題です）。client_auth.crl にその発行者の CRL を設定するか、設定済みの CRL を確認してください。")
        case TLSRefusalReason.crlStale.rawValue:
            return RemediationHint(
                english: "The issuer's CRL is past its nextUpdate beyond the grace period (operator side, not the clinic): fetch the current CRL from the CA; sekisho reloads the file when it changes.",
                japanese: "発行者の CRL が次回更新日時を猶予期間以上過ぎています（運用側の問題です）。認証局から最新の CRL を取得してください。ファイルが変わると sekisho は自動で再読み込みします。")
        case TLSRefusalReason.badCertificate.rawValue:
            return RemediationHint(
                english: "The certificate does not meet the profile (the detail says which rule). Ask the CA for a certificate signed with SHA-256 or stronger, with RSA 2048+ or ECDSA P-256/P-384/P-521.",
                japanese: "証明書がプロファイルを満たしていません（詳細に規則があります）。SHA-256 以上で署名され、RSA 2048 ビット以上または ECDSA P-256/P-384/P-521 の証明書を認証局に依頼してください。")
        case TLSRefusalReason.handshakeFailure.rawValue:
            return RemediationHint(
                english: "The handshake failed (the detail carries OpenSSL's reason). Compare the client's offer in this record with the cryptrec-high profile, and update the client.",
                japanese: "ハンドシェイクに失敗しました（詳細に OpenSSL の理由があります）。この記録のクライアント提示内容を cryptrec-high プロファイルと比べ、クライアントを更新してください。")
        case TLSRefusalReason.peerClosed.rawValue:
            return RemediationHint(
                english: "The client closed the connection during the handshake, often because it does not trust the server certificate or its user cancelled the certificate prompt. Check that the client trusts the server's CA.",
                japanese: "クライアントがハンドシェイク中に接続を閉じました。サーバ証明書を信頼していないか、証明書選択画面が取り消されたことがよくある原因です。クライアントがサーバの認証局を信頼しているか確認してください。")
        case "handshake_timeout":
            return RemediationHint(
                english: "The client did not finish the handshake in time. Check the network path, and that the client speaks TLS to this port.",
                japanese: "クライアントが時間内にハンドシェイクを終えませんでした。ネットワーク経路と、クライアントがこのポートに TLS で接続しているかを確認してください。")
        default:
            return RemediationHint(
                english: "Refused with \(reason); see the detail.",
                japanese: "\(reason) により拒否されました。詳細を確認してください。")
        }
    }

    /// `policy_denied:<rule>`: valid certificate, not on the allow-list.
    static func policyDenied(rule: String) -> RemediationHint {
        let what: (String, String)
        switch rule {
        case "no_certificate": what = ("a certificate", "証明書")
        case "issuer": what = ("its issuer", "発行者")
        case "fingerprint": what = ("its SHA-256 fingerprint", "SHA-256 フィンガープリント")
        case "o": what = ("its organization (O)", "組織名（O）")
        case "ou": what = ("its organizational unit (OU)", "部署名（OU）")
        case "cn": what = ("its common name (CN)", "コモンネーム（CN）")
        case "san_dns": what = ("a DNS name (SAN)", "DNS 名（SAN）")
        case "san_email": what = ("an email address (SAN)", "メールアドレス（SAN）")
        case "san_uri": what = ("a URI (SAN)", "URI（SAN）")
        default: what = (rule, rule)
        }
        return RemediationHint(
            english: "The certificate is valid but not admitted by this listener's allow-list: \(what.0) does not match. If the clinic should be admitted, add it to client_auth.policy and reload; otherwise the clinic needs the certificate issued for this service.",
            japanese: "証明書は有効ですが、このリスナーの許可リストに合致しません（\(what.1)が一致しません）。許可すべき医療機関であれば client_auth.policy に追加して再読み込みしてください。そうでなければ、このサービス用の証明書が必要です。")
    }

    static let denylisted = RemediationHint(
        english: "The certificate is on the emergency deny-list (client_auth.deny). The clinic needs a new certificate; if it was listed by mistake, remove the entry and reload.",
        japanese: "証明書は緊急拒否リスト（client_auth.deny）に載っています。医療機関には新しい証明書が必要です。誤って登録した場合は項目を削除して再読み込みしてください。")
}
