/// Lets deliveries into the rest of the chain at a steady rate, with bursts: a token bucket.
///
/// The bucket holds up to ``burst`` tokens and refills at ``eventsPerSecond``; it starts full. Each
/// delivery takes a token, waiting until one has accrued if the bucket is empty. Tokens are handed out
/// in the order deliveries arrive: a delivery that must wait reserves the next token to accrue and sleeps
/// until then, so no queue is kept beyond the waiting tasks themselves (bounded by the subscription's
/// `prefetch`). A delivery cancelled while waiting gives its token back and fails with
/// `CancellationError` without running the handler. Waiting counts against the ack deadline.
public struct RateLimitMiddleware: Middleware {
    /// The steady rate, in deliveries per second.
    public let eventsPerSecond: Double
    /// The most deliveries let through at once after a quiet period.
    public let burst: Int
    private let bucket: TokenBucket
    private let sleep: @Sendable (Duration) async throws -> Void

    /// Creates a rate limit.
    ///
    /// - Parameters:
    ///   - eventsPerSecond: the steady rate; positive and finite.
    ///   - burst: the bucket's size; at least 1.
    ///   - now: the current time; default `ContinuousClock.now`. Tests pass a controlled clock.
    ///   - sleep: waits for a token; default `Task.sleep(for:)`. Tests pass one that advances their clock.
    /// - Throws: ``MiddlewareConfigurationError`` when a setting is out of range.
    public init(
        eventsPerSecond: Double,
        burst: Int,
        now: @escaping @Sendable () -> ContinuousClock.Instant = { ContinuousClock.now },
        sleep: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) }
    ) throws(MiddlewareConfigurationError) {
        guard eventsPerSecond.isFinite, eventsPerSecond > 0 else {
            throw .invalidSetting(
                component: "RateLimitMiddleware", setting: "eventsPerSecond", value: "\(eventsPerSecond)",
                rule: "must be a positive finite number"
            )
        }
        guard burst >= 1 else {
            throw .invalidSetting(component: "RateLimitMiddleware", setting: "burst", value: "\(burst)", rule: "must be at least 1")
        }
        self.eventsPerSecond = eventsPerSecond
        self.burst = burst
        self.bucket = TokenBucket(rate: eventsPerSecond, capacity: Double(burst), now: now)
        self.sleep = sleep
    }

    /// Waits for a token, then runs `next`.
    ///
    /// - Throws: `CancellationError` when cancelled while waiting; otherwise whatever `next` throws.
    public func handle(_ context: MessageContext, next: MessageHandler) async throws {
        try Task.checkCancellation()
        let wait = bucket.take()
        if wait > .zero {
            do {
                try await sleep(wait)
                try Task.checkCancellation()
            } catch {
                bucket.giveBack()
                throw error
            }
        }
        try await next(context)
    }
}
