import Logging

/// Logs each delivery's handling with the context's logger (which carries the topic, group, partition,
/// offset, event id, type and attempt): "handling event" when it starts and "handled event" with its
/// duration (`herald.duration`) when it succeeds, both at ``level``; "handler failed" with its duration and
/// `herald.error.type`/`herald.error` at `warning` when it throws. The error is rethrown unchanged.
public struct LoggingMiddleware: Middleware {
    /// The level of the start and success messages.
    public let level: Logger.Level

    /// Creates a logging middleware.
    ///
    /// - Parameter level: the level of the start and success messages; default `debug`. Failures are
    ///   always logged at `warning`.
    public init(level: Logger.Level = .debug) {
        self.level = level
    }

    /// Logs around `next`.
    ///
    /// - Throws: whatever `next` throws.
    public func handle(_ context: MessageContext, next: MessageHandler) async throws {
        let logger = context.logger
        logger.log(level: level, "handling event")
        let clock = ContinuousClock()
        let start = clock.now
        do {
            try await next(context)
        } catch {
            logger.warning(
                "handler failed",
                metadata: [
                    Self.durationKey: "\(clock.now - start)",
                    LogKey.errorType: "\(type(of: error))",
                    LogKey.error: "\(error)",
                ]
            )
            throw error
        }
        logger.log(level: level, "handled event", metadata: [Self.durationKey: "\(clock.now - start)"])
    }

    /// The metadata key of the handling duration.
    private static let durationKey = "herald.duration"
}
