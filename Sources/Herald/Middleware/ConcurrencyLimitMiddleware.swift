/// Lets at most ``limit`` deliveries into the rest of the chain at once, across every delivery that goes
/// through this middleware (and its copies: they share one ``AsyncSemaphore``).
///
/// Deliveries over the limit wait in line, first come first served; a waiting delivery whose task is
/// cancelled leaves the line and fails with `CancellationError` without running the handler. The line
/// holds only the waiting tasks themselves: how many can wait is bounded by how many deliveries the
/// consumer holds (the subscription's `prefetch`). Waiting time counts against the ack deadline, so put
/// a concurrency limit inside any middleware that extends it, or keep limits and deadlines in proportion.
public struct ConcurrencyLimitMiddleware: Middleware {
    /// The most handlers running at once.
    public let limit: Int
    private let semaphore: AsyncSemaphore

    /// Creates a concurrency limit.
    ///
    /// - Parameter limit: the most handlers running at once; at least 1.
    /// - Throws: ``MiddlewareConfigurationError`` when `limit` is less than 1.
    public init(limit: Int) throws(MiddlewareConfigurationError) {
        guard limit >= 1 else {
            throw .invalidSetting(component: "ConcurrencyLimitMiddleware", setting: "limit", value: "\(limit)", rule: "must be at least 1")
        }
        self.limit = limit
        self.semaphore = try AsyncSemaphore(limit: limit)
    }

    /// How many handlers run inside the limit right now.
    public var runningCount: Int { limit - semaphore.availablePermits }

    /// How many deliveries wait for a slot right now.
    public var waitingCount: Int { semaphore.waitingCount }

    /// Waits for a free slot, then runs `next` in it.
    ///
    /// - Throws: `CancellationError` when cancelled while waiting; otherwise whatever `next` throws.
    public func handle(_ context: MessageContext, next: MessageHandler) async throws {
        try await semaphore.wait()
        defer { semaphore.signal() }
        try await next(context)
    }
}
