/// What a redrive, archive or edit did, or with a dry run would do.
public struct TriageReport: Sendable, Hashable, Encodable {
    /// Whether nothing was changed (a dry run).
    public var dryRun: Bool
    /// What was asked.
    public var action: TriageAuditEntry.Action
    /// The selection, as written in the audit log.
    public var selection: String
    /// How many dead letters it changes.
    public var count: Int
    /// Per category id, how many.
    public var categories: [String: Int]
    /// Per target topic, how many events are (or would be) published to it.
    public var topics: [String: Int]
    /// Of those published, how many the broker already held (a redrive sent again): not delivered twice.
    public var duplicates: Int
    /// Selected positions that are not open dead letters (already handled, or never there), with why.
    public var skipped: [String: String]
    /// The first positions changed (at most 100), for a reader.
    public var positions: [String]
}
