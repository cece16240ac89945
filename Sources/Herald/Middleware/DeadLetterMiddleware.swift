import Logging

/// Turns a handler's failure into the right settlement, so that no failure is silent:
///
/// - a **permanent** failure (see ``ErrorClassifier``) rejects the delivery: the event goes to the group's
///   dead-letter topic at once, with the error's type and message recorded;
/// - a **retryable** failure nacks it with a growing delay, so the broker redelivers it; once the group's
///   maximum deliveries is reached the broker dead-letters it with the last failure recorded;
/// - cancellation (shutdown) is passed on: the consumer releases the delivery for redelivery.
///
/// Place it outside ``RetryMiddleware`` so in-process retries run first and only their final failure
/// reaches the broker.
public struct DeadLetterMiddleware: Middleware {
    /// Decides retryable versus permanent. Default ``ErrorClassifier/standard``.
    public let classifier: ErrorClassifier
    /// The redelivery delay after a retryable failure on a given attempt (1 for the first delivery).
    /// Default: 1 s doubled per attempt, at most 60 s.
    public let redeliveryDelay: @Sendable (Int) -> Duration

    /// Creates the middleware with the defaults stated on its properties.
    public init(
        classifier: ErrorClassifier = .standard,
        redeliveryDelay: @escaping @Sendable (Int) -> Duration = DeadLetterMiddleware.doublingDelay
    ) {
        self.classifier = classifier
        self.redeliveryDelay = redeliveryDelay
    }

    /// 1 s doubled per attempt, at most 60 s.
    public static let doublingDelay: @Sendable (Int) -> Duration = { attempt in
        .seconds(min(60, 1 << min(max(attempt - 1, 0), 6)))
    }

    /// Runs `next` and settles its failure.
    public func handle(_ context: MessageContext, next: MessageHandler) async throws {
        do {
            try await next(context)
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            let failure = DeliveryFailure(error)
            var logger = context.logger
            logger[metadataKey: LogKey.errorType] = "\(failure.errorType)"
            logger[metadataKey: LogKey.error] = "\(failure.message)"
            switch classifier.classify(error) {
            case .permanent:
                if try await context.settle(.reject(failure: failure)) {
                    logger.error("permanent failure; event dead-lettered")
                }
            case .retryable:
                let delay = redeliveryDelay(context.delivery.attempt)
                if try await context.settle(.nack(retryAfter: delay, failure: failure)) {
                    logger.warning("retryable failure; redelivery requested", metadata: ["herald.retry.after": "\(delay)"])
                }
            }
        }
    }
}
