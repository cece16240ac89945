import Herald

/// A dead letter as triage sees it: where it is stored, what it records, and its category.
struct OpenDeadLetter: Sendable {
    /// Where it is stored in the dead-letter topic.
    var position: DeadLetterPosition
    /// The stored event (the original with the dead-letter attributes).
    var stored: StoredEvent
    /// The record, or `nil` for an event that lacks the dead-letter attributes (written to the topic by
    /// something else): shown in the category `unreadable`, never redriven.
    var deadLetter: DeadLetter?
    /// Its failure category's id.
    var categoryID: String
    /// The category's key parts.
    var errorType: String
    var pattern: String
    var eventType: String

    init(_ stored: StoredEvent, group: String) {
        self.stored = stored
        self.position = DeadLetterPosition(partition: stored.partition.index, offset: stored.offset.value)
        self.deadLetter = DeadLetter(stored.event)
        self.errorType = deadLetter?.failure.errorType ?? "unreadable"
        self.pattern = deadLetter.map { FailureMessagePattern.normalize($0.failure.message) } ?? "the event carries no dead-letter attributes"
        self.eventType = stored.event.type
        self.categoryID = FailureCategory.id(errorType: errorType, pattern: pattern, eventType: eventType, group: group)
    }
}
