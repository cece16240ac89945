import NIOCore

/// A message received from NATS: on a subscription, or as the reply to a request.
public struct NATSMessage: Sendable, Hashable, CustomStringConvertible {
    /// The subject the message was published to.
    public var subject: String
    /// The subject to reply to (for requests, and for JetStream acknowledgements), `nil` when there is none.
    public var replyTo: String?
    /// The headers, `nil` when the message has none.
    public var headers: NATSHeaders?
    /// The payload (without the headers).
    public var payload: ByteBuffer

    /// Creates a message.
    public init(subject: String, replyTo: String? = nil, headers: NATSHeaders? = nil, payload: ByteBuffer = ByteBuffer()) {
        self.subject = subject
        self.replyTo = replyTo
        self.headers = headers
        self.payload = payload
    }

    /// The status code the server put in the header line (see ``NATSStatusCode``), `nil` for ordinary
    /// messages.
    public var status: Int? { headers?.status }

    /// The text after the status code, such as `No Messages`.
    public var statusDescription: String? { headers?.statusDescription }

    /// The payload decoded as UTF-8.
    public var string: String { String(buffer: payload) }

    /// The subject, reply subject, status and payload size (not the payload).
    public var description: String {
        let reply = replyTo.map { " reply-to \($0)" } ?? ""
        let status = status.map { " status \($0)" } ?? ""
        return "NATSMessage(\(subject)\(reply)\(status), \(payload.readableBytes) bytes)"
    }
}
