/// Names one consumer group on one topic.
public struct GroupReference: Sendable, Hashable, CustomStringConvertible {
    /// The topic.
    public var topic: String
    /// The group.
    public var group: String

    /// Creates a reference.
    public init(topic: String, group: String) {
        self.topic = topic
        self.group = group
    }

    public var description: String { "\(topic)/\(group)" }
}
