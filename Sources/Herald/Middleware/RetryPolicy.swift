/// How ``RetryMiddleware`` spaces its attempts: capped exponential backoff, with "full jitter" by default.
///
/// The delay before retry `n` (1 for the retry after the first failure) is based on
/// `min(maximumDelay, initialDelay * multiplier^(n-1))`. With ``Jitter/full`` the delay is a random value
/// between zero and that cap (the AWS "full jitter" scheme), which spreads out consumers that failed
/// together so they do not retry in lockstep; with ``Jitter/none`` it is the cap itself.
public struct RetryPolicy: Sendable, Hashable {
    /// Whether and how the backoff is randomised.
    public enum Jitter: Sendable, Hashable {
        /// The delay is exactly the capped exponential backoff.
        case none
        /// The delay is uniformly random between zero and the capped exponential backoff.
        case full
    }

    /// The most times the handler runs for one delivery, counting the first try. Default 3; at least 1.
    public var maximumAttempts: Int
    /// The backoff before the first retry, before jitter. Default 100 ms; not negative.
    public var initialDelay: Duration
    /// The longest backoff, before jitter. Default 10 s; not less than ``initialDelay``.
    public var maximumDelay: Duration
    /// How much the backoff grows with each retry. Default 2; at least 1.
    public var multiplier: Double
    /// How the backoff is randomised. Default ``Jitter/full``.
    public var jitter: Jitter

    /// Creates a policy with the defaults stated on each property. Check it with ``validate()``;
    /// ``RetryMiddleware`` does so when created.
    public init(
        maximumAttempts: Int = 3,
        initialDelay: Duration = .milliseconds(100),
        maximumDelay: Duration = .seconds(10),
        multiplier: Double = 2,
        jitter: Jitter = .full
    ) {
        self.maximumAttempts = maximumAttempts
        self.initialDelay = initialDelay
        self.maximumDelay = maximumDelay
        self.multiplier = multiplier
        self.jitter = jitter
    }

    /// Checks every value against the rule stated on its property.
    ///
    /// - Throws: ``MiddlewareConfigurationError`` naming the first setting out of range.
    public func validate() throws(MiddlewareConfigurationError) {
        func require(
            _ condition: Bool, _ setting: String, _ value: some CustomStringConvertible, _ rule: String
        )
            throws(MiddlewareConfigurationError)
        {
            if !condition {
                throw .invalidSetting(component: "RetryPolicy", setting: setting, value: value.description, rule: rule)
            }
        }
        try require(maximumAttempts >= 1, "maximumAttempts", maximumAttempts, "must be at least 1")
        try require(initialDelay >= .zero, "initialDelay", initialDelay, "must not be negative")
        try require(maximumDelay >= initialDelay, "maximumDelay", maximumDelay, "must not be less than initialDelay (\(initialDelay))")
        try require(multiplier.isFinite && multiplier >= 1, "multiplier", multiplier, "must be a finite number of at least 1")
    }

    /// The backoff before retry number `retry` (1 for the retry after the first failure; values below 1
    /// count as 1), drawing jitter from `generator`. Never negative, never more than ``maximumDelay``
    /// (or ``initialDelay`` if that is larger).
    public func delay(beforeRetry retry: Int, using generator: inout some RandomNumberGenerator) -> Duration {
        let cap = backoff(beforeRetry: retry)
        switch jitter {
        case .none:
            return cap
        case .full:
            // A fraction of at most 1 keeps the product within `cap`, so nothing can overflow.
            return cap * Double.random(in: 0...1, using: &generator)
        }
    }

    /// The backoff before retry number `retry`, with jitter from the system's random number generator.
    public func delay(beforeRetry retry: Int) -> Duration {
        var generator = SystemRandomNumberGenerator()
        return delay(beforeRetry: retry, using: &generator)
    }

    /// `min(maximumDelay, initialDelay * multiplier^(retry-1))`, computed without overflow.
    private func backoff(beforeRetry retry: Int) -> Duration {
        let initialSeconds = Self.seconds(initialDelay)
        let maximumSeconds = Self.seconds(maximumDelay)
        guard initialSeconds > 0 else { return .zero }
        let ceiling = Swift.max(maximumDelay, initialDelay)
        var factor = 1.0
        if multiplier > 1 {
            // Multiply step by step and stop at the cap: at most a few hundred steps, never infinity.
            var remaining = max(retry, 1) - 1
            while remaining > 0 {
                factor *= multiplier
                remaining -= 1
                if !factor.isFinite || initialSeconds * factor >= maximumSeconds {
                    return ceiling
                }
            }
        }
        return initialSeconds * factor >= maximumSeconds ? ceiling : initialDelay * factor
    }

    private static func seconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        return Double(seconds) + Double(attoseconds) * 1e-18
    }
}
