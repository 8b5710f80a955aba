import XCTest
import SekishoCore
import SekishoConfig

final class ConfigValueParserTests: XCTestCase {
    func testIPv6AddressesCompareIndependentlyOfSpelling() throws {
        func key(_ text: String) throws -> String {
            ConfigValueParser.canonicalKey(try HostPort.parse(text).get())
        }
        let same: [(String, String)] = [
            ("[::1]:443", "[0:0:0:0:0:0:0:1]:443"),
            ("[::1]:443", "[0000::0001]:443"),
            ("[2001:DB8::1]:443", "[2001:db8:0:0::1]:443"),
            ("[::ffff:127.0.0.1]:443", "[::FFFF:7f00:1]:443"),
            ("[::]:443", "[0:0:0:0:0:0:0:0]:443"),
            ("[fe80::1:2]:443", "[fe80:0:0:0:0:0:1:2]:443"),
        ]
        for (a, b) in same {
            XCTAssertEqual(try key(a), try key(b), "\(a) vs \(b)")
        }
        let different: [(String, String)] = [
            ("[::1]:443", "[::1]:444"),
            ("[::1]:443", "[::2]:443"),
            ("[1::]:443", "[::1]:443"),
            ("[::ffff:127.0.0.1]:443", "127.0.0.1:443"),
        ]
        for (a, b) in different {
            XCTAssertNotEqual(try key(a), try key(b), "\(a) vs \(b)")
        }
        XCTAssertEqual(try key("[::1]:8443"), "[0:0:0:0:0:0:0:1]:8443")
    }

    func testNamesAllowOnlyTheSafeCharacterSet() {
        for good in ["a", "main-v4", "edge_1.b", String(repeating: "x", count: 64)] {
            XCTAssertTrue(ConfigValueParser.isValidName(good), good)
        }
        for bad in ["", "a b", "a/b", "ä", "a:b", String(repeating: "x", count: 65)] {
            XCTAssertFalse(ConfigValueParser.isValidName(bad), bad)
        }
    }

    func testEditDistanceDrivesKeySuggestions() {
        XCTAssertEqual(editDistance("upstrem", "upstream"), 1)
        XCTAssertEqual(editDistance("", "abc"), 3)
        XCTAssertEqual(unknownKeyMessage("requried", known: ["required", "ca"]), "unknown key (did you mean 'required'?)")
        XCTAssertEqual(unknownKeyMessage("frobnicate", known: ["required", "ca"]), "unknown key")
    }

    func testSuiteRefusalReasonsNeverClassifyAProfileSuite() {
        // The reasons explain refusals only; none may fire for a suite the profile allows,
        // in either spelling.
        for suite in CryptrecHighProfile.tls12CipherSuites + CryptrecHighProfile.tls13CipherSuites {
            XCTAssertNil(ProfileNames.refusalReason(forSuite: suite.iana), suite.iana)
            XCTAssertNil(ProfileNames.refusalReason(forSuite: suite.openSSL), suite.openSSL)
        }
    }
}
