import Herald
import HeraldTesting
import Synchronization

/// A payment request: the defective and the correct payment handlers charge it.
struct PaymentRequested: TypedEvent, Equatable {
    static let eventType = "verify.payment.requested"
    var order: String
    var cents: Int
    var subject: String? { order }
}

/// A balance as of a version: the order-dependent handler keeps the last one to arrive.
struct BalanceChanged: TypedEvent, Equatable {
    static let eventType = "verify.balance.changed"
    var account: String
    var version: Int
    var balance: Int
    var subject: String? { account }
}

/// A sensor reading: the timestamp-keyed handler de-duplicates readings by `time`.
struct ReadingTaken: TypedEvent, Equatable {
    static let eventType = "verify.reading.taken"
    var sensor: String
    var value: Int
    var subject: String? { sensor }
}

/// State the test handlers keep: named integers, as a value to compare between runs.
final class Tally: Sendable {
    // Mutex: handlers of several consumers write; the verifier reads at the end.
    private let values = Mutex<[String: Int]>([:])
    private let seen = Mutex<Set<String>>([])

    func add(_ amount: Int, to key: String) { values.withLock { $0[key, default: 0] += amount } }
    func set(_ value: Int, for key: String) { values.withLock { $0[key] = value } }
    func value(_ key: String) -> Int? { values.withLock { $0[key] } }
    /// Inserts `marker`, `false` when it was there already.
    func firstTime(_ marker: String) -> Bool { seen.withLock { $0.insert(marker).inserted } }
    var snapshot: [String: Int] { values.withLock { $0 } }
}

/// Five payments on three orders, two seconds apart.
func paymentScenario() throws -> Scenario {
    var scenario = Scenario(name: "payments")
    for (index, order) in ["A-1", "A-2", "A-3", "A-4", "A-5"].enumerated() {
        try scenario.publish(PaymentRequested(order: order, cents: 100 * (index + 1)), to: "payments", after: .seconds(2))
    }
    return scenario
}
