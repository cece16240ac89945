extension MessageContext {
    /// Sends `response` to the handled message's `replyto` topic with `requestid` = the message's id (and
    /// the message's lineage): the completion a ``Publisher/request(_:to:awaiting:id:timeout:)`` awaits.
    ///
    /// - Throws: ``ReplyError`` when the message has no `replyto` (permanent: it is dead-lettered);
    ///   ``EventContractError``, ``CloudEventError`` or the sink's error.
    @discardableResult
    public func reply<Response: TypedEvent>(_ response: Response) async throws -> PublishOutcome {
        guard let topic = event.extensionValue(ExtensionAttributeName.replyTo.rawValue) else {
            throw ReplyError(eventID: event.id, eventType: event.type)
        }
        let reply = try Event(response, source: publisher.source, extensions: [ExtensionAttributeName.requestID.rawValue: event.id])
        return try await publisher.publish(reply, to: topic)
    }
}
