import SekishoConfig
import SekishoHTTP1
import XCTest
@testable import SekishoProxy

/// Shared by the forwarding tests (value rules and byte path): a request context and request
/// heads parsed the way the proxy parses them, so tests start from real parser output.
enum ForwardingFixtures {
    static func context(
        ip: String, ipv6: Bool, forwarded: ForwardedSettings, identity: IdentityHeaderSettings,
        fields: [HTTP1Field], fallbackHost: String
    ) -> HTTP1Forwarding.RequestContext {
        HTTP1Forwarding.RequestContext(
            clientIP: ip, clientIsIPv6: ipv6, forwarded: forwarded, identity: IdentityHeaders(settings: identity),
            identityFields: fields, fallbackHost: fallbackHost
        )
    }

    static func parse(_ text: String) throws -> HTTP1RequestHead {
        var parser = HTTP1RequestParser()
        let bytes = Array(text.utf8)
        let step = try bytes.withUnsafeBytes { try parser.parse($0) }
        guard case .head(let head)? = step.event else {
            XCTFail("no head parsed from \(text.debugDescription)")
            throw CancellationError()
        }
        return head
    }
}
