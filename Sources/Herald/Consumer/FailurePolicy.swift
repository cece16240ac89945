/// How a consumer handles a handler's failure, built into its middleware in the one order that works:
/// in-process retries first (``RetryMiddleware``), then the broker's redelivery with a growing delay, then
/// dead letters (``DeadLetterMiddleware``, outside the retries, so that it settles only their final
/// failure).
public struct FailurePolicy: Sendable {
    /// Decides which failures are retried and which are dead-lettered at once. Default
    /// ``ErrorClassifier/standard``.
    public var classifier: ErrorClassifier
    /// In-process retries before a failure goes back to the broker; `nil` for none. Default `nil`.
    public var retry: RetryPolicy?
    /// The broker's redelivery delay after a retryable failure on a given attempt (1 for the first
    /// delivery). Default ``DeadLetterMiddleware/doublingDelay`` (1 s doubled per attempt, at most 60 s).
    public var redeliveryDelay: @Sendable (Int) -> Duration
    /// The clock in-process retries wait on.
    private let time: TimeSource

    /// A policy with the defaults stated on each property; `clock` is what in-process retries wait on
    /// (default `ContinuousClock`; a test passes a manual clock).
    public init(
        classifier: ErrorClassifier = .standard,
        retry: RetryPolicy? = nil,
        redeliveryDelay: @escaping @Sendable (Int) -> Duration = DeadLetterMiddleware.doublingDelay,
        clock: some Clock<Duration> = ContinuousClock()
    ) {
        self.classifier = classifier
        self.retry = retry
        self.redeliveryDelay = redeliveryDelay
        self.time = TimeSource(clock)
    }

    /// Checks the retry policy.
    ///
    /// - Throws: ``ConsumerConfigurationError`` naming the retry setting that is out of range.
    public func validate() throws(ConsumerConfigurationError) {
        guard let retry else { return }
        do {
            try retry.validate()
        } catch {
            throw .invalidSetting("failurePolicy.retry", value: "\(retry)", rule: "must be a valid retry policy: \(error.message)")
        }
    }

    /// The middleware, outermost first: dead letters, then retries when there are any. An invalid retry
    /// policy is left out (``validate()`` reports it; ``Consumer/run()`` refuses to start).
    public var middleware: [any Middleware] {
        var middleware: [any Middleware] = [DeadLetterMiddleware(classifier: classifier, redeliveryDelay: redeliveryDelay)]
        let time = self.time
        if let retry, let retrying = try? RetryMiddleware(policy: retry, classifier: classifier, sleep: { try await time.sleep(for: $0) }) {
            middleware.append(retrying)
        }
        return middleware
    }
}
