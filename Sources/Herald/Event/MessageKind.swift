/// What a typed message asks of its receivers (seed 004's three kinds).
///
/// - An ``event`` says something happened; any number of groups may subscribe to it.
/// - A ``command`` asks one handler to do something; it may be rejected (``CommandRejection``), and a
///   consumer refuses to start with two handlers for one command type.
/// - A ``query`` asks for an answer and changes nothing; its handler returns a response and has no
///   publisher to publish with.
public enum MessageKind: String, Sendable, Hashable, CaseIterable {
    /// Something that happened: ``TypedEvent``.
    case event
    /// Something to do, with one handler: ``TypedCommand``.
    case command
    /// A question with one answer that changes nothing: ``TypedQuery``.
    case query
}
