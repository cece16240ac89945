import Foundation
import Herald
import Logging
import Synchronization

/// What a team's handlers run in during one verification run: a broker that plays the run's faults, the
/// simulated clock, and simulated dependencies. Build the handlers' consumers with ``consumer(group:subscription:failurePolicy:middleware:)``
/// (or pass ``clock`` to everything that waits), call downstream systems through ``dependency(_:)``, and
/// keep your state in something the verification's `state` closure can read at the end.
public final class VerificationWorld: Sendable {
    /// The broker the handlers consume from and publish to: it plays the run's delivery faults.
    public let broker: any BrokerAdmin
    /// The simulated clock: pass it to whatever waits (middleware, retry policies, your own timers).
    public let clock: VirtualClock
    /// The faults of this run.
    public let plan: FaultPlan
    /// When the scenario starts, as a date: the simulated clock's zero.
    public let epoch: Date
    /// A logger that discards everything, for the handlers' consumers.
    public let logger: Logger
    /// What the run records.
    let journal: RunJournal
    // Mutex: dependencies are made on first use, from any handler.
    private let dependencies = Mutex<[String: SimulatedDependency]>([:])

    init(broker: any BrokerAdmin, journal: RunJournal, epoch: Date, logger: Logger) {
        self.broker = broker
        self.clock = journal.clock
        self.plan = journal.plan
        self.journal = journal
        self.epoch = epoch
        self.logger = logger
    }

    /// The dependency named `name` (the same object for the same name).
    public func dependency(_ name: String) -> SimulatedDependency {
        dependencies.withLock { dependencies in
            if let existing = dependencies[name] { return existing }
            let dependency = SimulatedDependency(name: name, journal: journal)
            dependencies[name] = dependency
            return dependency
        }
    }

    /// A consumer on the world's broker whose grace period and in-process retries run on the simulated
    /// clock. Defaults: the standard failure policy (redelivery after 1 s doubling to 60 s, 5 deliveries,
    /// then the dead letters).
    public func consumer(
        group: String, subscription: SubscriptionOptions = SubscriptionOptions(), failurePolicy: FailurePolicy? = nil,
        middleware: [any Middleware] = []
    ) -> Consumer {
        Consumer(
            broker: broker, configuration: ConsumerConfiguration(group: group, subscription: subscription),
            failurePolicy: failurePolicy ?? FailurePolicy(clock: clock), middleware: middleware, clock: clock, logger: logger)
    }

    /// `ContinuousClock` instants that follow the simulated clock, for APIs that take a `now` function
    /// (``InMemoryIdempotencyStore``'s): time-to-live and leases then pass in simulated time.
    public var continuousNow: @Sendable () -> ContinuousClock.Instant {
        let origin = ContinuousClock.now
        let clock = clock
        return { origin.advanced(by: clock.now.offset) }
    }

    /// The simulated time as a date.
    public var now: Date { epoch.addingTimeInterval(clock.now.offset.timeInterval) }
}
