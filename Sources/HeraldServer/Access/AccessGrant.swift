/// Permissions on the topics a pattern covers.
public struct AccessGrant: Sendable, Hashable {
    /// The topics.
    public var topics: TopicPattern
    /// What the holder may do with them.
    public var permissions: Set<AccessPermission>

    /// A grant of `permissions` on `topics`.
    public init(topics: TopicPattern, permissions: Set<AccessPermission>) {
        self.topics = topics
        self.permissions = permissions
    }

    /// Whether the grant allows `permission` on `topic` (`admin` allows `read` too); with no topic (a request across topics), whether it
    /// allows `permission` on some topic.
    public func allows(_ permission: AccessPermission, topic: String?) -> Bool {
        guard permissions.contains(permission) || (permission == .read && permissions.contains(.admin)) else { return false }
        guard let topic else { return true }
        return topics.matches(topic)
    }
}
