import NIOCore

/// Direct gets (`$JS.API.DIRECT.GET.<stream>`, on streams with ``StreamConfiguration/allowDirect``): the
/// stored message comes back as a NATS message, its headers and payload as stored plus `Nats-Stream`,
/// `Nats-Subject`, `Nats-Sequence` and `Nats-Time-Stamp` — no JSON and no base64, so reading many
/// messages costs a fraction of `STREAM.MSG.GET`.
extension JetStream {
    /// The first message at `sequence` or later (on `subject` when given, wildcards allowed); `nil`
    /// when there is none.
    ///
    /// - Throws: ``JetStreamError`` (`invalidReply` for a reply without the stored message's headers),
    ///   ``NATSClientError``.
    public func directMessage(stream: String, from sequence: UInt64, subject: String? = nil) async throws -> StoredMessage? {
        try Self.validateName(stream, "stream")
        let body = try Self.encode(MessageGetRequest(sequence: max(1, sequence), lastBySubject: nil, nextBySubject: subject))
        let pending = try await client.sendRequest(apiSubject("DIRECT.GET.\(stream)"), payload: body, headers: nil, timeout: options.requestTimeout)
        return try Self.storedMessage(from: try await client.reply(to: pending), operation: "direct get from \(sequence) of stream '\(stream)'")
    }

    /// The newest message on `subject`; `nil` when there is none.
    ///
    /// - Throws: as ``directMessage(stream:from:subject:)``.
    public func directLastMessage(stream: String, subject: String) async throws -> StoredMessage? {
        try Self.validateName(stream, "stream")
        let body = try Self.encode(MessageGetRequest(sequence: nil, lastBySubject: subject))
        let pending = try await client.sendRequest(apiSubject("DIRECT.GET.\(stream)"), payload: body, headers: nil, timeout: options.requestTimeout)
        return try Self.storedMessage(from: try await client.reply(to: pending), operation: "direct get of the last message on '\(subject)'")
    }

    /// Messages `sequences` of `stream`, every request sent before the replies are awaited; a sequence
    /// the stream does not hold yields `nil`.
    ///
    /// - Throws: as ``directMessage(stream:from:subject:)``.
    public func directMessages(stream: String, sequences: [UInt64]) async throws -> [StoredMessage?] {
        try Self.validateName(stream, "stream")
        return try await pipelinedGets(apiSubject("DIRECT.GET.\(stream)"), sequences: sequences) { reply, sequence in
            try Self.storedMessage(from: reply, operation: "direct get of message \(sequence)")
        }
    }

    /// The stored message a direct-get reply carries, `nil` for "not found" (status 404).
    static func storedMessage(from reply: NATSMessage, operation: String) throws -> StoredMessage? {
        if reply.status == 404 { return nil }
        if let status = reply.status {
            throw JetStreamError.invalidReply(operation, reason: "status \(status) \(reply.statusDescription ?? "")")
        }
        guard let headers = reply.headers, let subject = headers["Nats-Subject"], let sequence = headers["Nats-Sequence"].flatMap(UInt64.init),
            let stamp = headers["Nats-Time-Stamp"], let time = JetStreamTime.parse(stamp)
        else {
            throw JetStreamError.invalidReply(operation, reason: "the reply lacks Nats-Subject, Nats-Sequence or Nats-Time-Stamp")
        }
        var stored = NATSHeaders()
        for field in headers where !["Nats-Stream", "Nats-Subject", "Nats-Sequence", "Nats-Time-Stamp"].contains(field.name) {
            stored.append(field.name, field.value)
        }
        return StoredMessage(subject: subject, sequence: sequence, headers: stored.isEmpty ? nil : stored, payload: reply.payload, time: time)
    }
}
