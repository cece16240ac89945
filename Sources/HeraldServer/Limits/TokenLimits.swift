/// What one token (or the anonymous caller) may ask of the server: a request rate with a burst, and a
/// number of requests at once (an open stream counts until it ends). `nil` leaves a bound off.
public struct TokenLimits: Sendable, Hashable {
    /// Requests per second on average; more get 429 with `Retry-After`. Default `nil`: no rate limit.
    public var requestsPerSecond: Double?
    /// Requests that may come at once above the rate (the bucket's size). Default: one second's worth,
    /// at least 1.
    public var burst: Int?
    /// Requests in progress at once, streams included; more get 429. Default 256.
    public var concurrentRequests: Int?

    /// Limits with the defaults stated on each property.
    public init(requestsPerSecond: Double? = nil, burst: Int? = nil, concurrentRequests: Int? = 256) {
        self.requestsPerSecond = requestsPerSecond
        self.burst = burst
        self.concurrentRequests = concurrentRequests
    }

    /// These limits with every bound `override` sets taken from it.
    func overridden(by override: TokenLimits?) -> TokenLimits {
        guard let override else { return self }
        return TokenLimits(
            requestsPerSecond: override.requestsPerSecond ?? requestsPerSecond,
            burst: override.burst ?? burst,
            concurrentRequests: override.concurrentRequests ?? concurrentRequests
        )
    }

    /// The bucket's size: ``burst``, else one second's worth of the rate, at least 1.
    var bucketSize: Double {
        if let burst { return Double(max(1, burst)) }
        return max(1, (requestsPerSecond ?? 1).rounded(.up))
    }
}
