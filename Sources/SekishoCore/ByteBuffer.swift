/// A FIFO of bytes for partial writes: appended at the back, consumed from the front.
///
/// Storage is released as soon as the buffer drains, so an idle connection holds no buffer
/// memory at all; only a connection whose peer is slower than its source keeps bytes here, and
/// the connection bounds that by its per-direction budget.
public struct ByteBuffer: Sendable {
    private var storage: [UInt8] = []
    private var readerIndex = 0

    public init() {}

    public var readableBytes: Int { storage.count - readerIndex }
    public var isEmpty: Bool { readerIndex == storage.count }

    public mutating func append(_ bytes: UnsafeRawBufferPointer) {
        guard !bytes.isEmpty else { return }
        if readerIndex > 0 && readerIndex >= storage.count / 2 {
            // Compact before growing so a steady trickle cannot grow the array without bound.
            storage.removeFirst(readerIndex)
            readerIndex = 0
        }
        storage.append(contentsOf: bytes)
    }

    public mutating func append<S: Sequence>(contentsOf bytes: S) where S.Element == UInt8 {
        storage.append(contentsOf: bytes)
    }

    /// Calls `body` with the unread bytes (valid only during the call).
    public func withReadableBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try storage.withUnsafeBytes { raw in
            try body(UnsafeRawBufferPointer(rebasing: raw[readerIndex...]))
        }
    }

    /// Marks `count` bytes as consumed; frees the storage when nothing is left.
    public mutating func consume(_ count: Int) {
        precondition(count <= readableBytes, "consumed more than buffered")
        readerIndex += count
        if readerIndex == storage.count {
            storage = []
            readerIndex = 0
        }
    }

    public mutating func removeAll() {
        storage = []
        readerIndex = 0
    }
}
