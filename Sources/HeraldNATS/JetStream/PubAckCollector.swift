import NIOCore
import Synchronization

/// Collects the acknowledgements of pipelined publishes of one ``JetStream`` context on one inbox
/// subscription (`<inbox>.*.*`, reply subjects `<inbox>.<batch>.<index>`), handled on the event loop as
/// they arrive, so that a batch costs one timer and one wait instead of one per message.
///
/// Bounded by the batches in flight: each holds one result slot per message until it completes or its
/// timeout fills the missing ones.
final class PubAckCollector: Sendable {
    struct BatchStart: Sendable {
        var id: UInt64
        var inbox: String
    }

    private struct Batch {
        var results: [Result<PubAck, any Error>?]
        var subjects: [String]
        var remaining: Int
        var continuation: CheckedContinuation<[Result<PubAck, any Error>], Never>?
        /// When the missing results fail with `requestTimeout`, once waited for.
        var deadline: NIODeadline?
    }

    private struct State {
        var inbox: String?
        var subscription: NATSSubscription?
        var batches: [UInt64: Batch] = [:]
        var nextBatch: UInt64 = 0
        /// Whether a sweep for expired batches is scheduled: one timer serves every batch waiting.
        var sweepScheduled = false
    }

    // Mutex: publishers register batches, the reader task fills them; continuations resume outside it.
    private let state = Mutex(State())

    /// How long a batch waits for its acknowledgements (after its last send).
    let timeout: Duration

    /// A collector whose batches wait `timeout`. One timeout for all is what lets one sweep timer serve
    /// them: deadlines come in the order batches start waiting.
    init(timeout: Duration) {
        self.timeout = timeout
    }

    /// Registers a batch of `count` messages, subscribing the inbox on first use.
    func begin(count: Int, subjects: [String], jetStream: JetStream) throws -> BatchStart {
        let client = jetStream.client
        var started: NATSSubscription?
        let start = try state.withLock { state throws -> BatchStart in
            let inbox: String
            if let existing = state.inbox {
                inbox = existing
            } else {
                inbox = client.newInbox()
                let prefix = inbox + "."
                let subscription = try client.subscribe(
                    "\(inbox).*.*",
                    // Acknowledgements are small and bounded by the publishes in flight.
                    limits: NATSSubscriptionLimits(maximumMessages: 1 << 20, maximumBytes: 256 << 20),
                    // Handled on the event loop as they arrive: completing a batch is a short state change.
                    onMessages: { [weak self] messages in self?.receive(messages, prefix: prefix) }
                )
                state.inbox = inbox
                state.subscription = subscription
                started = subscription
            }
            state.nextBatch &+= 1
            state.batches[state.nextBatch] = Batch(
                results: Array(repeating: nil, count: count),
                subjects: subjects,
                remaining: count
            )
            return BatchStart(id: state.nextBatch, inbox: inbox)
        }
        if let started {
            Task { [weak self] in
                // Ends when the client closes (the subscription finishes); the messages go to receive.
                for try await _ in started {}
                self?.reset()
            }
        }
        return start
    }

    /// The subscription ended (the client closed): the next batch subscribes again.
    private func reset() {
        state.withLock { state in
            state.inbox = nil
            state.subscription = nil
        }
    }

    /// Records that message `index` of a batch failed before or while sending.
    func fail(_ id: UInt64, index: Int, with error: any Error) {
        complete(id, index: index, .failure(error))
    }

    /// Takes replies that arrived together: the common reply (stored) is parsed before the lock and all
    /// of them are applied in one step; any other reply is decoded with its message's subject (errors name
    /// it).
    private func receive(_ messages: [NATSMessage], prefix: String) {
        var stored: [(id: UInt64, index: Int, ack: PubAck)] = []
        stored.reserveCapacity(messages.count)
        var others: [(id: UInt64, index: Int, message: NATSMessage)] = []
        for message in messages {
            guard let (id, index) = Self.slot(of: message.subject, prefix: prefix) else { continue }
            if message.status == nil, let ack = PubAck.fastParse(message.payload) {
                stored.append((id, index, ack))
            } else {
                others.append((id, index, message))
            }
        }
        if !stored.isEmpty {
            let finished = state.withLock { state in
                stored.compactMap { reply in Self.complete(reply.id, index: reply.index, .success(reply.ack), in: &state) }
            }
            for (continuation, results) in finished { continuation.resume(returning: results) }
        }
        for other in others { receive(other.message, id: other.id, index: other.index) }
    }

    private func receive(_ message: NATSMessage, id: UInt64, index: Int) {
        let subject = state.withLock { state -> String? in
            guard let batch = state.batches[id], batch.subjects.indices.contains(index) else { return nil }
            return batch.subjects[index]
        }
        guard let subject else { return }
        let result: Result<PubAck, any Error>
        if message.status == NATSStatusCode.noResponders {
            result = .failure(JetStreamError.noStream(subject: subject))
        } else {
            result = Result { try JetStream.pubAck(from: message.payload, subject: subject) }
        }
        complete(id, index: index, result)
    }

    /// The batch and index of a reply subject `<prefix><batch>.<index>`, read from its bytes.
    static func slot(of subject: String, prefix: String) -> (id: UInt64, index: Int)? {
        var subject = subject
        return subject.withUTF8 { bytes -> (UInt64, Int)? in
            let prefixCount = prefix.utf8.count
            guard bytes.count > prefixCount, bytes.prefix(prefixCount).elementsEqual(prefix.utf8) else { return nil }
            let rest = bytes[prefixCount...]
            guard let dot = rest.firstIndex(of: UInt8(ascii: ".")), let id = ASCIIDecimal.parse(rest[..<dot]),
                let index = ASCIIDecimal.parse(rest[(dot + 1)...]), index <= UInt64(Int.max)
            else { return nil }
            return (id, Int(index))
        }
    }

    private func complete(_ id: UInt64, index: Int, _ result: Result<PubAck, any Error>) {
        if let (continuation, results) = state.withLock({ Self.complete(id, index: index, result, in: &$0) }) {
            continuation.resume(returning: results)
        }
    }

    /// Records one result; returns the batch's continuation and results when that completed it.
    private static func complete(
        _ id: UInt64, index: Int, _ result: Result<PubAck, any Error>, in state: inout State
    ) -> (CheckedContinuation<[Result<PubAck, any Error>], Never>, [Result<PubAck, any Error>])? {
        // Taken out of the dictionary so that updating its arrays does not copy them.
        guard var batch = state.batches.removeValue(forKey: id) else { return nil }
        guard batch.results.indices.contains(index), batch.results[index] == nil else {
            state.batches[id] = batch
            return nil
        }
        batch.results[index] = result
        batch.remaining -= 1
        guard batch.remaining == 0, let continuation = batch.continuation else {
            state.batches[id] = batch
            return nil
        }
        return (continuation, batch.results.map { $0 ?? .failure(CancellationError()) })
    }

    /// Waits for every result of a batch; those missing after `timeout` fail with `requestTimeout`.
    func results(of id: UInt64, client: NATSClient) async -> [Result<PubAck, any Error>] {
        await withCheckedContinuation { (continuation: CheckedContinuation<[Result<PubAck, any Error>], Never>) in
            let deadline = NIODeadline.now() + TimeAmount(timeout)
            let (ready, scheduleSweep) = state.withLock { state -> ([Result<PubAck, any Error>]?, Bool) in
                guard var batch = state.batches.removeValue(forKey: id) else { return ([], false) }
                if batch.remaining == 0 {
                    return (batch.results.map { $0 ?? .failure(CancellationError()) }, false)
                }
                batch.continuation = continuation
                batch.deadline = deadline
                state.batches[id] = batch
                guard !state.sweepScheduled else { return (nil, false) }
                state.sweepScheduled = true
                return (nil, true)
            }
            if let ready { continuation.resume(returning: ready) }
            if scheduleSweep { schedule(sweepAt: deadline, on: client.eventLoop) }
        }
    }

    private func schedule(sweepAt deadline: NIODeadline, on eventLoop: any EventLoop) {
        eventLoop.scheduleTask(deadline: deadline) { [weak self] in
            self?.sweep(on: eventLoop)
        }
    }

    /// Fails what is missing of every batch past its deadline, and schedules the next sweep for the
    /// earliest deadline left.
    private func sweep(on eventLoop: any EventLoop) {
        let now = NIODeadline.now()
        let (expired, next) = state.withLock {
            state -> ([(CheckedContinuation<[Result<PubAck, any Error>], Never>, [Result<PubAck, any Error>])], NIODeadline?) in
            var expired: [(CheckedContinuation<[Result<PubAck, any Error>], Never>, [Result<PubAck, any Error>])] = []
            var next: NIODeadline?
            for (id, batch) in state.batches {
                guard let deadline = batch.deadline else { continue }
                guard deadline <= now else {
                    next = min(next ?? deadline, deadline)
                    continue
                }
                state.batches[id] = nil
                guard let continuation = batch.continuation else { continue }
                let results = batch.results.enumerated().map { index, result in
                    result ?? .failure(NATSClientError.requestTimeout(subject: batch.subjects[index], timeout: timeout))
                }
                expired.append((continuation, results))
            }
            state.sweepScheduled = next != nil
            return (expired, next)
        }
        for (continuation, results) in expired { continuation.resume(returning: results) }
        if let next { schedule(sweepAt: next, on: eventLoop) }
    }
}
