import Foundation

/// One line of the triage audit log: who changed which dead letters of a group, how, when and how many.
/// Dry runs change nothing and are not recorded.
public struct TriageAuditEntry: Sendable, Hashable, Codable {
    /// What was done.
    public enum Action: String, Sendable, Hashable, Codable {
        /// Sent back to the origin topic.
        case redrive
        /// Set aside: kept, out of the counts.
        case archive
        /// Replaced by an edited event, published to the origin topic.
        case edit
        /// Read into the dead-letter topic from an export.
        case `import`
    }

    /// What was done.
    public var action: Action
    /// Who did it: the token's name, or `anonymous`.
    public var actor: String
    /// When, as RFC 3339.
    public var at: String
    /// The origin topic.
    public var topic: String
    /// The consumer group.
    public var group: String
    /// The group's dead-letter topic.
    public var deadLetterTopic: String
    /// What was selected, as requested (`category 3f2a…`, `positions 0:4, 0:7`, `all`).
    public var selection: String
    /// How many dead letters it changed.
    public var count: Int
    /// For an edit, the id of the new event.
    public var newEventID: String?
    /// The dead letters it changed.
    var positions: DeadLetterPositions
}
