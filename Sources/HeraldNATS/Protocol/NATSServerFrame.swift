import NIOCore

/// One frame the server sends to the client.
enum NATSServerFrame: Sendable, Hashable {
    /// `INFO {json}`: the server's description, first on a connection and again on cluster changes.
    case info(NATSServerInfo)
    /// `MSG` or `HMSG`: a message for one of the client's subscriptions.
    case message(MessageFrame)
    /// `PING`: the client must answer `PONG`.
    case ping
    /// `PONG`: the answer to the client's oldest unanswered `PING`.
    case pong
    /// `+OK`: acknowledgement in verbose mode.
    case ok
    /// `-ERR '<message>'`: the server reports an error; most close the connection.
    case error(String)

    /// A delivered message: `MSG <subject> <sid> [reply-to] <#bytes>` or its `HMSG` form with headers.
    struct MessageFrame: Sendable, Hashable {
        /// The subject the message was published to.
        var subject: String
        /// The subscription id it is delivered for.
        var sid: UInt64
        /// The subject to reply to, if any.
        var replyTo: String?
        /// The headers (`HMSG`), `nil` for `MSG`.
        var headers: NATSHeaders?
        /// The payload (after the headers for `HMSG`).
        var payload: ByteBuffer
    }
}
