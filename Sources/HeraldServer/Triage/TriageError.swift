/// Why a triage request cannot be done, naming the offending value.
public enum TriageError: Error, Sendable, Hashable, CustomStringConvertible {
    /// No dead letter is stored at the position.
    case noDeadLetter(DeadLetterPosition, deadLetterTopic: String)
    /// The dead letter was redriven, edited or archived already.
    case notOpen(DeadLetterPosition, deadLetterTopic: String)
    /// The event at the position lacks the dead-letter attributes: it cannot be redriven or edited.
    case unreadable(DeadLetterPosition, deadLetterTopic: String)
    /// No open dead letter is of the category.
    case unknownCategory(String)
    /// An edited event kept the original's `source` and `id`: the broker would take it for the original.
    case editKeepsIdentity(id: String)
    /// An imported event lacks the dead-letter attributes.
    case notADeadLetter(index: Int)
    /// An imported dead letter belongs to another topic or group.
    case foreignDeadLetter(index: Int, topic: String, group: String)

    public var description: String {
        switch self {
        case .noDeadLetter(let position, let topic):
            return "no dead letter is stored at \(position) of '\(topic)'; list them with GET …/deadletters"
        case .notOpen(let position, let topic):
            return "the dead letter at \(position) of '\(topic)' was redriven, edited or archived already (see the audit log)"
        case .unreadable(let position, let topic):
            return "the event at \(position) of '\(topic)' carries no dead-letter attributes, so its origin is unknown; archive it instead"
        case .unknownCategory(let id):
            return "no open dead letter is of the category '\(id)'; list the categories with GET …/deadletters/categories"
        case .notADeadLetter(let index):
            return "line \(index + 1) is not a dead letter: its event lacks the dead-letter attributes (dlerrortype, dlerror, …); import what an export wrote"
        case .foreignDeadLetter(let index, let topic, let group):
            return "line \(index + 1) is a dead letter of group '\(group)' on topic '\(topic)'; import it under that topic and group"
        case .editKeepsIdentity(let id):
            return "the edited event keeps the original's source and id '\(id)'; an edited event is a new event: give it a new id"
        }
    }
}
