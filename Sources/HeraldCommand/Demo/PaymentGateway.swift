import Synchronization

/// A card terminal that times out a given number of times for some orders before it works: the flaky
/// downstream dependency every real payment flow has. A repeated idempotency key returns the charge it
/// already made.
final class PaymentGateway: CardTerminal {
    /// The terminal did not answer in time; worth retrying.
    struct Timeout: Error, CustomStringConvertible {
        let orderID: String
        let attempt: Int
        var description: String { "card terminal timed out charging order \(orderID) (attempt \(attempt))" }
    }

    private let failuresBeforeSuccess: [String: Int]
    // Mutex: handlers for different orders charge concurrently. Attempts by order, charges by key.
    private let state = Mutex<(attempts: [String: Int], charged: [String: Int])>(([:], [:]))

    init(failuresBeforeSuccess: [String: Int]) {
        self.failuresBeforeSuccess = failuresBeforeSuccess
    }

    /// Charges an order; throws ``Timeout`` while the order's planned failures last.
    func charge(orderID: String, cents: Int, idempotencyKey: String) throws -> Int {
        let planned = failuresBeforeSuccess[orderID, default: 0]
        let (attempt, earlier) = state.withLock { state -> (Int, Int?) in
            if let earlier = state.charged[idempotencyKey] { return (earlier, earlier) }
            state.attempts[orderID, default: 0] += 1
            let attempt = state.attempts[orderID, default: 0]
            if attempt > planned { state.charged[idempotencyKey] = attempt }
            return (attempt, nil)
        }
        if earlier == nil, attempt <= planned {
            throw Timeout(orderID: orderID, attempt: attempt)
        }
        return attempt
    }
}
