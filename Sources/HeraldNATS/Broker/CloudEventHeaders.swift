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
        var attributes = Attributes()
        var extensions: [String: String] = [:]
        var contentTypeHeader: String?
        var malformed = false
        for field in headers ?? NATSHeaders() {
            // Herald writes the names in lower case; others may not.
            let name = Self.hasUppercase(field.name) ? field.name.lowercased() : field.name
            if name == "content-type" {
                contentTypeHeader = field.value
                continue
            }
            guard name.hasPrefix(prefix) else { continue }
            guard let value = PercentEncoding.decode(field.value) else {
                malformed = true
                continue
            }
            switch name {
            case "ce-id": attributes.id = value
            case "ce-source": attributes.source = value
            case "ce-type": attributes.type = value
            case "ce-subject": attributes.subject = value
            case "ce-time": attributes.time = value
            case "ce-datacontenttype": attributes.dataContentType = value
            case "ce-dataschema": attributes.dataSchema = value
            case "ce-specversion": break
            default:
                let attribute = String(name.dropFirst(prefix.count))
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

    /// Whether `text` has an ASCII upper-case letter.
    private static func hasUppercase(_ text: String) -> Bool {
        let isUpper = { (byte: UInt8) in byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") }
        return text.utf8Contains(where: isUpper)
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
