/// The engine behind a ``Subscription``; each backend provides one.
public protocol SubscriptionSource: Sendable {
    /// The next delivery, waiting while none is ready or the subscriber holds its full prefetch of
    /// unsettled deliveries; `nil` once the subscription is closed.
    ///
    /// - Throws: ``BrokerError`` when the broker fails, `CancellationError` when the task is cancelled.
    func next() async throws -> Delivery?

    /// Up to `maximum` deliveries: waits like ``next()`` for the first, then adds what is ready at once
    /// (within the prefetch bound) without waiting; empty once the subscription is closed.
    ///
    /// - Throws: ``BrokerError`` when the broker fails, `CancellationError` when the task is cancelled.
    func next(upTo maximum: Int) async throws -> [Delivery]

    /// Stops handing out deliveries: ``next()`` returns `nil` from now on, while deliveries already handed
    /// out can still be settled. Use it to shut down gracefully, then ``close()``.
    func drain() async

    /// Stops the subscription. Deliveries it handed out and that are still unsettled are released for
    /// redelivery at once (their attempt still counts). Safe to call more than once.
    func close() async

    /// Whether the subscription ended because its broker began a graceful shutdown (and waits for its
    /// subscribers to settle and leave), rather than being drained or closed by its owner.
    var endedByBrokerShutdown: Bool { get async }
}

extension SubscriptionSource {
    /// `false`: for backends that end subscriptions only when they close.
    public var endedByBrokerShutdown: Bool {
        get async { false }
    }

    /// One delivery at a time: for backends without a batch path.
    public func next(upTo maximum: Int) async throws -> [Delivery] {
        guard let delivery = try await next() else { return [] }
        return [delivery]
    }
}

/// A consumer group member's stream of deliveries from one topic.
///
/// The stream is bounded: the broker hands this subscriber at most `prefetch` unsettled deliveries and
/// then waits until some are settled, so a slow consumer slows delivery instead of buffering without
/// limit. Call ``close()`` when done; unsettled deliveries are then released to other members at once.
/// Several tasks may call ``next()`` on one subscription: each delivery goes to one of them, within the one
/// prefetch bound. For parallel handling, hand deliveries to other tasks (as ``Consumer`` does) or open one
/// subscription per worker, each with a prefetch of its own.
public struct Subscription: AsyncSequence, Sendable {
    /// The topic subscribed to.
    public let topic: String
    /// The consumer group.
    public let group: String
    private let source: any SubscriptionSource

    /// Wraps a backend's source.
    public init(topic: String, group: String, source: any SubscriptionSource) {
        self.topic = topic
        self.group = group
        self.source = source
    }

    /// The next delivery, or `nil` once closed. The embedded log and the in-memory broker take a few
    /// deliveries ahead in one step; those not handed out within 100 ms (or a quarter of the ack deadline),
    /// or at drain or close, go back to the group without counting as an attempt. - Throws: ``BrokerError`` or `CancellationError`.
    public func next() async throws -> Delivery? {
        try await source.next()
    }

    /// Up to `maximum` deliveries at once: waits for the first, then adds those ready now, within the
    /// prefetch bound. Every one is handed to the caller (none is held back), so settle each — for
    /// example all together with ``Delivery/ack(_:)``. Empty once closed. Backends that can take
    /// several events in one step (the embedded log, the in-memory broker) make a stream of batches much
    /// cheaper per event than one ``next()`` per event.
    ///
    /// - Throws: ``BrokerError`` or `CancellationError`.
    public func next(upTo maximum: Int) async throws -> [Delivery] {
        try await source.next(upTo: Swift.max(1, maximum))
    }

    /// Stops handing out deliveries while those handed out can still be settled (graceful shutdown).
    public func drain() async {
        await source.drain()
    }

    /// Stops the subscription and releases its unsettled deliveries.
    public func close() async {
        await source.close()
    }

    /// Whether the subscription ended because its broker began a graceful shutdown: the broker waits for
    /// its subscribers to settle what they hold and leave. ``Consumer`` then waits for its own shutdown
    /// rather than returning early.
    public var endedByBrokerShutdown: Bool {
        get async { await source.endedByBrokerShutdown }
    }

    /// Iterates the deliveries.
    public struct AsyncIterator: AsyncIteratorProtocol {
        let source: any SubscriptionSource

        /// The next delivery, or `nil` once closed.
        public mutating func next() async throws -> Delivery? {
            try await source.next()
        }
    }

    /// Creates an iterator.
    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(source: source)
    }
}
