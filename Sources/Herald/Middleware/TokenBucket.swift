import Synchronization

/// The bucket of a ``RateLimitMiddleware``, shared by its copies.
///
/// Tokens may go negative: each negative token is a reservation by a waiting delivery, which sleeps until
/// the refill has paid it off.
final class TokenBucket: Sendable {
    private struct State {
        var tokens: Double
        var updatedAt: ContinuousClock.Instant
    }

    private let rate: Double
    private let capacity: Double
    private let now: @Sendable () -> ContinuousClock.Instant
    private let state: Mutex<State>

    init(rate: Double, capacity: Double, now: @escaping @Sendable () -> ContinuousClock.Instant) {
        self.rate = rate
        self.capacity = capacity
        self.now = now
        self.state = Mutex(State(tokens: capacity, updatedAt: now()))
    }

    /// Takes a token and returns how long to wait until it has accrued (zero if it was there).
    func take() -> Duration {
        let current = now()
        return state.withLock { state in
            refill(&state, at: current)
            state.tokens -= 1
            guard state.tokens < 0 else { return .zero }
            return .seconds(-state.tokens / rate)
        }
    }

    /// Returns a token taken by a delivery that then gave up waiting.
    func giveBack() {
        let current = now()
        state.withLock { state in
            refill(&state, at: current)
            state.tokens = min(state.tokens + 1, capacity)
        }
    }

    private func refill(_ state: inout State, at current: ContinuousClock.Instant) {
        let elapsed = current - state.updatedAt
        guard elapsed > .zero else { return }
        let (seconds, attoseconds) = elapsed.components
        let elapsedSeconds = Double(seconds) + Double(attoseconds) * 1e-18
        state.tokens = min(state.tokens + elapsedSeconds * rate, capacity)
        state.updatedAt = current
    }
}
