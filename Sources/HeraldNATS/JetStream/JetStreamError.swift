/// A JetStream operation failed: the server refused an API request (with its `code`, `err_code` and
/// description), a publish's expectation did not hold, or a reply could not be understood.
///
/// ``message`` says what went wrong and names the stream, consumer or subject; compare ``kind`` to react:
/// `error.kind == .streamNotFound`. ``errorCode`` is the server's `err_code` (for example 10059 for
/// "stream not found"), ``statusCode`` its HTTP-like `code`.
public struct JetStreamError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What kind of failure this is.
    public struct Kind: Hashable, Sendable, CustomStringConvertible {
        private let name: String
        private init(_ name: String) { self.name = name }

        /// The stream does not exist (`err_code` 10059).
        public static let streamNotFound = Kind("streamNotFound")
        /// The consumer does not exist (`err_code` 10014).
        public static let consumerNotFound = Kind("consumerNotFound")
        /// A stream of that name exists with a different configuration (`err_code` 10058).
        public static let streamNameInUse = Kind("streamNameInUse")
        /// The stream holds no message at that sequence, or none matches (`err_code` 10037).
        public static let messageNotFound = Kind("messageNotFound")
        /// A publish's `Nats-Expected-Last-Sequence` or `Nats-Expected-Last-Subject-Sequence` did not hold
        /// (`err_code` 10071).
        public static let wrongLastSequence = Kind("wrongLastSequence")
        /// A publish's `Nats-Expected-Stream` named another stream (`err_code` 10060).
        public static let wrongStream = Kind("wrongStream")
        /// The stream is at its `max_msgs` or `max_bytes` and discards new messages (`err_code` 10077 with
        /// "maximum messages exceeded" or "maximum bytes exceeded").
        public static let streamFull = Kind("streamFull")
        /// No stream listens on a published subject, or JetStream is not enabled (no responders).
        public static let noStream = Kind("noStream")
        /// A reply could not be decoded.
        public static let invalidReply = Kind("invalidReply")
        /// A pull request was refused (status 400 or 409, such as a deleted consumer).
        public static let pullRefused = Kind("pullRefused")
        /// An ack subject is not a JetStream ack subject.
        public static let notJetStreamMessage = Kind("notJetStreamMessage")
        /// A stream or consumer name contains a character JetStream refuses (space, `.`, `*`, `>`).
        public static let invalidName = Kind("invalidName")
        /// Any other refusal by the server; see ``errorCode``.
        public static let apiError = Kind("apiError")

        /// The kind's name, such as `streamNotFound`.
        public var description: String { name }
    }

    /// What kind of failure this is.
    public let kind: Kind
    /// The server's HTTP-like status code (400, 404, 503, ...), when the server sent one.
    public let statusCode: Int?
    /// The server's `err_code`, when the server sent one.
    public let errorCode: Int?
    /// The server's description, when the server sent one.
    public let serverDescription: String?
    /// What went wrong, naming the operation and the stream, consumer or subject concerned.
    public let message: String

    init(kind: Kind, statusCode: Int? = nil, errorCode: Int? = nil, serverDescription: String? = nil, message: String) {
        self.kind = kind
        self.statusCode = statusCode
        self.errorCode = errorCode
        self.serverDescription = serverDescription
        self.message = message
    }

    /// The error the server reported for `operation` (for example "create stream 'ORDERS'").
    init(apiError: JetStreamAPIError, operation: String) {
        let kind: Kind
        switch apiError.errorCode {
        case 10059: kind = .streamNotFound
        case 10014: kind = .consumerNotFound
        case 10058: kind = .streamNameInUse
        case 10037: kind = .messageNotFound
        case 10071: kind = .wrongLastSequence
        case 10060: kind = .wrongStream
        case 10077 where apiError.description.contains("maximum"): kind = .streamFull
        default: kind = .apiError
        }
        self.init(
            kind: kind,
            statusCode: apiError.code,
            errorCode: apiError.errorCode,
            serverDescription: apiError.description,
            message:
                "JetStream refused to \(operation): \(apiError.description) (code \(apiError.code), err_code \(apiError.errorCode.map(String.init) ?? "-"))"
        )
    }

    /// A reply to `operation` that could not be decoded.
    static func invalidReply(_ operation: String, reason: String) -> Self {
        Self(kind: .invalidReply, message: "the JetStream reply to \(operation) could not be decoded: \(reason)")
    }

    /// Nobody answered a publish to `subject`: no stream captures it, or JetStream is disabled.
    static func noStream(subject: String) -> Self {
        Self(
            kind: .noStream,
            statusCode: 503,
            message: "no JetStream stream captures subject '\(subject)' (no responders); create a stream for it, or "
                + "enable JetStream on the server"
        )
    }

    /// JetStream does not answer API requests under `prefix`.
    static func notEnabled(prefix: String) -> Self {
        Self(
            kind: .noStream,
            statusCode: 503,
            message: "JetStream does not answer on '\(prefix)' (no responders); start the server with JetStream "
                + "enabled (nats-server -js) or check the domain/API prefix"
        )
    }

    /// A pull request for `consumer` of `stream` was refused with a status.
    static func pullRefused(stream: String, consumer: String, status: Int, description: String?) -> Self {
        Self(
            kind: .pullRefused,
            statusCode: status,
            serverDescription: description,
            message: "the pull request to consumer '\(consumer)' of stream '\(stream)' was refused: \(status) "
                + "\(description ?? "")"
        )
    }

    /// `name` is not a valid stream or consumer name.
    static func invalidName(_ what: String, _ name: String) -> Self {
        Self(
            kind: .invalidName,
            message: "\(what) name '\(name)' is invalid: it must be non-empty and contain no whitespace, '.', '*' or '>'"
        )
    }

    /// `subject` is not a JetStream ack subject.
    static func notJetStreamMessage(_ subject: String?) -> Self {
        Self(
            kind: .notJetStreamMessage,
            message: "reply subject '\(subject ?? "(none)")' is not a JetStream ack subject ($JS.ACK.<stream>.<consumer>...); "
                + "the message did not come from a JetStream consumer"
        )
    }

    /// The kind and the message.
    public var description: String { "JetStreamError.\(kind): \(message)" }
}
