import XCTest
import SekishoHTTP1

/// Runs the libFuzzer entry point over every table input and over seeded mutations of them, so the
/// split-independence and round-trip properties it asserts are checked on each `swift test`.
final class FuzzEntryTests: XCTestCase {
    static var corpus: [[UInt8]] {
        let tables = RequestFramingTableTests.contentLengthRows + RequestFramingTableTests.transferEncodingRows
            + RequestFramingTableTests.chunkedRows + RequestFramingTableTests.pipelineRows
            + RequestHeadTableTests.lineRows + RequestHeadTableTests.fieldRows + RequestHeadTableTests.hostRows
            + RequestHeadTableTests.methodRows + ResponseTableTests.rows
        return tables.map(\.input).filter { $0.count <= 4_096 }
    }

    func testEntryAcceptsEveryTableInput() {
        for input in Self.corpus {
            input.withUnsafeBytes { HTTP1FuzzEntry.run(data: $0) }
        }
    }

    func testEntrySurvivesSeededMutations() {
        // A fixed-seed xorshift keeps the run reproducible; 3_000 mutants stay well under a second
        // or two in debug builds.
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next() -> UInt64 {
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            return state
        }
        let corpus = Self.corpus
        let alphabet = bytes("\r\n :;,\t0123456789abcdefABCDEF-\"\\/?#@[]HTTP/1.1chunkedContent-LengthTransfer-Encoding") + [0, 0x7F, 0x80, 0xFF]
        for _ in 0..<3_000 {
            var input = corpus[Int(next() % UInt64(corpus.count))]
            for _ in 0..<(1 + Int(next() % 4)) {
                let position = input.isEmpty ? 0 : Int(next() % UInt64(input.count + 1))
                switch next() % 4 {
                case 0 where !input.isEmpty && position < input.count: input.remove(at: position)
                case 1: input.insert(alphabet[Int(next() % UInt64(alphabet.count))], at: position)
                case 2 where position < input.count: input[position] = alphabet[Int(next() % UInt64(alphabet.count))]
                default:
                    let other = corpus[Int(next() % UInt64(corpus.count))]
                    input.insert(contentsOf: other.prefix(Int(next() % 64)), at: position)
                }
            }
            input.withUnsafeBytes { HTTP1FuzzEntry.run(data: $0) }
        }
    }
}
