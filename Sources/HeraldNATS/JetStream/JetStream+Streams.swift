import NIOCore

extension JetStream {
    /// Creates a stream; creating one that exists with the same configuration returns it unchanged.
    ///
    /// - Throws: ``JetStreamError`` — `streamNameInUse` when it exists with another configuration,
    ///   `invalidName`, other refusals (overlapping subjects, limits); ``NATSClientError``.
    public func createStream(_ configuration: StreamConfiguration) async throws -> StreamInfo {
        try Self.validateName(configuration.name, "stream")
        return try await apiRequest(
            "STREAM.CREATE.\(configuration.name)",
            body: Self.encode(configuration),
            operation: "create stream '\(configuration.name)'"
        )
    }

    /// Changes a stream's configuration (not its name or storage).
    ///
    /// - Throws: ``JetStreamError`` — `streamNotFound`, refusals of the change; ``NATSClientError``.
    public func updateStream(_ configuration: StreamConfiguration) async throws -> StreamInfo {
        try Self.validateName(configuration.name, "stream")
        return try await apiRequest(
            "STREAM.UPDATE.\(configuration.name)",
            body: Self.encode(configuration),
            operation: "update stream '\(configuration.name)'"
        )
    }

    /// A stream's configuration and state.
    ///
    /// - Throws: ``JetStreamError`` (`streamNotFound`), ``NATSClientError``.
    public func streamInfo(_ name: String) async throws -> StreamInfo {
        try Self.validateName(name, "stream")
        return try await apiRequest("STREAM.INFO.\(name)", operation: "read stream '\(name)'")
    }

    /// Deletes a stream and its messages and consumers.
    ///
    /// - Throws: ``JetStreamError`` (`streamNotFound`), ``NATSClientError``.
    public func deleteStream(_ name: String) async throws {
        try Self.validateName(name, "stream")
        let _: SuccessResponse = try await apiRequest("STREAM.DELETE.\(name)", operation: "delete stream '\(name)'")
    }

    /// Removes messages from a stream: all of them, or those `request` names. Returns how many were removed.
    ///
    /// - Throws: ``JetStreamError`` (`streamNotFound`), ``NATSClientError``.
    @discardableResult
    public func purgeStream(_ name: String, _ request: StreamPurgeRequest = StreamPurgeRequest()) async throws -> UInt64 {
        try Self.validateName(name, "stream")
        let response: PurgeResponse = try await apiRequest(
            "STREAM.PURGE.\(name)",
            body: Self.encode(request),
            operation: "purge stream '\(name)'"
        )
        return response.purged
    }

    /// Every stream (configuration and state), or those storing subjects that match `subject`.
    ///
    /// - Throws: ``JetStreamError``, ``NATSClientError``.
    public func streams(matching subject: String? = nil) async throws -> [StreamInfo] {
        var streams: [StreamInfo] = []
        while true {
            let page: StreamListResponse = try await apiRequest(
                "STREAM.LIST",
                body: Self.encode(ListRequest(offset: streams.count, subject: subject)),
                operation: "list streams"
            )
            let received = page.streams ?? []
            streams += received
            if received.isEmpty || streams.count >= page.total { return streams }
        }
    }

    /// Reads the message with sequence `sequence` from stream `stream`.
    ///
    /// - Throws: ``JetStreamError`` (`messageNotFound` when the stream holds no message there,
    ///   `streamNotFound`), ``NATSClientError``.
    public func message(stream: String, sequence: UInt64) async throws -> StoredMessage {
        try await message(stream: stream, request: MessageGetRequest(sequence: sequence, lastBySubject: nil))
    }

    /// Reads the newest message on `subject` from stream `stream`.
    ///
    /// - Throws: ``JetStreamError`` (`messageNotFound`, `streamNotFound`), ``NATSClientError``.
    public func lastMessage(stream: String, subject: String) async throws -> StoredMessage {
        try await message(stream: stream, request: MessageGetRequest(sequence: nil, lastBySubject: subject))
    }

    /// Reads messages `sequences` of `stream`, sending every request before waiting for the replies; a
    /// sequence the stream does not hold yields `nil`.
    ///
    /// - Throws: ``JetStreamError`` (`streamNotFound`), ``NATSClientError``.
    public func messages(stream: String, sequences: [UInt64]) async throws -> [StoredMessage?] {
        try Self.validateName(stream, "stream")
        do {
            return try await pipelinedGets(apiSubject("STREAM.MSG.GET.\(stream)"), sequences: sequences) { reply, sequence in
                let operation = "read message \(sequence) of stream '\(stream)'"
                do {
                    let response = try Self.decodeResponse(reply.payload, operation: operation, as: MessageGetResponse.self)
                    return try response.message.message(operation: operation)
                } catch let error as JetStreamError where error.kind == .messageNotFound {
                    return nil
                }
            }
        } catch let error as NATSClientError where error.code == .noResponders {
            throw JetStreamError.notEnabled(prefix: options.apiPrefix)
        }
    }

    /// Sends a get request for each of `sequences` to `subject`, every one before waiting for the
    /// replies, and decodes each reply with `decode` (`nil`: not held). The first send failure stops the
    /// sending; the first failure of any kind is thrown once every sent request has been answered.
    func pipelinedGets(
        _ subject: String, sequences: [UInt64], decode: (NATSMessage, UInt64) throws -> StoredMessage?
    ) async throws -> [StoredMessage?] {
        var pending: [NATSClient.PendingRequest] = []
        var sendError: (any Error)?
        for sequence in sequences {
            do {
                let body = try Self.encode(MessageGetRequest(sequence: sequence, lastBySubject: nil))
                pending.append(try await client.sendRequest(subject, payload: body, headers: nil, timeout: options.requestTimeout))
            } catch {
                sendError = error
                break
            }
        }
        var results: [StoredMessage?] = []
        var replyError: (any Error)?
        for (index, request) in pending.enumerated() {
            do {
                results.append(try decode(try await client.reply(to: request), sequences[index]))
            } catch {
                replyError = replyError ?? error
            }
        }
        if let error = sendError ?? replyError { throw error }
        return results
    }

    private func message(stream: String, request: MessageGetRequest) async throws -> StoredMessage {
        try Self.validateName(stream, "stream")
        let what =
            if let next = request.nextBySubject {
                "the next message on '\(next)' from \(request.sequence ?? 0)"
            } else {
                request.sequence.map { "message \($0)" } ?? "the last message on '\(request.lastBySubject ?? "")'"
            }
        let operation = "read \(what) of stream '\(stream)'"
        let response: MessageGetResponse = try await apiRequest(
            "STREAM.MSG.GET.\(stream)",
            body: Self.encode(request),
            operation: operation
        )
        return try response.message.message(operation: operation)
    }
}

/// `{"success": true}`.
struct SuccessResponse: Decodable {
    var success: Bool?
}

struct PurgeResponse: Decodable {
    var success: Bool?
    var purged: UInt64
}

struct ListRequest: Encodable {
    var offset: Int
    var subject: String?
}

struct StreamListResponse: Decodable {
    var total: Int
    var offset: Int?
    var streams: [StreamInfo]?
}

struct MessageGetRequest: Encodable {
    var sequence: UInt64?
    var lastBySubject: String?
    var nextBySubject: String?

    enum CodingKeys: String, CodingKey {
        case sequence = "seq"
        case lastBySubject = "last_by_subj"
        case nextBySubject = "next_by_subj"
    }
}

struct MessageGetResponse: Decodable {
    var message: StoredMessageBody
}
