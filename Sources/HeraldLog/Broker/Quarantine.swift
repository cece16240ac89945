/// A topic or consumer group the log did not open because its metadata is damaged, missing or contradicts
/// what is on disk. The rest of the broker serves; nothing of it is deleted or overwritten. Calls that need
/// it fail with a ``Herald/BrokerError`` that quotes ``reason`` and says how to repair it.
public struct Quarantine: Sendable, Hashable, CustomStringConvertible {
    /// The topic, or the group as `topic/group`.
    public var name: String
    /// The metadata file at fault.
    public var path: String
    /// What is wrong with it.
    public var reason: String

    /// Creates the record of a quarantined topic or group.
    public init(name: String, path: String, reason: String) {
        self.name = name
        self.path = path
        self.reason = reason
    }

    public var description: String { "\(name) is quarantined: \(path): \(reason)" }
}
