/// Where one instance of an orchestrated saga is: persisted after every change, in its own stream of
/// the event store, with optimistic concurrency.
public struct SagaState: Codable, Sendable, Hashable {
    /// What the instance is doing.
    public enum Status: String, Codable, Sendable, Hashable {
        /// Running its steps.
        case running
        /// Every step completed.
        case completed
        /// A step failed or timed out; the completed steps' compensations were sent, in reverse order.
        case compensated
    }

    /// The instance's correlation id.
    public var correlationID: String
    /// What it is doing.
    public var status: Status
    /// The step running now (its index), while ``status`` is running.
    public var step: Int
    /// The steps completed, in order.
    public var completed: [String]
    /// Facts gathered (see ``SagaContext``).
    public var facts: [String: String]
    /// Ids of the events handled last (at most ``rememberedEvents``), so a duplicate changes nothing.
    public var handledEvents: [String]
    /// What happened, one line per change, for following the flow afterwards.
    public var trace: [String]

    /// How many handled event ids an instance remembers.
    public static let rememberedEvents = 256

    /// A new instance at its first step.
    public init(correlationID: String, facts: [String: String]) {
        self.correlationID = correlationID
        self.status = .running
        self.step = 0
        self.completed = []
        self.facts = facts
        self.handledEvents = []
        self.trace = []
    }
}
