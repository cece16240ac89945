import Foundation

/// Dead letters that failed the same way: the same error type, the same message once varying parts are
/// masked (``FailureMessagePattern``), the same event type and the same group. The server groups a
/// group's dead letters into these, with counts and when the first and last were seen.
public struct FailureCategory: Sendable, Hashable {
    /// A stable name of the category: 16 hex digits of the SHA-256 of its key.
    public var id: String
    /// The error type recorded.
    public var errorType: String
    /// The message with varying parts masked.
    public var pattern: String
    /// The dead letters' event type.
    public var eventType: String
    /// The group that gave up on them.
    public var group: String
    /// How many dead letters of the category are open (not redriven, edited or archived).
    public var count: Int
    /// The earliest and latest last-failure time of its open dead letters.
    public var firstSeen: Date
    /// The latest last-failure time of its open dead letters.
    public var lastSeen: Date
    /// One message as recorded, for a reader.
    public var example: String

    /// The category id of a failure of `errorType` with `message`, on an event of `eventType`, in `group`.
    public static func id(errorType: String, pattern: String, eventType: String, group: String) -> String {
        String(TokenDigest.sha256(of: [errorType, pattern, eventType, group].joined(separator: "\u{0}")).prefix(16))
    }
}
