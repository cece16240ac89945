import Herald
import NIOCore

import struct Foundation.Date

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
        var reuse = DecodeReuse()
        return try decode(buffer, reusing: &reuse)
    }

    /// Attribute values of the last event decoded, which the next one may share (see
    /// ``RawByteReader/readLengthPrefixedString(reusing:)``): one per run of events decoded together.
    struct DecodeReuse {
        fileprivate var source: String?
        fileprivate var type: String?
        fileprivate var subject: String?
        fileprivate var contentType: String?
        fileprivate var schema: String?
    }

    /// Decodes an event that fills `buffer` exactly, sharing repeated attribute values with the events
    /// decoded before it with the same `reuse`.
    ///
    /// - Throws: ``EnvelopeError`` saying which part is malformed.
    static func decode(_ buffer: ByteBuffer, reusing reuse: inout DecodeReuse) throws(EnvelopeError) -> Event {
        let decoded = buffer.withUnsafeReadableBytes { bytes in Result { () throws(EnvelopeError) in try decodeFields(bytes, reuse: &reuse) } }
        let fields: DecodedFields
        switch decoded {
        case .success(let value): fields = value
        case .failure(let error): throw error
        }
        let data = fields.dataRange.flatMap { buffer.getSlice(at: buffer.readerIndex + $0.lowerBound, length: $0.count) }
        do {
            return try Event(
                id: fields.id,
                source: fields.source,
                type: fields.type,
                subject: fields.subject,
                time: fields.time,
                dataContentType: fields.contentType,
                dataSchema: fields.schema,
                extensions: fields.extensions,
                data: data
            )
        } catch {
            throw .invalidEvent(error.message)
        }
    }

    /// Every attribute of an envelope, with where its data lies.
    private struct DecodedFields {
        var id: String
        var source: String
        var type: String
        var subject: String?
        var time: Date?
        var contentType: String?
        var schema: String?
        var dataRange: Range<Int>?
        var extensions: [String: String]
    }

    private static func decodeFields(_ bytes: UnsafeRawBufferPointer, reuse: inout DecodeReuse) throws(EnvelopeError) -> DecodedFields {
        var reader = RawByteReader(bytes)
        guard let version = reader.readByte() else { throw .truncated("version") }
        guard version == Self.version else { throw .unknownVersion(version) }
        guard let id = reader.readLengthPrefixedString() else { throw .truncated("id") }
        guard let source = reader.readLengthPrefixedString(reusing: &reuse.source) else { throw .truncated("source") }
        guard let type = reader.readLengthPrefixedString(reusing: &reuse.type) else { throw .truncated("type") }
        guard let presence = reader.readByte() else { throw .truncated("presence") }
        var fields = DecodedFields(id: id, source: source, type: type, extensions: [:])
        if presence & Presence.subject != 0 {
            guard let value = reader.readLengthPrefixedString(reusing: &reuse.subject) else { throw .truncated("subject") }
            fields.subject = value
        }
        if presence & Presence.time != 0 {
            guard let bits = reader.readLittleEndian(UInt64.self) else { throw .truncated("time") }
            fields.time = Date(timeIntervalSinceReferenceDate: Double(bitPattern: bits))
        }
        if presence & Presence.dataContentType != 0 {
            guard let value = reader.readLengthPrefixedString(reusing: &reuse.contentType) else { throw .truncated("datacontenttype") }
            fields.contentType = value
        }
        if presence & Presence.dataSchema != 0 {
            guard let value = reader.readLengthPrefixedString(reusing: &reuse.schema) else { throw .truncated("dataschema") }
            fields.schema = value
        }
        if presence & Presence.data != 0 {
            guard let length = reader.readVarint(), length <= UInt64(reader.remaining), let start = reader.skip(Int(length)) else {
                throw .truncated("data")
            }
            fields.dataRange = start..<start + Int(length)
        }
        guard let count = reader.readVarint(), count <= UInt64(reader.remaining) else { throw .truncated("extensions") }
        for _ in 0..<count {
            guard let name = reader.readLengthPrefixedString(), let value = reader.readLengthPrefixedString() else {
                throw .truncated("extension attribute")
            }
            fields.extensions[name] = value
        }
        guard reader.remaining == 0 else { throw .trailingBytes(reader.remaining) }
        return fields
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
