import struct Foundation.Date
import Herald
import NIOCore

/// The binary encoding of an ``Event`` inside a log record (see `Docs/storage-format.md`): compact,
/// exact (the producer's `time` round-trips to the bit) and versioned.
enum EventEnvelope {
    static let version: UInt8 = 1

    private enum Presence {
        static let subject: UInt8 = 1 << 0
        static let time: UInt8 = 1 << 1
        static let dataContentType: UInt8 = 1 << 2
        static let dataSchema: UInt8 = 1 << 3
        static let data: UInt8 = 1 << 4
    }

    /// Appends the encoding of `event` to `buffer`.
    static func encode(_ event: Event, into buffer: inout ByteBuffer) {
        let size = encodedSize(of: event)
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: size) { space in
            guard let base = space.baseAddress else { return 0 }
            var writer = RawByteWriter(base)
            encode(event, into: &writer)
            return writer.written
        }
    }

    /// The bytes ``encode(_:into:)-(_,RawByteWriter)`` writes for `event`.
    static func encodedSize(of event: Event) -> Int {
        var size = 2 + lengthPrefixedSize(event.id) + lengthPrefixedSize(event.source) + lengthPrefixedSize(event.type)
        if let subject = event.subject { size += lengthPrefixedSize(subject) }
        if event.time != nil { size += 8 }
        if let contentType = event.dataContentType { size += lengthPrefixedSize(contentType) }
        if let schema = event.dataSchema { size += lengthPrefixedSize(schema) }
        if let data = event.data { size += varintSize(UInt64(data.readableBytes)) + data.readableBytes }
        let extensions = event.extensions
        size += varintSize(UInt64(extensions.count))
        for (name, value) in extensions {
            size += lengthPrefixedSize(name) + lengthPrefixedSize(value)
        }
        return size
    }

    /// Writes the encoding of `event` (``encodedSize(of:)`` bytes) through `writer`.
    static func encode(_ event: Event, into writer: inout RawByteWriter) {
        writer.write(version)
        writer.writeLengthPrefixed(event.id)
        writer.writeLengthPrefixed(event.source)
        writer.writeLengthPrefixed(event.type)
        let subject = event.subject
        let time = event.time
        let contentType = event.dataContentType
        let schema = event.dataSchema
        let data = event.data
        var presence: UInt8 = 0
        if subject != nil { presence |= Presence.subject }
        if time != nil { presence |= Presence.time }
        if contentType != nil { presence |= Presence.dataContentType }
        if schema != nil { presence |= Presence.dataSchema }
        if data != nil { presence |= Presence.data }
        writer.write(presence)
        if let subject { writer.writeLengthPrefixed(subject) }
        if let time { writer.writeLittleEndian(time.timeIntervalSinceReferenceDate.bitPattern) }
        if let contentType { writer.writeLengthPrefixed(contentType) }
        if let schema { writer.writeLengthPrefixed(schema) }
        if let data {
            writer.writeVarint(UInt64(data.readableBytes))
            data.withUnsafeReadableBytes { writer.write($0) }
        }
        let extensions = event.extensions
        writer.writeVarint(UInt64(extensions.count))
        guard !extensions.isEmpty else { return }
        // Sorted, so that equal events encode to equal bytes.
        for (name, value) in extensions.sorted(by: { $0.key < $1.key }) {
            writer.writeLengthPrefixed(name)
            writer.writeLengthPrefixed(value)
        }
    }

    /// Decodes an event that fills `buffer` exactly.
    ///
    /// - Throws: ``EnvelopeError`` saying which part is malformed.
    static func decode(_ buffer: ByteBuffer) throws(EnvelopeError) -> Event {
        var buffer = buffer
        guard let version: UInt8 = buffer.readInteger() else { throw .truncated("version") }
        guard version == Self.version else { throw .unknownVersion(version) }
        guard let id = buffer.readLengthPrefixedString() else { throw .truncated("id") }
        guard let source = buffer.readLengthPrefixedString() else { throw .truncated("source") }
        guard let type = buffer.readLengthPrefixedString() else { throw .truncated("type") }
        guard let presence: UInt8 = buffer.readInteger() else { throw .truncated("presence") }
        var subject: String?
        var time: Date?
        var contentType: String?
        var schema: String?
        var data: ByteBuffer?
        if presence & Presence.subject != 0 {
            guard let value = buffer.readLengthPrefixedString() else { throw .truncated("subject") }
            subject = value
        }
        if presence & Presence.time != 0 {
            guard let bits: UInt64 = buffer.readInteger(endianness: .little) else { throw .truncated("time") }
            time = Date(timeIntervalSinceReferenceDate: Double(bitPattern: bits))
        }
        if presence & Presence.dataContentType != 0 {
            guard let value = buffer.readLengthPrefixedString() else { throw .truncated("datacontenttype") }
            contentType = value
        }
        if presence & Presence.dataSchema != 0 {
            guard let value = buffer.readLengthPrefixedString() else { throw .truncated("dataschema") }
            schema = value
        }
        if presence & Presence.data != 0 {
            guard let length = buffer.readVarint(), length <= UInt64(buffer.readableBytes),
                let bytes = buffer.readSlice(length: Int(length))
            else { throw .truncated("data") }
            data = bytes
        }
        guard let count = buffer.readVarint(), count <= UInt64(buffer.readableBytes) else { throw .truncated("extensions") }
        var extensions: [String: String] = [:]
        for _ in 0..<count {
            guard let name = buffer.readLengthPrefixedString(), let value = buffer.readLengthPrefixedString() else {
                throw .truncated("extension attribute")
            }
            extensions[name] = value
        }
        guard buffer.readableBytes == 0 else { throw .trailingBytes(buffer.readableBytes) }
        do {
            return try Event(
                id: id,
                source: source,
                type: type,
                subject: subject,
                time: time,
                dataContentType: contentType,
                dataSchema: schema,
                extensions: extensions,
                data: data
            )
        } catch {
            throw .invalidEvent(error.message)
        }
    }
}

/// A stored event envelope could not be decoded.
struct EnvelopeError: Error, CustomStringConvertible {
    let description: String

    static func truncated(_ part: String) -> Self { Self(description: "event envelope ends inside '\(part)'") }
    static func unknownVersion(_ version: UInt8) -> Self { Self(description: "event envelope version \(version) is not supported") }
    static func trailingBytes(_ count: Int) -> Self { Self(description: "event envelope has \(count) unexpected trailing bytes") }
    static func invalidEvent(_ reason: String) -> Self { Self(description: "stored event is invalid: \(reason)") }
}
