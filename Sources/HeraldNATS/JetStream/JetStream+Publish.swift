import NIOCore

/// One message for ``JetStream/publish(_:)``.
public struct JetStreamOutgoingMessage: Sendable, Hashable {
    /// The subject; a stream must capture it.
    public var subject: String
    /// The payload.
    public var payload: ByteBuffer
    /// Headers, `nil` for none.
    public var headers: NATSHeaders?
    /// De-duplication id and expectations.
    public var options: PublishOptions

    /// Creates a message.
    public init(subject: String, payload: ByteBuffer = ByteBuffer(), headers: NATSHeaders? = nil, options: PublishOptions = PublishOptions()) {
        self.subject = subject
        self.payload = payload
        self.headers = headers
        self.options = options
    }
}

extension JetStream {
    /// Publishes a message and waits until a stream has stored it (or recognised it as a duplicate).
    ///
    /// - Throws: ``JetStreamError`` — `noStream` when no stream captures `subject`, `streamFull` when the
    ///   stream discards new messages at its limit, `wrongLastSequence` / `wrongStream` when an expectation
    ///   of `options` does not hold; ``NATSClientError`` (`requestTimeout`: the message may or may not be
    ///   stored, publish it again with the same message id to be sure; `payloadTooLarge`, ...).
    public func publish(
        _ subject: String,
        payload: ByteBuffer = ByteBuffer(),
        headers: NATSHeaders? = nil,
        options: PublishOptions = PublishOptions()
    ) async throws -> PubAck {
        let results = await publish([JetStreamOutgoingMessage(subject: subject, payload: payload, headers: headers, options: options)])
        guard let result = results.first else {
            throw JetStreamError.invalidReply("publish to '\(subject)'", reason: "no acknowledgement")
        }
        return try result.get()
    }

    /// Publishes messages in order without waiting for each acknowledgement, then waits for them all
    /// (within ``JetStreamOptions/requestTimeout`` from the last send). Messages to one stream are stored in
    /// the order given. Returns one result per message: a message refused (or not sent because an earlier
    /// send failed) does not stop the others.
    ///
    /// The acknowledgements come back on one inbox subscription per context (`<inbox>.<batch>.<index>`),
    /// created on first use.
    public func publish(_ messages: [JetStreamOutgoingMessage]) async -> [Result<PubAck, any Error>] {
        guard !messages.isEmpty else { return [] }
        let batch: PubAckCollector.BatchStart
        do {
            batch = try collector.begin(count: messages.count, subjects: messages.map { $0.subject }, jetStream: self)
        } catch {
            return messages.map { _ in .failure(error) }
        }
        let outgoing = messages.enumerated().map { index, message in
            NATSClient.OutgoingMessage(
                subject: message.subject,
                payload: message.payload,
                headers: message.options.applied(to: message.headers),
                replyTo: "\(batch.inbox).\(batch.id).\(index)"
            )
        }
        // Queued a chunk at a time: one lock and write per chunk, while the server already stores the chunks
        // before. A message that cannot be encoded fails alone; once queueing fails, the rest fail with it.
        var start = outgoing.startIndex
        while start < outgoing.endIndex {
            let end = min(start + Self.publishChunk, outgoing.endIndex)
            do {
                let failures = try await client.publish(each: Array(outgoing[start..<end]))
                for (offset, failure) in failures.enumerated() {
                    if let failure { collector.fail(batch.id, index: start + offset, with: failure) }
                }
            } catch {
                for index in start..<outgoing.endIndex { collector.fail(batch.id, index: index, with: error) }
                break
            }
            start = end
        }
        return await collector.results(of: batch.id, client: client)
    }

    /// Messages of a publish batch queued together.
    static let publishChunk = 64

    /// Decodes a publish acknowledgement, or throws the error it carries.
    static func pubAck(from payload: ByteBuffer, subject: String) throws -> PubAck {
        if let ack = PubAck.fastParse(payload) { return ack }
        return try decodeResponse(payload, operation: "store a message on subject '\(subject)'", as: PubAck.self)
    }
}
