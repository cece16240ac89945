/// Why ``Publisher/request(_:to:awaiting:timeout:)`` returned no completion.
public enum RequestError: Error, Sendable, Hashable, CustomStringConvertible {
    /// No completion arrived within `after`. The command was published and stays in flight: the timeout
    /// does not cancel it, and its completion may still arrive (with `requestid` or `correlationid`
    /// `requestID`) for whoever reads the reply topic.
    case timedOut(requestID: String, awaiting: String, after: Duration)
    /// The handler refused the command (``CommandRejection``).
    case rejected(requestID: String, reason: String)
    /// A reply arrived but is not the awaited type and not a rejection, or does not decode as it.
    case unexpectedReply(requestID: String, awaiting: String, actual: String)
    /// The publisher has no ``RequestReplies`` to receive completions with.
    case noReplies(requestID: String)
    /// The ``RequestReplies`` stopped (shutdown or a failed subscription) before the reply arrived.
    case repliesStopped(requestID: String)

    /// What went wrong, naming the request, and what to do.
    public var description: String {
        switch self {
        case .timedOut(let id, let awaiting, let after):
            return "RequestError: no \(awaiting) for request '\(id)' within \(after); the command is still in flight (not cancelled) "
                + "and may complete later: look for events with correlationid or requestid '\(id)', or ask again with the same id"
        case .rejected(let id, let reason):
            return "RequestError: request '\(id)' was rejected by its handler: \(reason)"
        case .unexpectedReply(let id, let awaiting, let actual):
            return "RequestError: request '\(id)' awaited \(awaiting) but the reply was '\(actual)'; check the handler's reply type"
        case .noReplies(let id):
            return "RequestError: request '\(id)' cannot await a completion: the publisher has no RequestReplies; "
                + "create one on a reply topic, run it as a service, and pass it as Publisher(broker:source:replies:)"
        case .repliesStopped(let id):
            return "RequestError: the RequestReplies stopped before request '\(id)' was answered; the command is still in flight"
        }
    }
}
