/// A token bucket on elapsed time: it holds up to `size` tokens, refills at `rate` per second, and a
/// request takes one. A value with no clock: each call gives the time it happens at.
struct TokenBucket: Sendable, Equatable {
    /// Tokens per second.
    let rate: Double
    /// The most tokens held.
    let size: Double
    private var tokens: Double
    private var updatedAt: Duration

    /// A full bucket at `now`.
    init(rate: Double, size: Double, now: Duration) {
        self.rate = rate
        self.size = size
        self.tokens = size
        self.updatedAt = now
    }

    /// Takes a token at `now`: `nil` when one was there, else how long until one will be.
    mutating func take(now: Duration) -> Duration? {
        refill(now: now)
        if tokens >= 1 {
            tokens -= 1
            return nil
        }
        return .seconds((1 - tokens) / rate)
    }

    private mutating func refill(now: Duration) {
        let elapsed = now - updatedAt
        guard elapsed > .zero else { return }
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        tokens = min(size, tokens + seconds * rate)
        updatedAt = now
    }
}
