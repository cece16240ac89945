/// What one service knew of the others in a flow: the sources of the events it reacted to.
public struct ServiceAcquaintance: Sendable, Hashable {
    /// The service (an event `source`).
    public var service: String
    /// The services whose events it reacted to, sorted.
    public var knows: [String]

    /// `service` reacted to the events of `knows`.
    public init(service: String, knows: [String]) {
        self.service = service
        self.knows = knows
    }
}
