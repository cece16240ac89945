import struct Foundation.Date
import NIOCore

/// The CloudEvents 1.0 JSON event format and JSON batch format.
///
/// Context attributes are top-level members of a JSON object. Extension attribute values may be JSON
/// strings, numbers or booleans; ``Event`` keeps them as their canonical strings (`5`, `2.5`, `true`),
/// and they are written back as JSON strings. A `null` attribute is treated as absent, and so is
/// `"data": null`.
///
/// The payload travels as follows:
/// - JSON payloads (`datacontenttype` absent, `application/json`, `text/json` or any `+json` type) are
///   embedded as a JSON value in `data`. ``Event/data`` holds that value's compact JSON text, with
///   object keys sorted, so its bytes can differ from the producer's while meaning the same. Integers
///   outside the 64-bit range and numbers more precise than a `Double` are rounded to a `Double`.
/// - Textual payloads (`text/*`, `application/xml`, `+xml` and similar) that are valid UTF-8 are written
///   as a JSON string in `data`.
/// - Anything else, and JSON or text payloads whose bytes are not what their type promises, is written
///   as base64 in `data_base64`.
///
/// Documents are parsed with Foundation's JSON parser, which is strict except that it tolerates a
/// trailing comma in an object or array.
public enum CloudEventJSON {
    /// The media type of one event in the JSON event format.
    public static let mediaType = "application/cloudevents+json"
    /// The media type of the JSON batch format.
    public static let batchMediaType = "application/cloudevents-batch+json"

    // MARK: Single events

    /// Writes `event` in the JSON event format.
    ///
    /// - Throws: ``CloudEventError`` when a required attribute has been set to the empty string, or
    ///   `subject`, `datacontenttype` or `dataschema` is empty.
    public static func encode(_ event: Event) throws(CloudEventError) -> ByteBuffer {
        try serialize(.object(members(of: event)))
    }

    /// Reads one event in the JSON event format.
    ///
    /// - Throws: ``CloudEventError`` naming the attribute at fault, or ``CloudEventError/invalidJSON(_:)``
    ///   when `bytes` is not a JSON object.
    public static func decode(_ bytes: ByteBuffer) throws(CloudEventError) -> Event {
        try event(from: parse(bytes))
    }

    /// Reads one event in the JSON event format from raw bytes.
    ///
    /// - Throws: ``CloudEventError``, as ``decode(_:)-(ByteBuffer)`` does.
    public static func decode(_ bytes: [UInt8]) throws(CloudEventError) -> Event {
        try decode(ByteBuffer(bytes: bytes))
    }

    /// Reads one event in the JSON event format from text.
    ///
    /// - Throws: ``CloudEventError``, as ``decode(_:)-(ByteBuffer)`` does.
    public static func decode(_ text: String) throws(CloudEventError) -> Event {
        try decode(ByteBuffer(string: text))
    }

    // MARK: Batches

    /// Writes `events` in the JSON batch format: a JSON array of events, `[]` when there are none.
    ///
    /// - Throws: ``CloudEventError`` for the first event that cannot be written, with its
    ///   ``CloudEventError/batchIndex``.
    public static func encodeBatch(_ events: [Event]) throws(CloudEventError) -> ByteBuffer {
        var elements: [JSONValue] = []
        elements.reserveCapacity(events.count)
        for (index, event) in events.enumerated() {
            do throws(CloudEventError) {
                elements.append(.object(try members(of: event)))
            } catch {
                throw .batchElement(index, error)
            }
        }
        return try serialize(.array(elements))
    }

    /// Reads a JSON batch: a JSON array of events, possibly empty.
    ///
    /// - Throws: ``CloudEventError/invalidJSON(_:)`` when `bytes` is not a JSON array, or the error of
    ///   the first event that cannot be read, with its ``CloudEventError/batchIndex``.
    public static func decodeBatch(_ bytes: ByteBuffer) throws(CloudEventError) -> [Event] {
        guard case .array(let elements) = try parseDocument(bytes) else {
            throw .invalidJSON("a batch must be a JSON array of events")
        }
        var events: [Event] = []
        events.reserveCapacity(elements.count)
        for (index, element) in elements.enumerated() {
            do throws(CloudEventError) {
                guard case .object(let members) = element else {
                    throw CloudEventError.invalidJSON("an event must be a JSON object, not \(element.kindDescription)")
                }
                events.append(try event(from: members))
            } catch {
                throw .batchElement(index, error)
            }
        }
        return events
    }

    /// Reads a JSON batch from raw bytes.
    ///
    /// - Throws: ``CloudEventError``, as ``decodeBatch(_:)-(ByteBuffer)`` does.
    public static func decodeBatch(_ bytes: [UInt8]) throws(CloudEventError) -> [Event] {
        try decodeBatch(ByteBuffer(bytes: bytes))
    }

    /// Reads a JSON batch from text.
    ///
    /// - Throws: ``CloudEventError``, as ``decodeBatch(_:)-(ByteBuffer)`` does.
    public static func decodeBatch(_ text: String) throws(CloudEventError) -> [Event] {
        try decodeBatch(ByteBuffer(string: text))
    }
}

// MARK: - Writing

extension CloudEventJSON {
    private static func members(of event: Event) throws(CloudEventError) -> [String: JSONValue] {
        var members: [String: JSONValue] = ["specversion": .string(Event.specVersion)]
        for (name, value) in [("id", event.id), ("source", event.source), ("type", event.type)] {
            guard !value.isEmpty else { throw .emptyAttribute(name) }
            members[name] = .string(value)
        }
        let optionals = [
            ("subject", event.subject), ("datacontenttype", event.dataContentType), ("dataschema", event.dataSchema),
        ]
        for case (let name, let value?) in optionals {
            guard !value.isEmpty else { throw .emptyAttribute(name) }
            members[name] = .string(value)
        }
        if let time = event.time {
            members["time"] = .string(RFC3339.format(time))
        }
        for (name, value) in event.extensions {
            members[name] = .string(value)
        }
        if let data = event.data {
            let (name, value) = dataMember(data, contentType: event.dataContentType)
            members[name] = value
        }
        return members
    }

    /// The member that carries `data`: `data` holding JSON or text, or `data_base64`.
    private static func dataMember(_ data: ByteBuffer, contentType: String?) -> (String, JSONValue) {
        let mediaType = contentType.map(MediaType.init)
        if mediaType?.isJSON ?? true, let value = try? JSONValue(parsing: data) {
            return ("data", value)
        }
        if mediaType?.isText ?? false, let text = String(validating: data.readableBytesView, as: UTF8.self) {
            return ("data", .string(text))
        }
        return ("data_base64", .string(Base64.encode(data.readableBytesView)))
    }

    private static func serialize(_ value: JSONValue) throws(CloudEventError) -> ByteBuffer {
        do {
            return try value.serialized()
        } catch {
            throw .invalidJSON("could not be written: \(error)")
        }
    }
}

// MARK: - Reading

extension CloudEventJSON {
    private static func parseDocument(_ bytes: ByteBuffer) throws(CloudEventError) -> JSONValue {
        do {
            return try JSONValue(parsing: bytes)
        } catch let error as DecodingError {
            throw .invalidJSON(reason(for: error))
        } catch {
            throw .invalidJSON("\(error)")
        }
    }

    private static func parse(_ bytes: ByteBuffer) throws(CloudEventError) -> [String: JSONValue] {
        let document = try parseDocument(bytes)
        guard case .object(let members) = document else {
            throw .invalidJSON("an event must be a JSON object, not \(document.kindDescription)")
        }
        return members
    }

    private static func reason(for error: DecodingError) -> String {
        let context: DecodingError.Context
        switch error {
        case .dataCorrupted(let errorContext), .typeMismatch(_, let errorContext),
            .valueNotFound(_, let errorContext), .keyNotFound(_, let errorContext):
            context = errorContext
        @unknown default:
            return "\(error)"
        }
        guard !context.codingPath.isEmpty else { return context.debugDescription }
        let path = context.codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue }
        return "\(context.debugDescription) (at \(path.joined(separator: ".")))"
    }

    private static func event(from document: [String: JSONValue]) throws(CloudEventError) -> Event {
        // Null attributes are absent.
        let members = document.filter { $0.value != .null }

        let specVersion = try requiredString("specversion", in: members)
        guard specVersion == Event.specVersion else {
            throw .unsupportedSpecVersion(specVersion)
        }
        let id = try requiredString("id", in: members)
        let source = try requiredString("source", in: members)
        let type = try requiredString("type", in: members)
        let subject = try optionalString("subject", in: members)
        let dataContentType = try optionalString("datacontenttype", in: members)
        let dataSchema = try optionalString("dataschema", in: members)
        let time = try timeAttribute(in: members)
        let extensions = try extensionAttributes(in: members)
        let data = try dataAttribute(in: members, contentType: dataContentType)

        return try Event(
            id: id,
            source: source,
            type: type,
            subject: subject,
            time: time,
            dataContentType: dataContentType,
            dataSchema: dataSchema,
            extensions: extensions,
            data: data
        )
    }

    private static func requiredString(
        _ name: String,
        in members: [String: JSONValue]
    ) throws(CloudEventError) -> String {
        guard let value = try optionalString(name, in: members) else {
            throw .missingAttribute(name)
        }
        return value
    }

    private static func optionalString(
        _ name: String,
        in members: [String: JSONValue]
    ) throws(CloudEventError) -> String? {
        guard let value = members[name] else { return nil }
        guard case .string(let string) = value else {
            throw .invalidAttributeType(name, expected: "a string")
        }
        guard !string.isEmpty else {
            throw .emptyAttribute(name)
        }
        return string
    }

    private static func timeAttribute(in members: [String: JSONValue]) throws(CloudEventError) -> Date? {
        guard let value = members["time"] else { return nil }
        guard case .string(let text) = value else {
            throw .invalidAttributeType("time", expected: "an RFC 3339 timestamp string")
        }
        guard let time = RFC3339.parse(text) else {
            throw .invalidAttributeValue("time", value: text, reason: "it is not an RFC 3339 timestamp")
        }
        return time
    }

    private static func extensionAttributes(
        in members: [String: JSONValue]
    ) throws(CloudEventError) -> [String: String] {
        var extensions: [String: String] = [:]
        // Sorted, so that a document with several bad extensions always reports the same one.
        for (name, value) in members.sorted(by: { $0.key < $1.key }) where !contextMemberNames.contains(name) {
            try ExtensionAttributeName.validate(name)
            switch value {
            case .string(let value):
                extensions[name] = value
            case .bool(let value):
                extensions[name] = value ? "true" : "false"
            case .integer(let value):
                extensions[name] = String(value)
            case .number(let value):
                extensions[name] = canonicalString(value)
            case .array, .object, .null:
                throw .invalidAttributeType(name, expected: "a string, number or boolean")
            }
        }
        return extensions
    }

    /// The members that are not extension attributes.
    private static let contextMemberNames: Set<String> = [
        "specversion", "id", "source", "type", "subject", "time", "datacontenttype", "dataschema", "data",
        "data_base64",
    ]

    /// `5` for 5.0, `2.5` for 2.5: integral numbers in integer form.
    private static func canonicalString(_ number: Double) -> String {
        if number.rounded() == number, let integer = Int64(exactly: number) {
            return String(integer)
        }
        return String(number)
    }

    private static func dataAttribute(
        in members: [String: JSONValue],
        contentType: String?
    ) throws(CloudEventError) -> ByteBuffer? {
        switch (members["data"], members["data_base64"]) {
        case (nil, nil):
            return nil
        case (.some, .some):
            throw .conflictingData()
        case (nil, .some(let encoded)):
            guard case .string(let text) = encoded, let bytes = Base64.decode(text) else {
                throw .invalidBase64()
            }
            return ByteBuffer(bytes: bytes)
        case (.some(let value), nil):
            if contentType.map(MediaType.init)?.isJSON ?? true {
                return try serialize(value)
            }
            guard case .string(let text) = value else {
                throw .invalidAttributeType(
                    "data",
                    expected: "a string when datacontenttype is not JSON, not \(value.kindDescription)"
                )
            }
            return ByteBuffer(string: text)
        }
    }
}

// MARK: - Media types

/// Just enough of a media type to choose how `data` travels in JSON.
private struct MediaType {
    /// `type/subtype`, lowercased, without parameters.
    let essence: String

    init(_ contentType: String) {
        var essence = contentType.prefix { $0 != ";" }
        while essence.first == " " || essence.first == "\t" { essence.removeFirst() }
        while essence.last == " " || essence.last == "\t" { essence.removeLast() }
        self.essence = essence.lowercased()
    }

    /// `application/json`, `text/json` or any `+json` type.
    var isJSON: Bool {
        essence == "application/json" || essence == "text/json" || essence.hasSuffix("+json")
    }

    /// Text that reads naturally as a JSON string: `text/*`, XML, YAML and form data.
    var isText: Bool {
        essence.hasPrefix("text/") || essence.hasSuffix("+xml") || Self.textApplicationTypes.contains(essence)
    }

    private static let textApplicationTypes: Set<String> = [
        "application/xml", "application/yaml", "application/x-yaml", "application/x-www-form-urlencoded",
        "application/javascript",
    ]
}
