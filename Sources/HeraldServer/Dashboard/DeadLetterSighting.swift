import Foundation
import Herald

/// A dead letter the observer read, by the stored position of the event it holds: which group gave up
/// on it, after how many attempts, why, and where the dead letter is.
struct DeadLetterSighting: Sendable, Hashable {
    /// The group that dead-lettered it.
    var group: String
    /// Delivery attempts before it was dead-lettered.
    var attempts: Int
    /// The failure's message.
    var reason: String
    /// When it was dead-lettered.
    var at: Date
    /// Its dead-letter topic.
    var deadLetterTopic: String
    /// Its position there.
    var partition: Partition
    /// Its offset there.
    var offset: Offset
}
