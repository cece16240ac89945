extension JetStream {
    /// Sends a pull request to `consumer` of `stream`; the messages and status replies go to `replyTo`
    /// (subscribe to it first). For a self-contained fetch use ``fetch(stream:consumer:batch:expires:noWait:heartbeat:)``.
    ///
    /// - Throws: ``JetStreamError`` (`invalidName`), ``NATSClientError``, ``NATSProtocolError``.
    public func requestNext(stream: String, consumer: String, _ request: PullRequest, replyTo: String) async throws {
        try Self.validateName(stream, "stream")
        try Self.validateName(consumer, "consumer")
        try await client.publish(
            apiSubject("CONSUMER.MSG.NEXT.\(stream).\(consumer)"),
            payload: request.json,
            replyTo: replyTo
        )
    }

    /// Fetches up to `batch` messages from pull consumer `consumer` of `stream` on an inbox of its own.
    ///
    /// Returns when `batch` messages arrived, when the server ends the request (`404 No Messages` with
    /// `noWait`, `408 Request Timeout` once `expires` passed), or `expires` plus the request timeout after
    /// sending (if the server never answers, for example because the consumer does not exist). Idle
    /// heartbeats are skipped.
    ///
    /// - Throws: ``JetStreamError`` (`pullRefused` for a `400` or, before any message, a `409` such as a
    ///   deleted consumer), ``NATSClientError``.
    public func fetch(
        stream: String,
        consumer: String,
        batch: Int,
        expires: Duration? = .seconds(5),
        noWait: Bool = false,
        heartbeat: Duration? = nil
    ) async throws -> [JetStreamMessage] {
        guard batch >= 1 else {
            throw NATSClientError.invalidArgument("batch", value: "\(batch)", rule: "must be at least 1")
        }
        let inbox = client.newInbox()
        let subscription = try client.subscribe(
            inbox,
            limits: NATSSubscriptionLimits(maximumMessages: batch + 64, maximumBytes: (batch + 64) * NATSServerInfo.defaultMaxPayload)
        )
        defer { subscription.unsubscribe() }
        let request = PullRequest(batch: batch, expires: noWait ? nil : expires, noWait: noWait, heartbeat: heartbeat)
        try await requestNext(stream: stream, consumer: consumer, request, replyTo: inbox)
        let limit = (noWait ? .zero : (expires ?? .seconds(60))) + options.requestTimeout
        let timer = Task {
            try? await Task.sleep(for: limit)
            subscription.unsubscribe()
        }
        defer { timer.cancel() }
        var messages: [JetStreamMessage] = []
        for try await message in subscription {
            if let status = message.status {
                switch status {
                case NATSStatusCode.idleHeartbeat:
                    continue
                case NATSStatusCode.noMessages, NATSStatusCode.requestTimeout:
                    return messages
                case NATSStatusCode.conflict where !messages.isEmpty:
                    return messages
                default:
                    throw JetStreamError.pullRefused(
                        stream: stream,
                        consumer: consumer,
                        status: status,
                        description: message.statusDescription
                    )
                }
            }
            messages.append(try JetStreamMessage(message, jetStream: self))
            if messages.count >= batch { return messages }
        }
        return messages
    }
}
