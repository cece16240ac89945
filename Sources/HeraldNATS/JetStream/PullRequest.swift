import NIOCore

/// One pull request to a pull consumer (`$JS.API.CONSUMER.MSG.NEXT`): how many messages, until when.
///
/// The server answers on the request's reply subject with up to ``batch`` messages, then ends the
/// request silently when the batch is complete, or with a status message: `404 No Messages` (``noWait``
/// and nothing there), `408 Request Timeout` (``expires`` passed; headers `Nats-Pending-Messages` and
/// `Nats-Pending-Bytes` say what was left), `409` (the consumer was deleted, or too many requests wait),
/// and `100 Idle Heartbeat` every ``heartbeat`` while it waits.
public struct PullRequest: Sendable, Hashable, Encodable {
    /// The most messages to send.
    public var batch: Int
    /// How long the request waits for messages; `nil` for as long as the server keeps it.
    public var expires: Duration?
    /// Answer at once: the messages there are, or `404`.
    public var noWait: Bool
    /// Send `100 Idle Heartbeat` at this interval while waiting (at most half of ``expires``).
    public var heartbeat: Duration?
    /// The most payload bytes to send.
    public var maximumBytes: Int?

    /// Creates a pull request.
    public init(batch: Int, expires: Duration? = nil, noWait: Bool = false, heartbeat: Duration? = nil, maximumBytes: Int? = nil) {
        self.batch = batch
        self.expires = expires
        self.noWait = noWait
        self.heartbeat = heartbeat
        self.maximumBytes = maximumBytes
    }

    enum CodingKeys: String, CodingKey {
        case batch, expires
        case noWait = "no_wait"
        case heartbeat = "idle_heartbeat"
        case maximumBytes = "max_bytes"
    }

    /// The API's JSON, written directly (pull requests are sent often).
    var json: ByteBuffer {
        var text = "{\"batch\":\(batch)"
        if let expires { text += ",\"expires\":\(expires.jetStreamNanoseconds)" }
        if noWait { text += ",\"no_wait\":true" }
        if let heartbeat { text += ",\"idle_heartbeat\":\(heartbeat.jetStreamNanoseconds)" }
        if let maximumBytes { text += ",\"max_bytes\":\(maximumBytes)" }
        text += "}"
        return ByteBuffer(string: text)
    }

    /// Encodes the API's JSON.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(batch, forKey: .batch)
        try container.encodeNanoseconds(expires, forKey: .expires)
        if noWait { try container.encode(true, forKey: .noWait) }
        try container.encodeNanoseconds(heartbeat, forKey: .heartbeat)
        try container.encodeIfPresent(maximumBytes, forKey: .maximumBytes)
    }
}
