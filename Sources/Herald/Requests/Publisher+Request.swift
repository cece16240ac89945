import struct Foundation.UUID

extension Publisher {
    /// Publishes `command` to `topic` and waits for its completion: a `Completion` event replied to it
    /// (``MessageContext/reply(_:)``, matched by `requestid`) or published further along the flow it
    /// starts (matched by `correlationid`), received by the publisher's ``replies``.
    ///
    /// The command carries `replyto` (the replies' topic) and, outside a handler, `correlationid` = its
    /// own id. A timeout does not cancel the command: it stays in flight and may still complete.
    ///
    /// - Parameters:
    ///   - command: the command (or any typed message) to send.
    ///   - topic: where it goes.
    ///   - awaiting: the completion's type.
    ///   - id: the command's id, which is the request's id; a new UUID by default. Asking again with the
    ///     same id lets the broker's de-duplication and the handler's inbox recognise it.
    ///   - timeout: how long to wait, on the replies' clock.
    /// - Returns: the completion.
    /// - Throws: ``RequestError`` (timed out, rejected, unexpected reply, no replies); the sink's error
    ///   when publishing fails.
    public func request<Message: TypedEvent, Completion: TypedEvent>(
        _ command: Message, to topic: String, awaiting: Completion.Type, id: String = UUID().uuidString, timeout: Duration
    ) async throws -> Completion {
        guard let replies else { throw RequestError.noReplies(requestID: id) }
        var extensions = [ExtensionAttributeName.replyTo.rawValue: replies.topic]
        let startsFlow = EventLineage.current == nil
        if startsFlow { extensions[ExtensionAttributeName.correlationID.rawValue] = id }
        let event = try Event(command, id: id, source: source, extensions: extensions)
        let reply = try await replies.exchange(
            requestID: id,
            correlationRoot: startsFlow ? id : nil,
            awaiting: [Completion.cloudEventType, CommandRejected.cloudEventType],
            awaitingName: Completion.cloudEventType,
            timeout: timeout
        ) {
            try await publish(event, to: topic)
        }
        if reply.type == CommandRejected.cloudEventType, let rejection = try? reply.decode(as: CommandRejected.self) {
            throw RequestError.rejected(requestID: id, reason: rejection.reason)
        }
        guard reply.type == Completion.cloudEventType, let completion = try? reply.decode(as: Completion.self) else {
            throw RequestError.unexpectedReply(requestID: id, awaiting: Completion.cloudEventType, actual: reply.type)
        }
        return completion
    }

    /// Sends `query` to `topic` and waits for its ``TypedQuery/Response``; see
    /// ``request(_:to:awaiting:id:timeout:)``.
    ///
    /// - Throws: ``RequestError``; the sink's error when publishing fails.
    public func request<Query: TypedQuery>(
        _ query: Query, to topic: String, id: String = UUID().uuidString, timeout: Duration
    ) async throws
        -> Query.Response
    {
        try await request(query, to: topic, awaiting: Query.Response.self, id: id, timeout: timeout)
    }
}
