import Synchronization

/// What the demo counts for its summary table.
final class DemoTally: Sendable {
    struct Counts: Sendable {
        var handled = 0
        var retried = 0
        var deadLettered = 0
        var duplicatesStopped = 0
        /// What the bell told each order's customer, in order.
        var told: [String: [String]] = [:]
    }

    // Mutex: every consumer's handlers count concurrently.
    private let counts = Mutex(Counts())

    func add(_ update: (inout Counts) -> Void) {
        counts.withLock { update(&$0) }
    }

    var snapshot: Counts { counts.withLock { $0 } }
}
