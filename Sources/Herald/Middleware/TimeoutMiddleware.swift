/// Gives the rest of the chain a deadline: if it has not finished within ``limit``, its task is cancelled
/// and ``HandlerTimeoutError`` is thrown.
///
/// The chain runs in a child task that races a sleep of ``limit``. Cancellation in Swift is cooperative:
/// the handler is told to stop, and the error is thrown once it has (a handler that ignores cancellation
/// holds the timeout back until it returns, but it never keeps running after the middleware returns).
/// If the handler finishes, successfully or not, before the limit, its own result is passed on.
public struct TimeoutMiddleware: Middleware {
    /// How long the rest of the chain may run.
    public let limit: Duration
    private let time: TimeSource

    /// Creates a timeout middleware.
    ///
    /// - Parameters:
    ///   - limit: how long the rest of the chain may run; must be positive.
    ///   - clock: the clock the limit is measured on; default `ContinuousClock`. A test passes a manual
    ///     clock and advances it past the limit.
    /// - Throws: ``MiddlewareConfigurationError`` when `limit` is zero or negative.
    public init(limit: Duration, clock: some Clock<Duration> = ContinuousClock()) throws(MiddlewareConfigurationError) {
        guard limit > .zero else {
            throw .invalidSetting(component: "TimeoutMiddleware", setting: "limit", value: "\(limit)", rule: "must be positive")
        }
        self.limit = limit
        self.time = TimeSource(clock)
    }

    /// Runs `next` with the deadline.
    ///
    /// - Throws: ``HandlerTimeoutError`` when the limit passes first; otherwise whatever `next` throws.
    public func handle(_ context: MessageContext, next: MessageHandler) async throws {
        let limit = self.limit
        let time = self.time
        let timeout = HandlerTimeoutError(limit: limit, eventID: context.event.id, eventType: context.event.type)
        // The group awaits both children before it returns, so `next` does not outlive this call.
        try await withoutActuallyEscaping(next) { next in
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    try await next(context)
                }
                group.addTask {
                    try await time.sleep(for: limit)
                    throw timeout
                }
                // Whichever child finishes first decides; the other is cancelled and awaited by the group.
                defer { group.cancelAll() }
                try await group.next()
            }
        }
    }
}
