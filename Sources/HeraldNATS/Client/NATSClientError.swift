/// A NATS client operation failed. The ``message`` says what went wrong, names the offending value and
/// what to do; ``isRetryable`` says whether the same operation may succeed later.
///
/// Compare ``code`` with the static members: `error.code == .noResponders`.
public struct NATSClientError: Error, Sendable, CustomStringConvertible {
    /// What kind of failure this is.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String, Hashable, Sendable {
            case invalidServerURL
            case connectionFailed
            case authorizationFailed
            case tlsUnavailable
            case bufferFull
            case payloadTooLarge
            case noResponders
            case requestTimeout
            case flushTimeout
            case connectionLost
            case reconnectFailed
            case closed
            case draining
            case drainTimeout
            case invalidArgument
        }

        private let base: Base

        private init(_ base: Base) { self.base = base }

        /// A server URL could not be parsed.
        public static let invalidServerURL = Code(.invalidServerURL)
        /// No connection could be established (refused, timed out, handshake failed).
        public static let connectionFailed = Code(.connectionFailed)
        /// The server refused the credentials.
        public static let authorizationFailed = Code(.authorizationFailed)
        /// The URL asks for TLS but the server offers none.
        public static let tlsUnavailable = Code(.tlsUnavailable)
        /// The buffer for commands written while disconnected is full.
        public static let bufferFull = Code(.bufferFull)
        /// A message is larger than the server's `max_payload`.
        public static let payloadTooLarge = Code(.payloadTooLarge)
        /// Nobody subscribes to a request's subject.
        public static let noResponders = Code(.noResponders)
        /// No reply arrived in time.
        public static let requestTimeout = Code(.requestTimeout)
        /// The server did not answer a flush's `PING` in time.
        public static let flushTimeout = Code(.flushTimeout)
        /// The connection was lost while the operation was in flight.
        public static let connectionLost = Code(.connectionLost)
        /// Reconnecting gave up; the client is closed.
        public static let reconnectFailed = Code(.reconnectFailed)
        /// The client is closed.
        public static let closed = Code(.closed)
        /// The client is draining and takes no new subscriptions or requests.
        public static let draining = Code(.draining)
        /// A drain ended before every buffered message was consumed.
        public static let drainTimeout = Code(.drainTimeout)
        /// An argument is out of range.
        public static let invalidArgument = Code(.invalidArgument)

        /// The code's name, such as `noResponders`.
        public var description: String { base.rawValue }
    }

    /// What kind of failure this is.
    public let code: Code
    /// What went wrong and what to do about it.
    public let message: String
    /// The server concerned, when there is one (`host:port`).
    public let server: String?
    /// The error that caused this one, when there is one.
    public let underlying: (any Error)?

    private init(_ code: Code, _ message: String, server: String? = nil, underlying: (any Error)? = nil) {
        self.code = code
        self.message = message
        self.server = server
        self.underlying = underlying
    }

    /// The code and the message.
    public var description: String { "NATSClientError.\(code): \(message)" }

    /// Whether the same operation may succeed later (after a reconnect, when the buffer drained, or
    /// when a responder subscribed).
    public var isRetryable: Bool {
        switch code {
        case .connectionFailed, .bufferFull, .noResponders, .requestTimeout, .flushTimeout, .connectionLost: true
        default: false
        }
    }

    /// `url` is not `nats://`, `tls://` or `host:port` with a valid host and port.
    public static func invalidServerURL(_ url: String, reason: String) -> Self {
        Self(.invalidServerURL, "server URL '\(url)' is invalid: \(reason); use nats://host:port or tls://host:port")
    }

    /// Connecting to `server` failed because of `reason`.
    public static func connectionFailed(server: String, reason: String, underlying: (any Error)? = nil) -> Self {
        Self(
            .connectionFailed,
            "could not connect to NATS server \(server): \(reason); check that it runs and is reachable",
            server: server,
            underlying: underlying
        )
    }

    /// Every server was tried and none could be connected to; `failures` lists each.
    public static func noServersAvailable(_ failures: [NATSClientError]) -> Self {
        let list = failures.map { "\($0.server ?? "?"): \($0.message)" }.joined(separator: "; ")
        return Self(
            .connectionFailed,
            "no NATS server could be connected to (\(failures.count) tried): \(list)",
            underlying: failures.last
        )
    }

    /// `server` refused the credentials with `serverMessage`.
    public static func authorizationFailed(server: String, serverMessage: String) -> Self {
        Self(
            .authorizationFailed,
            "NATS server \(server) refused the credentials: '\(serverMessage)'; check the token or user and password "
                + "in the URL or options",
            server: server
        )
    }

    /// The URL of `server` is `tls://` but the server does not offer TLS.
    public static func tlsUnavailable(server: String) -> Self {
        Self(
            .tlsUnavailable,
            "the URL of NATS server \(server) asks for TLS but the server offers none; use nats:// or enable TLS on it",
            server: server
        )
    }

    /// The pending buffer of `limit` bytes is full while disconnected.
    public static func bufferFull(limit: Int) -> Self {
        Self(
            .bufferFull,
            "the client is disconnected and its pending buffer of \(limit) bytes is full; the publish was not sent. "
                + "Retry after reconnecting, or raise pendingBufferLimit"
        )
    }

    /// A message of `size` bytes to `subject` exceeds the server's `max_payload` of `limit`.
    public static func payloadTooLarge(subject: String, size: Int, limit: Int) -> Self {
        Self(
            .payloadTooLarge,
            "the message to '\(subject)' has \(size) bytes of headers and payload, more than the server's "
                + "max_payload of \(limit); split it or raise max_payload on the server"
        )
    }

    /// A request to `subject` found no subscriber.
    public static func noResponders(subject: String) -> Self {
        Self(.noResponders, "no responders are subscribed to '\(subject)'; start a responder or check the subject")
    }

    /// A request to `subject` got no reply within `timeout`.
    public static func requestTimeout(subject: String, timeout: Duration) -> Self {
        Self(
            .requestTimeout,
            "the request to '\(subject)' got no reply within \(timeout); the responder may be slow or gone, retry "
                + "or raise the timeout"
        )
    }

    /// A flush got no `PONG` within `timeout`.
    public static func flushTimeout(_ timeout: Duration) -> Self {
        Self(.flushTimeout, "the server did not answer PING within \(timeout); the connection may be slow or dead")
    }

    /// The connection to `server` was lost while the operation was in flight.
    public static func connectionLost(server: String?) -> Self {
        Self(
            .connectionLost,
            "the connection to NATS server \(server ?? "?") was lost before the operation completed; it may or may "
                + "not have taken effect. Retry once the client has reconnected",
            server: server
        )
    }

    /// Reconnecting gave up after `attempts` attempts; `last` is the last failure.
    public static func reconnectFailed(attempts: Int, last: (any Error)?) -> Self {
        Self(
            .reconnectFailed,
            "reconnecting gave up after \(attempts) failed attempts\(last.map { " (last: \($0))" } ?? ""); "
                + "the client is closed, create a new one",
            underlying: last
        )
    }

    /// The client is closed.
    public static var closed: Self {
        Self(.closed, "the NATS client is closed; create a new one")
    }

    /// The client is draining.
    public static var draining: Self {
        Self(.draining, "the NATS client is draining and takes no new subscriptions or requests")
    }

    /// A drain ended after `timeout` with `unconsumed` messages still buffered.
    public static func drainTimeout(_ timeout: Duration, unconsumed: Int) -> Self {
        Self(
            .drainTimeout,
            "drain gave up after \(timeout) with \(unconsumed) messages not consumed; the client is closed and they "
                + "are lost. Consume faster or raise the drain timeout"
        )
    }

    /// `name` = `value` is out of range.
    public static func invalidArgument(_ name: String, value: String, rule: String) -> Self {
        Self(.invalidArgument, "\(name) = \(value) is invalid; it \(rule)")
    }
}
