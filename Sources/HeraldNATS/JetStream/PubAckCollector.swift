import NIOCore
import Synchronization

/// Collects the acknowledgements of pipelined publishes of one ``JetStream`` context on one inbox
/// subscription (`<inbox>.*.*`, reply subjects `<inbox>.<batch>.<index>`), so that a batch costs one
/// timer and one wait instead of one per message.
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
        var timer: Scheduled<Void>?
    }

    private struct State {
        var inbox: String?
        var subscription: NATSSubscription?
        var batches: [UInt64: Batch] = [:]
        var nextBatch: UInt64 = 0
    }

    // Mutex: publishers register batches, the reader task fills them; continuations resume outside it.
    private let state = Mutex(State())

    init() {}

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
                let subscription = try client.subscribe(
                    "\(inbox).*.*",
                    // Acknowledgements are small and bounded by the publishes in flight.
                    limits: NATSSubscriptionLimits(maximumMessages: 1 << 20, maximumBytes: 256 << 20)
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
            let prefix = start.inbox + "."
            Task { [weak self] in
                // Ends when the client closes (the subscription finishes).
                for try await message in started {
                    guard let self else { return }
                    self.receive(message, prefix: prefix)
                }
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

    private func receive(_ message: NATSMessage, prefix: String) {
        guard message.subject.hasPrefix(prefix) else { return }
        let tokens = message.subject.dropFirst(prefix.count).split(separator: ".")
        guard tokens.count == 2, let id = UInt64(tokens[0]), let index = Int(tokens[1]) else { return }
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

    private func complete(_ id: UInt64, index: Int, _ result: Result<PubAck, any Error>) {
        let finished = state.withLock { state -> (CheckedContinuation<[Result<PubAck, any Error>], Never>, [Result<PubAck, any Error>], Scheduled<Void>?)? in
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
            return (continuation, batch.results.map { $0 ?? .failure(CancellationError()) }, batch.timer)
        }
        if let (continuation, results, timer) = finished {
            timer?.cancel()
            continuation.resume(returning: results)
        }
    }

    /// Waits for every result of a batch; those missing after `timeout` fail with `requestTimeout`.
    func results(of id: UInt64, timeout: Duration, client: NATSClient) async -> [Result<PubAck, any Error>] {
        await withCheckedContinuation { (continuation: CheckedContinuation<[Result<PubAck, any Error>], Never>) in
            let ready = state.withLock { state -> [Result<PubAck, any Error>]? in
                guard var batch = state.batches.removeValue(forKey: id) else { return [] }
                if batch.remaining == 0 {
                    return batch.results.map { $0 ?? .failure(CancellationError()) }
                }
                batch.continuation = continuation
                batch.timer = client.eventLoop.scheduleTask(in: TimeAmount(timeout)) { [weak self] in
                    self?.expire(id, timeout: timeout)
                }
                state.batches[id] = batch
                return nil
            }
            if let ready { continuation.resume(returning: ready) }
        }
    }

    private func expire(_ id: UInt64, timeout: Duration) {
        let expired = state.withLock { state -> (CheckedContinuation<[Result<PubAck, any Error>], Never>?, [Result<PubAck, any Error>])? in
            guard let batch = state.batches.removeValue(forKey: id) else { return nil }
            let results = batch.results.enumerated().map { index, result in
                result ?? .failure(NATSClientError.requestTimeout(subject: batch.subjects[index], timeout: timeout))
            }
            return (batch.continuation, results)
        }
        if let (continuation, results) = expired { continuation?.resume(returning: results) }
    }
}
