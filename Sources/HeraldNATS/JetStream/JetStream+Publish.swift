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

    /// Publishes messages in order without waiting for each acknowledgement, then waits for them all.
    /// Messages to one stream are stored in the order given. Returns one result per message: a message
    /// refused (or not sent because an earlier send failed) does not stop the others.
    public func publish(_ messages: [JetStreamOutgoingMessage]) async -> [Result<PubAck, any Error>] {
        var pending: [Result<NATSClient.PendingRequest, any Error>] = []
        pending.reserveCapacity(messages.count)
        var sendError: (any Error)?
        for message in messages {
            if let sendError {
                pending.append(.failure(sendError))
                continue
            }
            do {
                let request = try await client.sendRequest(
                    message.subject,
                    payload: message.payload,
                    headers: message.options.applied(to: message.headers),
                    timeout: options.requestTimeout
                )
                pending.append(.success(request))
            } catch let error as NATSProtocolError {
                // This message cannot be sent (an invalid subject or header); the others can.
                pending.append(.failure(error))
            } catch let error as NATSClientError where error.code == .payloadTooLarge {
                pending.append(.failure(error))
            } catch {
                sendError = error
                pending.append(.failure(error))
            }
        }
        var results: [Result<PubAck, any Error>] = []
        results.reserveCapacity(messages.count)
        for (index, request) in pending.enumerated() {
            switch request {
            case .failure(let error):
                results.append(.failure(error))
            case .success(let request):
                let subject = messages[index].subject
                do {
                    let reply = try await client.reply(to: request)
                    results.append(.success(try Self.pubAck(from: reply.payload, subject: subject)))
                } catch let error as NATSClientError where error.code == .noResponders {
                    results.append(.failure(JetStreamError.noStream(subject: subject)))
                } catch {
                    results.append(.failure(error))
                }
            }
        }
        return results
    }

    /// Decodes a publish acknowledgement, or throws the error it carries.
    static func pubAck(from payload: ByteBuffer, subject: String) throws -> PubAck {
        if let ack = PubAck.fastParse(payload) { return ack }
        return try decodeResponse(payload, operation: "store a message on subject '\(subject)'", as: PubAck.self)
    }
}
