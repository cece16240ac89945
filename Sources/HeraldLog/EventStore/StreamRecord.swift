import Herald
import NIOCore

/// The value of one event-store record in the log: a version byte, the event's revision in its stream
/// (8 bytes, big-endian) and the event in the binary envelope. The record's key is the stream's name; the
/// record batch around it carries the CRC, so damage is found like any other record's.
enum StreamRecord {
    static let version: UInt8 = 1
    /// Bytes before the envelope.
    static let headerSize = 9

    /// The encoded value for `event` at `revision`.
    static func encode(_ event: Event, revision: UInt64) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.reserveCapacity(headerSize + EventEnvelope.encodedSize(of: event))
        buffer.writeInteger(version)
        buffer.writeInteger(revision)
        EventEnvelope.encode(event, into: &buffer)
        return buffer
    }

    /// The revision and event a stored value holds.
    ///
    /// - Throws: ``EnvelopeError`` when the value is not one (a wrong version, too short, a malformed
    ///   envelope).
    static func decode(_ value: ByteBuffer) throws(EnvelopeError) -> (revision: UInt64, event: Event) {
        var buffer = value
        guard let version: UInt8 = buffer.readInteger() else { throw .truncated("stream record version") }
        guard version == Self.version else { throw .unknownVersion(version) }
        guard let revision: UInt64 = buffer.readInteger() else { throw .truncated("stream record revision") }
        return (revision, try EventEnvelope.decode(buffer))
    }
}

extension StreamRecord {
    /// The revision a stored value holds, without decoding its event; `nil` when the value is not a
    /// stream record.
    static func revision(of value: ByteBuffer) -> UInt64? {
        guard value.getInteger(at: value.readerIndex, as: UInt8.self) == version else { return nil }
        return value.getInteger(at: value.readerIndex + 1, as: UInt64.self)
    }
}
