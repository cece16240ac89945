import Synchronization

/// A card terminal that times out a given number of times for some orders before it works: the flaky
/// downstream dependency every real payment flow has.
final class PaymentGateway: Sendable {
    /// The terminal did not answer in time; worth retrying.
    struct Timeout: Error, CustomStringConvertible {
        let orderID: String
        let attempt: Int
        var description: String { "card terminal timed out charging order \(orderID) (attempt \(attempt))" }
    }

    private let failuresBeforeSuccess: [String: Int]
    // Mutex: handlers for different orders charge concurrently.
    private let attempts = Mutex<[String: Int]>([:])

    init(failuresBeforeSuccess: [String: Int]) {
        self.failuresBeforeSuccess = failuresBeforeSuccess
    }

    /// Charges an order; throws ``Timeout`` while the order's planned failures last.
    func charge(orderID: String, cents: Int) throws -> Int {
        let attempt = attempts.withLock { attempts -> Int in
            attempts[orderID, default: 0] += 1
            return attempts[orderID, default: 0]
        }
        if attempt <= failuresBeforeSuccess[orderID, default: 0] {
            throw Timeout(orderID: orderID, attempt: attempt)
        }
        return attempt
    }
}
