import XCTest
import SekishoHTTP1

/// One row of a parser table: the RFC rule it checks, the bytes, and the expected outcome (events,
/// then either a clean EOF or an error with the status the proxy must answer).
struct TableRow {
    let rfc: String
    let name: String
    let input: [UInt8]
    let events: [Ev]
    let error: HTTP1ParseError?
    let status: Int?
    var limits = HTTP1Limits()
    var policy = HTTP1RequestPolicy()
    var methods: [HTTP1Method] = [.get]

    /// Parsed completely, then a clean EOF.
    static func ok(_ rfc: String, _ name: String, _ input: String, _ events: [Ev]) -> TableRow {
        TableRow(rfc: rfc, name: name, input: bytes(input), events: events + [.eof], error: nil, status: nil)
    }

    static func ok(_ rfc: String, _ name: String, raw input: [UInt8], _ events: [Ev]) -> TableRow {
        TableRow(rfc: rfc, name: name, input: input, events: events + [.eof], error: nil, status: nil)
    }

    /// Refused with `error` (whose status must be `status`) after `events`.
    static func fail(
        _ rfc: String, _ name: String, _ input: String, _ error: HTTP1ParseError, _ status: Int, after events: [Ev] = []
    ) -> TableRow {
        TableRow(rfc: rfc, name: name, input: bytes(input), events: events, error: error, status: status)
    }

    static func fail(
        _ rfc: String, _ name: String, raw input: [UInt8], _ error: HTTP1ParseError, _ status: Int, after events: [Ev] = []
    ) -> TableRow {
        TableRow(rfc: rfc, name: name, input: input, events: events, error: error, status: status)
    }

    func with(limits: HTTP1Limits) -> TableRow { var r = self; r.limits = limits; return r }
    func with(policy: HTTP1RequestPolicy) -> TableRow { var r = self; r.policy = policy; return r }
    func with(methods: [HTTP1Method]) -> TableRow { var r = self; r.methods = methods; return r }

    var label: String { "\(rfc) — \(name)" }

    func check(_ outcome: Outcome, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertFalse(rfc.isEmpty, "row \(name) cites no RFC section", file: file, line: line)
        XCTAssertEqual(outcome.events, events, "[\(label)] events", file: file, line: line)
        XCTAssertEqual(outcome.error, error, "[\(label)] error", file: file, line: line)
        if let error, let status {
            XCTAssertEqual(error.status, status, "[\(label)] status", file: file, line: line)
            XCTAssertTrue(error.closesConnection, "[\(label)] closes", file: file, line: line)
        }
    }
}

func runRequestTable(_ rows: [TableRow], file: StaticString = #filePath, line: UInt = #line) {
    var names = Set<String>()
    for row in rows {
        XCTAssertTrue(names.insert(row.name).inserted, "duplicate row name \(row.name)", file: file, line: line)
        let outcome = verifyRequestSplits(row.input, limits: row.limits, policy: row.policy, label: row.label, file: file, line: line)
        row.check(outcome, file: file, line: line)
    }
}

func runResponseTable(_ rows: [TableRow], file: StaticString = #filePath, line: UInt = #line) {
    var names = Set<String>()
    for row in rows {
        XCTAssertTrue(names.insert(row.name).inserted, "duplicate row name \(row.name)", file: file, line: line)
        let outcome = verifyResponseSplits(row.input, methods: row.methods, limits: row.limits, label: row.label, file: file, line: line)
        row.check(outcome, file: file, line: line)
    }
}
