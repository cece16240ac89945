import Herald
import Logging
import Synchronization

/// Writes acknowledgements in batches: ``enqueue(_:topic:group:)`` returns at once and a writer task
/// deletes the acknowledged rows, taking every acknowledgement queued while its previous statement ran
/// into the next one. A consumer acknowledging one delivery at a time thus costs no round trip each, and
/// many consumers share statements. An acknowledgement lost before it was written (the process died)
/// only means the event is delivered again, as at-least-once delivery allows; what needs the written
/// state (lag, idle waits, seeks, closing) calls ``flush()`` first.
///
/// Bounded: while ``maximumQueued`` acknowledgements wait, ``enqueue(_:topic:group:)`` waits for a write.
final class PostgresAckWriter: Sendable {
    /// The most acknowledgements waiting to be written.
    static let maximumQueued = 10_000

    private struct Key: Hashable {
        var topic: String
        var group: String
    }

    private struct State {
        var queued: [Key: [DeliveryToken]] = [:]
        var count = 0
        var isWriting = false
        var idleWaiters: [CheckedContinuation<Void, Never>] = []
    }

    private let write: @Sendable (_ tokens: [DeliveryToken], _ topic: String, _ group: String) async throws -> Void
    private let logger: Logger
    // Mutex: consumers enqueue from their tasks, the writer drains from its own; held only to move tokens.
    private let state = Mutex(State())

    init(logger: Logger, write: @escaping @Sendable (_ tokens: [DeliveryToken], _ topic: String, _ group: String) async throws -> Void) {
        self.logger = logger
        self.write = write
    }

    /// Queues acknowledgements; waits only while the queue is full.
    func enqueue(_ tokens: [DeliveryToken], topic: String, group: String) async {
        while state.withLock({ $0.count >= Self.maximumQueued }) { await flush() }
        let startsWriter = state.withLock { state -> Bool in
            state.queued[Key(topic: topic, group: group), default: []].append(contentsOf: tokens)
            state.count += tokens.count
            guard !state.isWriting else { return false }
            state.isWriting = true
            return true
        }
        if startsWriter { Task { await self.drain() } }
    }

    /// Returns once every acknowledgement queued before the call is written (or its write failed).
    func flush() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let idle = state.withLock { state -> Bool in
                if !state.isWriting && state.count == 0 { return true }
                state.idleWaiters.append(continuation)
                return false
            }
            if idle { continuation.resume() }
        }
    }

    private func drain() async {
        while true {
            let (batch, waiters) = state.withLock { state -> ([Key: [DeliveryToken]], [CheckedContinuation<Void, Never>]) in
                guard state.count > 0 else {
                    // Idle: whoever waited for the writes sees them done.
                    state.isWriting = false
                    defer { state.idleWaiters = [] }
                    return ([:], state.idleWaiters)
                }
                defer {
                    state.queued = [:]
                    state.count = 0
                }
                return (state.queued, [])
            }
            if batch.isEmpty {
                for waiter in waiters { waiter.resume() }
                return
            }
            for (key, tokens) in batch {
                do {
                    try await write(tokens, key.topic, key.group)
                } catch {
                    logger.warning(
                        "acknowledgements could not be written; those events are delivered again after their deadline",
                        metadata: [
                            "herald.topic": "\(key.topic)", "herald.group": "\(key.group)", "herald.count": "\(tokens.count)", "herald.error": "\(error)",
                        ])
                }
            }
        }
    }
}
