import Logging

/// Retries the rest of the chain in process when it fails with a retryable error, sleeping a backoff
/// (see ``RetryPolicy``) between tries.
///
/// For each delivery the handler runs at most ``RetryPolicy/maximumAttempts`` times. After a failure the
/// middleware gives up and rethrows the error at once when any of these holds:
/// - the ``ErrorClassifier`` calls the error permanent (retrying cannot fix it);
/// - it was the last allowed attempt;
/// - the error is a `CancellationError` or the task is cancelled (the consumer is stopping);
/// - an inner step already settled the delivery (running the handler again would act on a settled
///   delivery).
///
/// Otherwise it logs the retry at `notice`, sleeps the backoff, calls ``MessageContext/inProgress()`` to
/// restart the broker's ack deadline (a failure to do so is logged at `warning` and does not stop the
/// retry), and runs the chain again. If the sleep is interrupted by cancellation, the handler's last
/// error is rethrown. In-process retries complement broker redelivery: they absorb brief glitches
/// without a round trip, while the broker's `maximumDeliveries` still bounds the total.
public struct RetryMiddleware: Middleware {
    /// The backoff and attempt limit.
    public let policy: RetryPolicy
    /// Decides which errors are worth retrying.
    public let classifier: ErrorClassifier
    private let sleep: @Sendable (Duration) async throws -> Void

    /// Creates a retry middleware.
    ///
    /// - Parameters:
    ///   - policy: the backoff and attempt limit; default ``RetryPolicy/init(maximumAttempts:initialDelay:maximumDelay:multiplier:jitter:)``
    ///     with its defaults (3 attempts, 100 ms doubling to at most 10 s, full jitter).
    ///   - classifier: which errors are retried; default ``ErrorClassifier/standard``.
    ///   - sleep: waits out a backoff; default `Task.sleep(for:)`. Tests pass one that returns at once.
    /// - Throws: ``MiddlewareConfigurationError`` when `policy` is invalid (see ``RetryPolicy/validate()``).
    public init(
        policy: RetryPolicy = RetryPolicy(),
        classifier: ErrorClassifier = .standard,
        sleep: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) }
    ) throws(MiddlewareConfigurationError) {
        try policy.validate()
        self.policy = policy
        self.classifier = classifier
        self.sleep = sleep
    }

    /// Creates a retry middleware whose backoffs wait on `clock` (a test passes a manual clock and advances
    /// it past each backoff).
    ///
    /// - Throws: ``MiddlewareConfigurationError`` when `policy` is invalid (see ``RetryPolicy/validate()``).
    public init(
        policy: RetryPolicy = RetryPolicy(),
        classifier: ErrorClassifier = .standard,
        clock: some Clock<Duration>
    ) throws(MiddlewareConfigurationError) {
        let time = TimeSource(clock)
        try self.init(policy: policy, classifier: classifier, sleep: { try await time.sleep(for: $0) })
    }

    /// Runs `next`, retrying it as described on the type.
    ///
    /// - Throws: the error of the last attempt, or a permanent error at once.
    public func handle(_ context: MessageContext, next: MessageHandler) async throws {
        var generator = RetryJitter.generator(for: context.delivery)
        var attempt = 1
        while true {
            let failure: any Error
            do {
                try await next(context)
                return
            } catch {
                failure = error
            }
            guard shouldRetry(after: failure, attempt: attempt, context: context) else {
                throw failure
            }
            let delay = policy.delay(beforeRetry: attempt, using: &generator)
            log(
                failure, as: .notice, "handler failed; retrying in process", context: context,
                metadata: [
                    "herald.retry": "\(attempt)",
                    "herald.retry.maximum": "\(policy.maximumAttempts - 1)",
                    "herald.retry.delay": "\(delay)",
                ])
            do {
                try await sleep(delay)
            } catch {
                // Interrupted (cancelled) while backing off: the handler's failure is the one to report.
                throw failure
            }
            if Task.isCancelled {
                throw failure
            }
            do {
                try await context.inProgress()
            } catch {
                log(error, as: .warning, "could not extend the ack deadline before retrying; retrying anyway", context: context)
            }
            attempt += 1
        }
    }

    private func log(
        _ error: any Error,
        as level: Logger.Level,
        _ message: Logger.Message,
        context: MessageContext,
        metadata: Logger.Metadata = [:]
    ) {
        var logger = context.logger
        logger[metadataKey: LogKey.errorType] = "\(type(of: error))"
        logger[metadataKey: LogKey.error] = "\(error)"
        logger.log(level: level, message, metadata: metadata)
    }

    private func shouldRetry(after error: any Error, attempt: Int, context: MessageContext) -> Bool {
        attempt < policy.maximumAttempts
            && !(error is CancellationError)
            && !Task.isCancelled
            && context.settlement == nil
            && classifier.classify(error) == .retryable
    }
}
