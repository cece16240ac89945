import DequeModule
import Herald
import NIOCore
import Synchronization

/// The bounded buffer between the connection, which pushes a subscription's messages, and the tasks
/// that iterate the subscription.
///
/// When full, the newest message is dropped and counted (slow-consumer policy). Waiting iterators are
/// handed messages directly. ``finish(throwing:)`` ends the stream after the buffered messages.
final class SubscriptionBuffer: Sendable {
    /// What ``push(_:)`` did with a message.
    enum PushOutcome: Equatable {
        /// Buffered or handed to a waiting iterator.
        case accepted
        /// Dropped because the buffer is full; `firstOfEpisode` is true for the first drop after an
        /// accepted message, to report each episode of drops once.
        case dropped(firstOfEpisode: Bool)
        /// Dropped because the stream is finished.
        case finished
    }

    private struct Waiter {
        var id: UInt64
        var continuation: CheckedContinuation<NATSMessage?, any Error>
    }

    private struct State {
        var messages = Deque<NATSMessage>()
        var bytes = 0
        var waiters = Deque<Waiter>()
        var nextWaiterID: UInt64 = 0
        /// `nil` while open; the end to report once the messages are consumed.
        var end: Result<Void, any Error>?
        var dropped = 0
        var dropping = false
        var consumedSignal: AsyncSignal?
    }

    /// The bounds of the buffer.
    let limits: NATSSubscriptionLimits
    // Mutex: pushes come from the event loop, next() from any task; every section is a short state change
    // and continuations are resumed after leaving it.
    private let state = Mutex(State())

    /// Handles messages as they are pushed instead of buffering them, when set.
    private let handler: (@Sendable ([NATSMessage]) -> Void)?

    /// Whether messages go to a handler instead of the buffer.
    var hasHandler: Bool { handler != nil }

    /// Creates an empty buffer; with `handler`, messages go to it as they are pushed (on the pusher's
    /// thread) and iterators only see the end.
    init(limits: NATSSubscriptionLimits, handler: (@Sendable ([NATSMessage]) -> Void)? = nil) {
        self.limits = limits
        self.handler = handler
    }

    /// Messages dropped because the buffer was full.
    var droppedMessages: Int { state.withLock { $0.dropped } }

    /// Messages buffered and not yet consumed.
    var bufferedMessages: Int { state.withLock { $0.messages.count } }

    /// Whether the stream is finished and every buffered message was consumed.
    var isConsumed: Bool { state.withLock { $0.end != nil && $0.messages.isEmpty } }

    /// Hands `message` to a waiting iterator, buffers it, or drops it when the buffer is full.
    func push(_ message: NATSMessage) -> PushOutcome {
        if handler != nil { return push([message]) }
        let size = message.payload.readableBytes
        let (outcome, waiter): (PushOutcome, Waiter?) = state.withLock { state in
            guard state.end == nil else { return (.finished, nil) }
            if let waiter = state.waiters.popFirst() {
                state.dropping = false
                return (.accepted, waiter)
            }
            let fits =
                state.messages.count < limits.maximumMessages
                && (state.bytes + size <= limits.maximumBytes || state.messages.isEmpty)
            guard fits else {
                state.dropped += 1
                let first = !state.dropping
                state.dropping = true
                return (.dropped(firstOfEpisode: first), nil)
            }
            state.dropping = false
            state.messages.append(message)
            state.bytes += size
            return (.accepted, nil)
        }
        waiter?.continuation.resume(returning: message)
        return outcome
    }

    /// Hands `messages` to the handler together (one call), or pushes them one by one without one.
    func push(_ messages: [NATSMessage]) -> PushOutcome {
        guard let handler else {
            var outcome = PushOutcome.accepted
            for message in messages { outcome = push(message) }
            return outcome
        }
        guard state.withLock({ $0.end == nil }) else { return .finished }
        handler(messages)
        return .accepted
    }

    /// Ends the stream: iterators get the buffered messages, then `error` (once) or the end.
    /// Later calls are ignored. `consumed` is notified once every buffered message was taken.
    func finish(throwing error: (any Error)? = nil, consumed: AsyncSignal? = nil) {
        let (waiters, signal): (Deque<Waiter>, AsyncSignal?) = state.withLock { state in
            guard state.end == nil else { return ([], nil) }
            state.end = error.map { .failure($0) } ?? .success(())
            state.consumedSignal = consumed
            let waiters = state.waiters
            state.waiters.removeAll()
            return (waiters, state.messages.isEmpty ? consumed : nil)
        }
        signal?.notify()
        guard !waiters.isEmpty else { return }
        // Waiters exist only while the buffer is empty: the first gets the error, the rest the end.
        var first = true
        for waiter in waiters {
            if first, let error {
                waiter.continuation.resume(throwing: error)
            } else {
                waiter.continuation.resume(returning: nil)
            }
            first = false
        }
        if error != nil { state.withLock { $0.end = .success(()) } }
    }

    /// The next message; `nil` once finished and empty. Throws the finishing error once, and
    /// `CancellationError` if the task is cancelled while waiting.
    func next() async throws -> NATSMessage? {
        // Fast path: a buffered message needs no continuation.
        let (buffered, id, signal): (NATSMessage?, UInt64, AsyncSignal?) = state.withLock { state in
            if let message = state.messages.popFirst() {
                state.bytes -= message.payload.readableBytes
                let consumed = state.end != nil && state.messages.isEmpty
                return (message, 0, consumed ? state.consumedSignal : nil)
            }
            state.nextWaiterID += 1
            return (nil, state.nextWaiterID, nil)
        }
        signal?.notify()
        if let buffered { return buffered }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<NATSMessage?, any Error>) in
                let (immediate, signal) = state.withLock { state -> (Result<NATSMessage?, any Error>?, AsyncSignal?) in
                    if let message = state.messages.popFirst() {
                        state.bytes -= message.payload.readableBytes
                        let consumed = state.end != nil && state.messages.isEmpty
                        return (.success(message), consumed ? state.consumedSignal : nil)
                    }
                    if let end = state.end {
                        state.end = .success(())
                        return (end.map { nil }, nil)
                    }
                    if Task.isCancelled { return (.failure(CancellationError()), nil) }
                    state.waiters.append(Waiter(id: id, continuation: continuation))
                    return (nil, nil)
                }
                signal?.notify()
                if let immediate { continuation.resume(with: immediate) }
            }
        } onCancel: {
            let waiter: Waiter? = state.withLock { state in
                guard let index = state.waiters.firstIndex(where: { $0.id == id }) else { return nil }
                return state.waiters.remove(at: index)
            }
            waiter?.continuation.resume(throwing: CancellationError())
        }
    }
}
