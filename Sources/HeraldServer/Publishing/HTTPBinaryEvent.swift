import Foundation
import HTTPTypes
import Herald
import NIOCore

/// Events in the CloudEvents HTTP protocol binding's binary content mode: each attribute in a `ce-<name>`
/// header (percent-encoded), `Content-Type` as `datacontenttype`, and the body as the data.
enum HTTPBinaryEvent {
    /// The prefix of attribute headers.
    static let prefix = "ce-"

    /// The event that `headers` and `body` carry.
    ///
    /// - Throws: ``CloudEventError`` naming the attribute that is missing or invalid.
    static func decode(headers: HTTPFields, body: ByteBuffer) throws(CloudEventError) -> Event {
        var attributes: [String: String] = [:]
        var extensions: [String: String] = [:]
        for field in headers {
            let name = field.name.canonicalName
            guard name.hasPrefix(prefix) else { continue }
            let attribute = String(name.dropFirst(prefix.count))
            guard let value = PercentEncoding.decode(field.value) else {
                throw .invalidAttributeValue(attribute, value: field.value, reason: "its percent-encoding is malformed or not UTF-8")
            }
            switch attribute {
            case "id", "source", "type", "subject", "time", "dataschema", "specversion":
                guard attributes.updateValue(value, forKey: attribute) == nil else { throw .duplicateAttribute(attribute) }
            case "datacontenttype":
                // The binding carries the data's type in Content-Type, never in a ce- header.
                throw .invalidAttributeValue(attribute, value: value, reason: "in binary mode the data's media type is the Content-Type header")
            default:
                guard extensions.updateValue(value, forKey: attribute) == nil else { throw .duplicateAttribute(attribute) }
            }
        }
        guard let specVersion = attributes["specversion"] else { throw .missingAttribute("specversion") }
        guard specVersion == Event.specVersion else { throw .unsupportedSpecVersion(specVersion) }
        guard let id = attributes["id"] else { throw .missingAttribute("id") }
        guard let source = attributes["source"] else { throw .missingAttribute("source") }
        guard let type = attributes["type"] else { throw .missingAttribute("type") }
        var time: Date?
        if let text = attributes["time"] {
            guard let parsed = RFC3339.parse(text) else {
                throw .invalidAttributeValue("time", value: text, reason: "it must be an RFC 3339 timestamp")
            }
            time = parsed
        }
        return try Event(
            id: id,
            source: source,
            type: type,
            subject: attributes["subject"],
            time: time,
            dataContentType: headers[.contentType],
            dataSchema: attributes["dataschema"],
            extensions: extensions,
            data: body.readableBytes > 0 ? body : nil
        )
    }

    /// The headers that carry `event`'s attributes (with `Content-Type` for its data), for a response or
    /// a webhook request.
    static func headers(for event: Event) -> HTTPFields {
        var headers = HTTPFields()
        func add(_ name: String, _ value: String) {
            if let field = HTTPField.Name(prefix + name) { headers[field] = value }
        }
        add("specversion", Event.specVersion)
        add("id", PercentEncoding.encode(event.id))
        add("source", PercentEncoding.encode(event.source))
        add("type", PercentEncoding.encode(event.type))
        if let subject = event.subject { add("subject", PercentEncoding.encode(subject)) }
        if let time = event.time { add("time", RFC3339.format(time)) }
        if let schema = event.dataSchema { add("dataschema", PercentEncoding.encode(schema)) }
        for (name, value) in event.extensions.sorted(by: { $0.key < $1.key }) {
            add(name, PercentEncoding.encode(value))
        }
        if let contentType = event.dataContentType { headers[.contentType] = contentType }
        return headers
    }
}
