/// Something a handler did to the world outside the broker during a verification: a call of a
/// ``SimulatedDependency`` that took effect, or an event it published.
public struct SideEffect: Sendable, Hashable, Codable, CustomStringConvertible {
    /// Where it went: a dependency's name, or `publish <topic>`.
    public var target: String
    /// What was done, as the handler named it (`charge A-1 450`), or a published event's type and data.
    public var effect: String
    /// The key whose effects must keep their order (an order id), when the handler gave one.
    public var key: String?
    /// The event being handled when it happened, and where it was stored (`orders/0@3`).
    public var causedBy: String
    /// Where the causing event was stored: `topic/partition@offset`.
    public var causedAt: String
    /// The consumer group handling it.
    public var group: String
    /// Simulated time, from the scenario's start.
    public var at: Duration

    /// A side effect.
    public init(target: String, effect: String, key: String?, causedBy: String, causedAt: String, group: String, at: Duration) {
        self.target = target
        self.effect = effect
        self.key = key
        self.causedBy = causedBy
        self.causedAt = causedAt
        self.group = group
        self.at = at
    }

    /// What two runs compare: the target and the effect.
    public var identity: String { "\(target): \(effect)" }

    /// `target: effect (event)`.
    public var description: String { "\(identity) (handling \(causedBy))" }
}
