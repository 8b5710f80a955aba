/// The result of one call to a parser's `parse(_:)`: how many bytes of the given buffer were
/// consumed and at most one event.
///
/// Contract: `event == nil` means every byte was consumed and the parser needs more input. Any
/// non-nil event means "call again with the unconsumed rest", even when that rest is empty (an
/// `.end` may follow a `.head` without further input). Stopping after an event is allowed; keep the
/// unconsumed bytes and pass them later (this is how a proxy applies backpressure or holds a
/// pipelined request until the previous response is done).
public struct HTTP1ParseStep<Event: Sendable & Hashable>: Sendable, Hashable {
    public var consumed: Int
    public var event: Event?

    public init(consumed: Int, event: Event?) {
        self.consumed = consumed
        self.event = event
    }
}
