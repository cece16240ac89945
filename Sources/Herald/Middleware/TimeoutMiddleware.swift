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

    /// Creates a timeout middleware.
    ///
    /// - Parameter limit: how long the rest of the chain may run; must be positive.
    /// - Throws: ``MiddlewareConfigurationError`` when `limit` is zero or negative.
    public init(limit: Duration) throws(MiddlewareConfigurationError) {
        guard limit > .zero else {
            throw .invalidSetting(component: "TimeoutMiddleware", setting: "limit", value: "\(limit)", rule: "must be positive")
        }
        self.limit = limit
    }

    /// Runs `next` with the deadline.
    ///
    /// - Throws: ``HandlerTimeoutError`` when the limit passes first; otherwise whatever `next` throws.
    public func handle(_ context: MessageContext, next: MessageHandler) async throws {
        let limit = self.limit
        let timeout = HandlerTimeoutError(limit: limit, eventID: context.event.id, eventType: context.event.type)
        // The group awaits both children before it returns, so `next` does not outlive this call.
        try await withoutActuallyEscaping(next) { next in
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    try await next(context)
                }
                group.addTask {
                    try await Task.sleep(for: limit)
                    throw timeout
                }
                // Whichever child finishes first decides; the other is cancelled and awaited by the group.
                defer { group.cancelAll() }
                try await group.next()
            }
        }
    }
}
