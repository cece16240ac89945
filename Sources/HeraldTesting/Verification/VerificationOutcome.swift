import Herald

/// What one run of a scenario left: the team's state, the side effects in order, the dead letters, what
/// did not settle, and the events a profile added.
public struct VerificationOutcome<State: Equatable & Sendable>: Sendable {
    /// An event that reached a dead-letter topic.
    public struct DeadLettered: Sendable, Hashable, Codable {
        /// The event's id.
        public var eventID: String
        /// Where it was stored: `topic/partition@offset`.
        public var storedAt: String
        /// The group that gave up on it.
        public var group: String
        /// Why, as recorded.
        public var failure: String
    }

    /// The state the handlers left.
    public var state: State
    /// Side effects in the order they happened.
    public var effects: [SideEffect]
    /// Events the groups gave up on.
    public var deadLetters: [DeadLettered]
    /// Groups that had not settled every event when the run ended, with their lag.
    public var unsettled: [String]
    /// Events the profile added (malformed, poison, conflicting copies) by where they were stored, with
    /// their kind.
    public var injected: [String: String]
    /// The faults that struck.
    public var faults: [FaultSite]
    /// Dependency calls made.
    public var dependencyCalls: Int
    /// Simulated time the run took.
    public var simulatedDuration: Duration
}
