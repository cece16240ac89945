import Herald
import NIOCore

import struct Foundation.Date

/// Events as NATS messages in the CloudEvents NATS protocol binding's binary content mode: every
/// attribute in a header named `ce-<attribute>` (extensions too), its value percent-encoded, and the data
/// as the payload. So any NATS client can read what Herald publishes.
///
/// `datacontenttype` travels as `ce-datacontenttype`, as the binding's header-name rule and example
/// say; `Content-Type` is reserved there for telling structured mode (`application/cloudevents…`) apart,
/// so writing the event's media type into it would make an event whose data is itself a CloudEvent look
/// structured. On reading, `Content-Type` is accepted as `datacontenttype` when `ce-datacontenttype` is
/// absent (what some SDKs write).
enum CloudEventHeaders {
    /// The prefix of attribute headers.
    static let prefix = "ce-"

    /// The headers that carry `event`'s attributes, in a fixed order (required attributes first, then
    /// optional ones, then extensions by name).
    static func headers(for event: Event) -> NATSHeaders {
        var headers = NATSHeaders(reservingCapacity: 8 + event.extensions.count)
        headers.append("ce-specversion", Event.specVersion)
        headers.append("ce-id", PercentEncoding.encode(event.id))
        headers.append("ce-source", PercentEncoding.encode(event.source))
        headers.append("ce-type", PercentEncoding.encode(event.type))
        if let subject = event.subject { headers.append("ce-subject", PercentEncoding.encode(subject)) }
        if let time = event.time { headers.append("ce-time", RFC3339.formatExact(time)) }
        if let contentType = event.dataContentType {
            headers.append("ce-datacontenttype", PercentEncoding.encode(contentType))
        }
        if let schema = event.dataSchema { headers.append("ce-dataschema", PercentEncoding.encode(schema)) }
        for (name, value) in event.extensions.sorted(by: { $0.key < $1.key }) {
            headers.append(prefix + name, PercentEncoding.encode(value))
        }
        return headers
    }

    /// The event a message carries. A message that is not a binary-mode CloudEvent (no `ce-id`,
    /// `ce-source` or `ce-type`, or values that do not decode) still becomes an event, so that nothing
    /// published on a topic's subject is silently skipped: id `<stream>:<sequence>`, source
    /// `nats:<subject>`, type ``foreignMessageType``, its payload as data. Extension headers whose names
    /// break the CloudEvents naming rule are left out.
    static func event(headers: NATSHeaders?, payload: ByteBuffer, subject: String, stream: String, sequence: UInt64) -> Event {
        var recent = RecentStrings()
        return event(headers: headers, payload: payload, subject: subject, stream: stream, sequence: sequence, reusing: &recent)
    }

    /// The event a message carries, as ``event(headers:payload:subject:stream:sequence:)`` makes it, taking
    /// the attribute strings from `recent` when it made them before (the messages of a stream repeat most
    /// of them). Headers other than `ce-*` and `Content-Type` (such as `Nats-Msg-Id`) are skipped without
    /// a string made of them.
    static func event(
        headers: NATSHeaders?,
        payload: ByteBuffer,
        subject: String,
        stream: String,
        sequence: UInt64,
        reusing recent: inout RecentStrings
    ) -> Event {
        var attributes = Attributes()
        var extensions: [String: String] = [:]
        var contentTypeHeader: String?
        var malformed = false
        headers?.forEachField { nameBytes, valueBytes in
            guard let name = HeaderName(nameBytes) else { return }
            guard let text = recent.string(valueBytes, make: UTF8Text.string) else {
                malformed = true
                return
            }
            if case .contentType = name {
                contentTypeHeader = text
                return
            }
            guard let value = PercentEncoding.decode(text) else {
                malformed = true
                return
            }
            switch name {
            case .id: attributes.id = value
            case .source: attributes.source = value
            case .type: attributes.type = value
            case .subject: attributes.subject = value
            case .time: attributes.time = value
            case .dataContentType: attributes.dataContentType = value
            case .dataSchema: attributes.dataSchema = value
            case .specVersion, .contentType: break
            case .extensionAttribute:
                let attribute = String(decoding: UnsafeRawBufferPointer(rebasing: nameBytes[prefix.utf8.count...]), as: UTF8.self).lowercased()
                if ExtensionAttributeName(rawValue: attribute) != nil { extensions[attribute] = value }
            }
        }
        let data = payload.readableBytes > 0 ? payload : nil
        let time = attributes.time.flatMap { RFC3339.parse($0) ?? JetStreamTime.parse($0) }
        if !malformed, let id = attributes.id, let source = attributes.source, let type = attributes.type,
            attributes.time == nil || time != nil,
            let event = try? Event(
                id: id,
                source: source,
                type: type,
                subject: attributes.subject,
                time: time,
                dataContentType: attributes.dataContentType ?? contentTypeHeader,
                dataSchema: attributes.dataSchema,
                extensions: extensions,
                data: data
            )
        {
            return event
        }
        return foreignEvent(payload: data, subject: subject, stream: stream, sequence: sequence, contentType: contentTypeHeader)
    }

    /// The headers an event is read from, told apart by their bytes, ignoring ASCII case (Herald writes the
    /// names in lower case; others may not).
    private enum HeaderName {
        case contentType, id, source, type, subject, time, dataContentType, dataSchema, specVersion
        /// Any other `ce-` name: an extension, if the name is a valid one.
        case extensionAttribute

        private static let attributes: [(StaticString, HeaderName)] = [
            ("id", .id), ("source", .source), ("type", .type), ("subject", .subject), ("time", .time),
            ("datacontenttype", .dataContentType), ("dataschema", .dataSchema), ("specversion", .specVersion),
        ]

        /// The header `name` stands for; `nil` for one the event does not read.
        init?(_ name: UnsafeRawBufferPointer) {
            if UTF8Text.equalsIgnoringCase(name, "content-type") {
                self = .contentType
                return
            }
            guard name.count >= 3, UTF8Text.equalsIgnoringCase(UnsafeRawBufferPointer(rebasing: name[0..<3]), "ce-") else { return nil }
            let attribute = UnsafeRawBufferPointer(rebasing: name[3...])
            self = Self.attributes.first { UTF8Text.equalsIgnoringCase(attribute, $0.0) }?.1 ?? .extensionAttribute
        }
    }

    /// The context attributes read from `ce-` headers, decoded.
    private struct Attributes {
        var id: String?
        var source: String?
        var type: String?
        var subject: String?
        var time: String?
        var dataContentType: String?
        var dataSchema: String?
    }

    /// The type of events made from messages that are not CloudEvents.
    static let foreignMessageType = "io.nats.jetstream.message"

    private static func foreignEvent(payload: ByteBuffer?, subject: String, stream: String, sequence: UInt64, contentType: String?) -> Event {
        do {
            return try Event(
                id: "\(stream):\(sequence)",
                source: "nats:\(subject)",
                type: foreignMessageType,
                dataContentType: contentType,
                data: payload
            )
        } catch {
            // id, source and type are non-empty by construction, and there are no extensions.
            preconditionFailure("a foreign message's event is valid by construction: \(error)")
        }
    }

    /// The `Nats-Msg-Id` that de-duplicates `event` within a stream's duplicate window: its `source` and
    /// `id` (its de-duplication key's: a redrive's id names the redrive) percent-encoded and joined by a
    /// space (which the encoding never produces, so the pair is recovered unambiguously).
    static func messageID(for event: Event) -> String {
        let key = event.deduplicationKey
        return "\(PercentEncoding.encode(key.source)) \(PercentEncoding.encode(key.id))"
    }
}
