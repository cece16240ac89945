import NIOCore

/// A message delivered by a JetStream consumer, with what its reply subject says about it and the verbs
/// that settle it.
public struct JetStreamMessage: Sendable {
    /// The message as received: subject, headers, payload, reply (ack) subject.
    public let message: NATSMessage
    /// Stream, consumer, delivery count and sequences.
    public let metadata: JetStreamMessageMetadata
    let jetStream: JetStream

    /// Wraps a received message. - Throws: ``JetStreamError`` when it is not a JetStream delivery.
    init(_ message: NATSMessage, jetStream: JetStream) throws(JetStreamError) {
        self.message = message
        self.metadata = try JetStreamMessageMetadata(replyTo: message.replyTo)
        self.jetStream = jetStream
    }

    /// The subject the message was published to.
    public var subject: String { message.subject }
    /// Its headers.
    public var headers: NATSHeaders? { message.headers }
    /// Its payload.
    public var payload: ByteBuffer { message.payload }

    /// Acknowledges it (`+ACK`). With `confirmed`, waits for the server's confirmation (a "double ack"),
    /// for acknowledgements that must not be lost. - Throws: ``JetStreamError``, ``NATSClientError``.
    public func ack(confirmed: Bool = false) async throws {
        try await settle(.ack, confirmed: confirmed)
    }

    /// Asks for redelivery (`-NAK`), after `delay` when given. - Throws: ``JetStreamError``, ``NATSClientError``.
    public func nak(delay: Duration? = nil, confirmed: Bool = false) async throws {
        try await settle(.nak(delay: delay), confirmed: confirmed)
    }

    /// Restarts the ack-wait timer while work goes on (`+WPI`). - Throws: ``JetStreamError``, ``NATSClientError``.
    public func inProgress(confirmed: Bool = false) async throws {
        try await settle(.inProgress, confirmed: confirmed)
    }

    /// Stops redelivery of a message that will never be handled (`+TERM`).
    /// - Throws: ``JetStreamError``, ``NATSClientError``.
    public func term(confirmed: Bool = false) async throws {
        try await settle(.term, confirmed: confirmed)
    }

    /// Sends `ack` to the message's reply subject. - Throws: ``JetStreamError``, ``NATSClientError``.
    public func settle(_ ack: JetStreamAck, confirmed: Bool = false) async throws {
        guard let replyTo = message.replyTo else { throw JetStreamError.notJetStreamMessage(nil) }
        try await jetStream.acknowledge(replyTo: replyTo, ack, confirmed: confirmed)
    }
}
