import struct Foundation.Data
import struct Foundation.Date
import NIOCore

/// A message read from a stream by sequence with `$JS.API.STREAM.MSG.GET`.
public struct StoredMessage: Sendable, Hashable {
    /// The subject it was published to.
    public var subject: String
    /// Its sequence in the stream.
    public var sequence: UInt64
    /// Its headers, `nil` when it has none.
    public var headers: NATSHeaders?
    /// Its payload.
    public var payload: ByteBuffer
    /// When the stream stored it.
    public var time: Date

    /// Creates a stored message.
    public init(subject: String, sequence: UInt64, headers: NATSHeaders?, payload: ByteBuffer, time: Date) {
        self.subject = subject
        self.sequence = sequence
        self.headers = headers
        self.payload = payload
        self.time = time
    }
}

/// The JSON of a `STREAM.MSG.GET` response's `message`: headers and data in base64.
struct StoredMessageBody: Decodable {
    var subject: String
    var seq: UInt64
    var hdrs: String?
    var data: String?
    var time: String

    /// The message, with headers and data decoded.
    func message(operation: String) throws -> StoredMessage {
        guard let time = JetStreamTime.parse(time) else {
            throw JetStreamError.invalidReply(operation, reason: "time '\(self.time)' is not RFC 3339")
        }
        var headers: NATSHeaders?
        if let hdrs, !hdrs.isEmpty {
            guard let bytes = Data(base64Encoded: hdrs) else {
                throw JetStreamError.invalidReply(operation, reason: "hdrs is not base64")
            }
            do {
                headers = try bytes.withUnsafeBytes { try NATSHeaders.decode($0) }
            } catch {
                throw JetStreamError.invalidReply(operation, reason: "hdrs is not a NATS header block: \(error)")
            }
        }
        var payload = ByteBuffer()
        if let data, !data.isEmpty {
            guard let bytes = Data(base64Encoded: data) else {
                throw JetStreamError.invalidReply(operation, reason: "data is not base64")
            }
            payload.writeBytes(bytes)
        }
        return StoredMessage(subject: subject, sequence: seq, headers: headers, payload: payload, time: time)
    }
}

/// Which messages `$JS.API.STREAM.PURGE` removes.
public struct StreamPurgeRequest: Sendable, Hashable, Encodable {
    /// Only messages on subjects matching this filter.
    public var filter: String?
    /// Only messages below this sequence.
    public var sequence: UInt64?
    /// Keep this many of the newest messages.
    public var keep: UInt64?

    /// A purge of everything (with all `nil`), or of what the arguments name.
    public init(filter: String? = nil, sequence: UInt64? = nil, keep: UInt64? = nil) {
        self.filter = filter
        self.sequence = sequence
        self.keep = keep
    }

    enum CodingKeys: String, CodingKey {
        case filter
        case sequence = "seq"
        case keep
    }
}

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
