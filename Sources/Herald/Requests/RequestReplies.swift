import Logging
import ServiceLifecycle
import Synchronization

import struct Foundation.UUID

/// Receives the completions of requests (``Publisher/request(_:to:awaiting:timeout:)``): one
/// subscription to a reply topic (and to any domain topics where completions are published), handing
/// each reply to the request waiting for it. Run it as a service beside the publisher that uses it.
///
/// A reply belongs to a request when its `requestid` is the request's id (a handler's
/// ``MessageContext/reply(_:)``), or when it is of the awaited type and its `correlationid` is the
/// request's id (any service further along a flow the request started). Replies no request waits for
/// (its timeout passed, or it was made by another process) are acknowledged and dropped: the events stay
/// in their topics for everyone else.
///
/// The group starts at the topics' ends (``SubscriptionOptions/StartPosition/latest``); requests wait
/// until the subscriptions exist before they publish, so no reply can come before the listener. Each
/// instance reads with a group of its own (`herald-replies-<uuid>` unless given one).
public final class RequestReplies: Service {
    /// The topic handlers reply to: the `replyto` of every request.
    public let topic: String
    /// Every topic read: ``topic`` first, then the others given.
    public let topics: [String]
    /// The consumer group the topics are read with.
    public let group: String
    private let broker: any Broker
    let time: TimeSource
    private let logger: Logger

    // Mutex: requests register and wait from any task while run() delivers replies.
    private let state = Mutex(State())

    private struct State {
        var isReady = false
        var isStopped = false
        var waiting: [String: Waiting] = [:]
        /// Request ids by correlation id, for requests that started their flow.
        var roots: [String: String] = [:]
    }

    private struct Waiting {
        let signal = AsyncSignal()
        let awaiting: Set<String>
        let correlationID: String?
        var reply: Event?
    }

    /// A listener on `topic` (and `alsoListeningTo`), reading with `group`.
    ///
    /// - Parameters:
    ///   - broker: where the replies are published.
    ///   - topic: the reply topic, created by the caller.
    ///   - alsoListeningTo: topics where completions of started flows appear (matched by correlation id).
    ///   - group: the consumer group; default one of this instance's own.
    ///   - clock: what request timeouts run on; default `ContinuousClock` (a test passes a manual clock).
    ///   - logger: the listener's logger.
    public init(
        broker: any Broker,
        topic: String,
        alsoListeningTo: [String] = [],
        group: String = "herald-replies-\(UUID().uuidString.lowercased())",
        clock: some Clock<Duration> = ContinuousClock(),
        logger: Logger = Logger(label: "herald.replies")
    ) {
        self.broker = broker
        self.topic = topic
        self.topics = [topic] + alsoListeningTo.filter { $0 != topic }
        self.group = group
        self.time = TimeSource(clock)
        self.logger = logger
    }

    /// Subscribes to the topics and hands replies to waiting requests until graceful shutdown or
    /// cancellation; requests still waiting then fail with ``RequestError/repliesStopped(requestID:)``.
    ///
    /// - Throws: ``BrokerError`` when a subscription cannot be made.
    public func run() async throws {
        defer { stop() }
        var subscriptions: [Subscription] = []
        for topic in topics {
            subscriptions.append(try await broker.subscribe(to: topic, group: group, options: SubscriptionOptions(startPosition: .latest)))
        }
        let signals = state.withLock { state -> [AsyncSignal] in
            state.isReady = true
            return state.waiting.values.map(\.signal)
        }
        for signal in signals { signal.notify() }
        await withTaskGroup(of: Void.self) { group in
            for subscription in subscriptions {
                group.addTask { await self.consume(subscription) }
            }
            _ = await waitForGracefulShutdown()
            for subscription in subscriptions { await subscription.close() }
        }
    }

    private func consume(_ subscription: Subscription) async {
        do {
            for try await delivery in subscription {
                deliver(delivery.event)
                try? await delivery.ack()
            }
        } catch {
            logger.error("a reply subscription ended", metadata: ["herald.group": "\(group)", "herald.error": "\(error)"])
        }
    }

    /// Hands `event` to the request it answers, if one waits.
    private func deliver(_ event: Event) {
        let signal = state.withLock { state -> AsyncSignal? in
            let requestID: String
            if let id = event.extensionValue(ExtensionAttributeName.requestID.rawValue), state.waiting[id] != nil {
                requestID = id
            } else if let correlation = event.extensionValue(ExtensionAttributeName.correlationID.rawValue),
                let id = state.roots[correlation], state.waiting[id]?.awaiting.contains(event.type) == true
            {
                requestID = id
            } else {
                return nil
            }
            guard state.waiting[requestID]?.reply == nil else { return nil }
            state.waiting[requestID]?.reply = event
            return state.waiting[requestID]?.signal
        }
        signal?.notify()
    }

    private func stop() {
        let signals = state.withLock { state -> [AsyncSignal] in
            state.isStopped = true
            return state.waiting.values.map(\.signal)
        }
        for signal in signals { signal.notify() }
    }

    // MARK: Requests

    /// Registers request `requestID` awaiting one of `types` and waits until the subscriptions exist, so
    /// that `publish` (run next) cannot be answered before the listener reads; then waits for the reply
    /// until `deadline`. Returns the reply.
    ///
    /// - Throws: ``RequestError`` (timed out, stopped); what `publish` throws.
    func exchange(
        requestID: String, correlationRoot: String?, awaiting types: Set<String>, awaitingName: String, timeout: Duration,
        publish: () async throws -> Void
    ) async throws -> Event {
        let deadline = time.now + timeout
        let signal = state.withLock { state -> AsyncSignal in
            let waiting = Waiting(awaiting: types, correlationID: correlationRoot)
            state.waiting[requestID] = waiting
            if let correlationRoot { state.roots[correlationRoot] = requestID }
            return waiting.signal
        }
        defer {
            state.withLock { state in
                if let correlation = state.waiting.removeValue(forKey: requestID)?.correlationID { state.roots[correlation] = nil }
            }
        }
        while true {
            let (ready, stopped) = state.withLock { ($0.isReady, $0.isStopped) }
            if stopped { throw RequestError.repliesStopped(requestID: requestID) }
            if ready { break }
            if time.now >= deadline { throw RequestError.timedOut(requestID: requestID, awaiting: awaitingName, after: timeout) }
            await signal.wait(until: deadline, on: time)
        }
        try await publish()
        while true {
            let (reply, stopped) = state.withLock { ($0.waiting[requestID]?.reply, $0.isStopped) }
            if let reply { return reply }
            if stopped { throw RequestError.repliesStopped(requestID: requestID) }
            if time.now >= deadline { throw RequestError.timedOut(requestID: requestID, awaiting: awaitingName, after: timeout) }
            try Task.checkCancellation()
            await signal.wait(until: deadline, on: time)
        }
    }
}
