import NIOCore

import struct Foundation.Data
import struct Foundation.Date

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
