/// What a token may do with the topics its grant names.
public enum AccessPermission: String, Sendable, Hashable, CaseIterable, Codable {
    /// Publish events to the topic.
    case publish
    /// Fetch, stream and settle deliveries of the topic's groups.
    case consume
    /// Create, describe, seek and delete; read, redrive, edit and archive dead letters. Implies `read`.
    case admin
    /// See everything and change nothing: topics, groups, events, dead letters, the audit log, the flow
    /// map, traces and the dashboard.
    case read
}
