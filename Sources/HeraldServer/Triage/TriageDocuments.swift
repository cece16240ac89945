import Foundation
import Herald

/// The JSON forms of the triage API's requests and answers.
enum TriageDocuments {
    /// The body of a redrive or archive: exactly one of `positions`, `category` and `all`.
    struct SelectionRequest: Decodable {
        var positions: [String]?
        var category: String?
        var all: Bool?
        var dryRun: Bool?
        /// At most this many of the selection (the first by position): a long redrive in steps.
        var limit: Int?
    }

    /// The body of an edit: the new event in the JSON event format, under `event`.
    struct EditRequest: Decodable {
        var dryRun: Bool?
    }

    /// One category.
    struct Category: Encodable {
        var id: String
        var errorType: String
        var pattern: String
        var eventType: String
        var group: String
        var count: Int
        var firstSeen: String
        var lastSeen: String
        var example: String

        init(_ category: FailureCategory) {
            id = category.id
            errorType = category.errorType
            pattern = category.pattern
            eventType = category.eventType
            group = category.group
            count = category.count
            firstSeen = RFC3339Text.format(category.firstSeen)
            lastSeen = RFC3339Text.format(category.lastSeen)
            example = category.example
        }
    }

    /// `GET …/deadletters/categories`.
    struct CategoryList: Encodable {
        var categories: [Category]
        /// Open dead letters over every category.
        var open: Int
        /// Dead letters read (open or not).
        var scanned: Int
        /// Whether the scan stopped at the server's limit before the end.
        var truncated: Bool
    }

    /// A dead letter's record, without its event.
    struct Record: Encodable {
        var position: String
        var category: String
        var errorType: String
        var message: String?
        var attempts: Int?
        var firstFailureAt: String?
        var lastFailureAt: String?
        var originTopic: String?
        var originPartition: Int?
        var originOffset: Int64?
        var redrives: Int

        init(_ letter: OpenDeadLetter) {
            position = letter.position.description
            category = letter.categoryID
            errorType = letter.errorType
            message = letter.deadLetter?.failure.message
            attempts = letter.deadLetter?.attempts
            firstFailureAt = letter.deadLetter.map { RFC3339Text.format($0.firstFailureAt) }
            lastFailureAt = letter.deadLetter.map { RFC3339Text.format($0.lastFailureAt) }
            originTopic = letter.deadLetter?.originTopic
            originPartition = letter.deadLetter?.originPartition.index
            originOffset = letter.deadLetter?.originOffset.value
            redrives = letter.stored.event.extensionValue(ExtensionAttributeName.redrive.rawValue).flatMap { Int($0) } ?? 0
        }
    }

    /// RFC 3339 text of instants, the one way triage writes them.
    enum RFC3339Text {
        static func format(_ date: Date) -> String {
            let formatter = ISO8601DateFormatter()
            formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
            return formatter.string(from: date)
        }
    }
}
