/// A query: a typed message that asks for an answer and changes nothing. A ``Consumer`` answers it with
/// ``Consumer/answer(_:from:handler:)``, whose handler returns a ``Response`` and gets no publisher; the
/// consumer sends the response to the query's `replyto` topic. Ask with
/// ``Publisher/request(_:to:awaiting:timeout:)``.
public protocol TypedQuery: TypedEvent {
    /// The answer's type.
    associatedtype Response: TypedEvent
}

extension TypedQuery {
    /// ``MessageKind/query``.
    public static var messageKind: MessageKind { .query }
}
