/// One field line as received: the name keeps its original case, the value has its surrounding
/// OWS removed (RFC 9112 §5.1) and is otherwise byte-for-byte what was received.
public struct HTTP1Field: Sendable, Hashable, CustomStringConvertible {
    public var name: String
    public var value: String

    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }

    public var description: String { "\(name): \(value)" }
}

/// An ordered list of field lines (a header or trailer section), with case-insensitive lookup by
/// name (RFC 9110 §5.1: field names are case-insensitive).
///
/// Values are `String`s. A value that is not valid UTF-8 (obs-text, RFC 9110 §5.5) is refused by the
/// parsers rather than decoded lossily, so that what the proxy forwards is exactly what it received;
/// valid UTF-8 round-trips byte-for-byte through `value.utf8`.
public struct HTTP1Fields: Sendable, Hashable, RandomAccessCollection, ExpressibleByDictionaryLiteral,
    CustomStringConvertible
{
    public private(set) var fields: [HTTP1Field]

    public init() { fields = [] }
    public init(_ fields: [HTTP1Field]) { self.fields = fields }

    /// Pairs in order; duplicate names are kept (a dictionary literal may repeat keys).
    public init(dictionaryLiteral elements: (String, String)...) {
        fields = elements.map { HTTP1Field(name: $0.0, value: $0.1) }
    }

    public var startIndex: Int { fields.startIndex }
    public var endIndex: Int { fields.endIndex }
    public subscript(position: Int) -> HTTP1Field { fields[position] }

    public mutating func append(name: String, value: String) {
        append(HTTP1Field(name: name, value: value))
    }

    /// The first field line reserves room for `typicalCount`: one allocation per section
    /// instead of a regrowth at 1, 2, 4 and 8 lines (the parsers append every line they read).
    public mutating func append(_ field: HTTP1Field) {
        if fields.isEmpty { fields.reserveCapacity(Self.typicalCount) }
        fields.append(field)
    }

    /// A browser request or a typical response carries 8 to 16 field lines.
    static let typicalCount = 16

    /// Removes every field with this name (case-insensitive); returns how many were removed.
    @discardableResult
    public mutating func remove(named name: String) -> Int {
        let before = fields.count
        fields.removeAll { Self.namesEqual($0.name, name) }
        return before - fields.count
    }

    /// Removes every field for which `shouldRemove` returns true.
    public mutating func removeAll(where shouldRemove: (HTTP1Field) throws -> Bool) rethrows {
        try fields.removeAll(where: shouldRemove)
    }

    public func contains(named name: String) -> Bool {
        fields.contains { Self.namesEqual($0.name, name) }
    }

    /// The first value with this name.
    public func first(named name: String) -> String? {
        fields.first { Self.namesEqual($0.name, name) }?.value
    }

    /// All values with this name, in order.
    public func values(named name: String) -> [String] {
        fields.lazy.filter { Self.namesEqual($0.name, name) }.map(\.value)
    }

    /// The list elements of every field with this name (RFC 9110 §5.6.1): values split on commas,
    /// OWS trimmed, empty elements dropped. Quoted strings are not interpreted, so use this only for
    /// token lists such as `Connection`, `Transfer-Encoding` or `Expect`.
    public func listElements(named name: String) -> [Substring] {
        var out: [Substring] = []
        for field in fields where Self.namesEqual(field.name, name) {
            for element in field.value.split(separator: ",", omittingEmptySubsequences: true) {
                let trimmed = element.trimmingOWS()
                if !trimmed.isEmpty { out.append(trimmed) }
            }
        }
        return out
    }

    /// Whether a token list field (e.g. `Connection`) contains `token`, case-insensitively.
    public func containsToken(_ token: String, inFieldNamed name: String) -> Bool {
        listElements(named: name).contains { Self.namesEqual($0, token) }
    }

    /// ASCII case-insensitive comparison of two Strings: the concrete overload other modules
    /// call on every forwarded field. The generic version below is not specialized across the
    /// module boundary, so a call from the proxy went through `Zip2Sequence` metadata lookups
    /// at run time (~4% of the proxy's CPU per keep-alive request in a profile); this one
    /// compares the contiguous UTF-8 storage that native strings have.
    public static func namesEqual(_ a: String, _ b: String) -> Bool {
        let x = a.utf8, y = b.utf8
        guard x.count == y.count else { return false }
        let fast = x.withContiguousStorageIfAvailable { p in
            y.withContiguousStorageIfAvailable { q in Self.bytesEqualIgnoringCase(p, q) }
        }
        if let fast, let result = fast { return result }
        return namesEqual(a[...], b[...])  // the generic comparison, for bridged strings
    }

    private static func bytesEqualIgnoringCase(_ p: UnsafeBufferPointer<UInt8>, _ q: UnsafeBufferPointer<UInt8>) -> Bool {
        for i in 0..<p.count where p[i] != q[i] {
            guard HTTP1Syntax.asciiLower(p[i]) == HTTP1Syntax.asciiLower(q[i]) else { return false }
        }
        return true
    }

    /// ASCII case-insensitive comparison, as field names and tokens require.
    public static func namesEqual<A: StringProtocol, B: StringProtocol>(_ a: A, _ b: B) -> Bool {
        let x = a.utf8, y = b.utf8
        guard x.count == y.count else { return false }
        for (p, q) in zip(x, y) where p != q {
            guard HTTP1Syntax.asciiLower(p) == HTTP1Syntax.asciiLower(q) else { return false }
        }
        return true
    }

    public var description: String { fields.map(\.description).joined(separator: "\n") }
}

extension Substring {
    /// Removes leading and trailing SP/HTAB (OWS, RFC 9110 §5.6.3).
    func trimmingOWS() -> Substring {
        var s = self
        while let c = s.first, c == " " || c == "\t" { s.removeFirst() }
        while let c = s.last, c == " " || c == "\t" { s.removeLast() }
        return s
    }
}
