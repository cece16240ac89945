/// One way production goes wrong, as the verifier plays it: a misconception of seed 003 made into a
/// schedule. Profiles that rewrite what is published (reordering, skewed times, conflicting payloads)
/// change the scenario; those of the broker (duplicates, lost acks, crashes) change the deliveries; those
/// of dependencies (slow, failing, down) change what ``SimulatedDependency`` calls do.
public struct FaultProfile: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The kinds of fault.
    public enum Kind: String, Sendable, Hashable, Codable, CaseIterable {
        /// A delivery is handed out a second time at once (the broker redelivers after a lost ack).
        case duplicateDelivery = "duplicate-delivery"
        /// An event is published again days later, after the broker's de-duplication window.
        case duplicateDaysLater = "duplicate-days-later"
        /// Every delivery is handed out several times at once.
        case redeliveryStorm = "redelivery-storm"
        /// The handler's acknowledgement is lost after its side effects: the broker redelivers after the
        /// ack deadline.
        case lostAcknowledgement = "lost-ack"
        /// The consumer process dies right after a side effect (a dependency call or a publish): its
        /// in-flight work is lost and it restarts.
        case consumerCrash = "consumer-crash"
        /// Events are published out of order: neighbours swapped, across keys too.
        case reorderedPublishing = "reordered-publishing"
        /// Some events reach the broker hours or days late.
        case delayedPublishing = "delayed-publishing"
        /// Events carry a `time` from the future or the past (a producer's skewed clock).
        case skewedTime = "skewed-time"
        /// Distinct events carry the same `time`, to the millisecond.
        case sameTimestamp = "same-timestamp"
        /// The producer sends an event again under the same id (its idempotency key) with a different payload.
        case conflictingPayload = "conflicting-payload"
        /// Malformed and poison events of the handled types are mixed in.
        case malformedEvents = "malformed-events"
        /// Everything is published at once, far over the consumers' rate.
        case burst
        /// Dependency calls take long (their effect happens, the answer is slow).
        case slowDependency = "slow-dependency"
        /// Dependency calls fail now and then, some after their effect happened (the answer is lost).
        case failingDependency = "failing-dependency"
        /// A dependency refuses every call for an hour.
        case dependencyOutage = "dependency-outage"
        /// Two instances of each consumer share its group.
        case competingConsumers = "competing-consumers"
    }

    /// The kind of fault.
    public var kind: Kind
    /// How likely each place the fault can strike is to be struck (0...1).
    public var probability: Double
    /// How long: the delay of late publishing and of days-later duplicates, the latency of a slow
    /// dependency, the length of an outage.
    public var duration: Duration

    /// A profile.
    public init(_ kind: Kind, probability: Double = 0.5, duration: Duration? = nil) {
        self.kind = kind
        self.probability = probability
        self.duration = duration ?? Self.defaultDuration(of: kind)
    }

    /// Every kind with its defaults.
    public static var all: [FaultProfile] { Kind.allCases.map { FaultProfile($0) } }

    /// The kind's name.
    public var description: String { kind.rawValue }

    /// Whether the profile acts on dependency calls only (and has nothing to do without them).
    public var needsDependencies: Bool {
        switch kind {
        case .slowDependency, .failingDependency, .dependencyOutage: true
        default: false
        }
    }

    private static func defaultDuration(of kind: Kind) -> Duration {
        switch kind {
        case .duplicateDaysLater: .seconds(3 * 86_400)
        case .delayedPublishing: .seconds(26 * 3_600)
        case .skewedTime: .seconds(400 * 86_400)
        case .slowDependency: .seconds(45)
        case .dependencyOutage: .seconds(3_600)
        default: .zero
        }
    }
}
