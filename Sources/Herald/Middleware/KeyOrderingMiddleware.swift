/// Runs the handlers of one partition key one at a time, in arrival order, while different keys run in
/// parallel.
///
/// Together with ``SubscriptionOptions/Ordering/perKey`` (which stops the broker from handing out a
/// later event of a key while an earlier one is unacknowledged, redeliveries included) this gives
/// per-key ordering with parallelism across keys. Events without a key are not serialised.
public struct KeyOrderingMiddleware: Middleware {
    private let locks: KeyedLock

    /// Creates the middleware; deliveries sharing one instance are serialised per key.
    public init() {
        self.locks = KeyedLock()
    }

    /// Runs `next` while holding the event's key.
    public func handle(_ context: MessageContext, next: MessageHandler) async throws {
        guard let key = context.event.partitionKey else {
            try await next(context)
            return
        }
        try await locks.withLock(key) {
            try await next(context)
        }
    }
}
