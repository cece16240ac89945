import NIOCore

import struct Foundation.Date

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
/// - Data read from `data_base64` is written back as `data_base64`, even when its bytes are JSON or text.
///
/// Reading is strict, in time linear in the document's size: the document must be RFC 8259 JSON (no
/// trailing commas) within ``JSONLimits`` (by default 128 levels deep and 16 MiB), name each member of
/// an event once, and keep to the spec's types: string attributes are Unicode without control
/// characters or noncharacters, `source` is a URI-reference, `dataschema` an absolute URI, and integer
/// extension values fit in 32 bits.
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

    /// Reads one event in the JSON event format; `limits` bound the document's depth and size (by default
    /// 128 levels and 16 MiB).
    ///
    /// - Throws: ``CloudEventError`` naming the attribute at fault, ``CloudEventError/invalidJSON(_:)``
    ///   when `bytes` is not a JSON object, or ``CloudEventError/limitExceeded(_:)`` when it breaks `limits`.
    public static func decode(_ bytes: ByteBuffer, limits: JSONLimits = JSONLimits()) throws(CloudEventError) -> Event {
        let document = try parseDocument(bytes, limits: limits, isBatch: false)
        guard case .object(let members) = document else {
            throw .invalidJSON("an event must be a JSON object, not \(document.kindDescription)")
        }
        return try event(from: members)
    }

    /// Reads one event in the JSON event format from raw bytes.
    ///
    /// - Throws: ``CloudEventError``, as ``decode(_:limits:)-(ByteBuffer,_)`` does.
    public static func decode(_ bytes: [UInt8], limits: JSONLimits = JSONLimits()) throws(CloudEventError) -> Event {
        try decode(ByteBuffer(bytes: bytes), limits: limits)
    }

    /// Reads one event in the JSON event format from text.
    ///
    /// - Throws: ``CloudEventError``, as ``decode(_:limits:)-(ByteBuffer,_)`` does.
    public static func decode(_ text: String, limits: JSONLimits = JSONLimits()) throws(CloudEventError) -> Event {
        try decode(ByteBuffer(string: text), limits: limits)
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

    /// Reads a JSON batch: a JSON array of events, possibly empty; `limits` bound the whole document's
    /// depth and size (by default 128 levels and 16 MiB).
    ///
    /// - Throws: ``CloudEventError/invalidJSON(_:)`` when `bytes` is not a JSON array,
    ///   ``CloudEventError/limitExceeded(_:)`` when it breaks `limits`, or the error of the first event
    ///   that cannot be read, with its ``CloudEventError/batchIndex``.
    public static func decodeBatch(
        _ bytes: ByteBuffer,
        limits: JSONLimits = JSONLimits()
    ) throws(CloudEventError) -> [Event] {
        guard case .array(let elements) = try parseDocument(bytes, limits: limits, isBatch: true) else {
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
    /// - Throws: ``CloudEventError``, as ``decodeBatch(_:limits:)-(ByteBuffer,_)`` does.
    public static func decodeBatch(
        _ bytes: [UInt8],
        limits: JSONLimits = JSONLimits()
    ) throws(CloudEventError) -> [Event] {
        try decodeBatch(ByteBuffer(bytes: bytes), limits: limits)
    }

    /// Reads a JSON batch from text.
    ///
    /// - Throws: ``CloudEventError``, as ``decodeBatch(_:limits:)-(ByteBuffer,_)`` does.
    public static func decodeBatch(
        _ text: String,
        limits: JSONLimits = JSONLimits()
    ) throws(CloudEventError) -> [Event] {
        try decodeBatch(ByteBuffer(string: text), limits: limits)
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
            let (name, value) = dataMember(data, contentType: event.dataContentType, isBinary: event.dataIsBinary)
            members[name] = value
        }
        return members
    }

    /// The member that carries `data`: `data` holding JSON or text, or `data_base64` (always for data that
    /// was read from `data_base64`).
    private static func dataMember(_ data: ByteBuffer, contentType: String?, isBinary: Bool) -> (String, JSONValue) {
        if isBinary {
            return ("data_base64", .string(Base64.encode(data.readableBytesView)))
        }
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
    /// Parses the document; for a batch, errors inside an element carry its index.
    private static func parseDocument(
        _ bytes: ByteBuffer,
        limits: JSONLimits,
        isBatch: Bool
    ) throws(CloudEventError) -> JSONValue {
        do {
            return try JSONValue(parsing: bytes, limits: limits)
        } catch {
            if isBatch, case .index(let index)? = error.path.first,
                let inEvent = eventError(error.droppingFirstPathComponent())
            {
                throw .batchElement(index, inEvent)
            }
            throw eventError(error) ?? .invalidJSON(error.description)
        }
    }

    /// The error for `error` found in an event object (its path starting at the object's members), when
    /// it is about one attribute or the limits; `nil` for a document that is simply not JSON.
    private static func eventError(_ error: JSONParseError) -> CloudEventError? {
        switch error.kind {
        case .limit(let limitError):
            return .limitExceeded(limitError)
        case .duplicateMember(let name):
            // In the event object itself; a duplicate deeper down (inside `data`) makes the JSON ambiguous.
            return error.path.isEmpty ? .duplicateAttribute(name) : .invalidJSON(error.description)
        case .invalidString:
            guard case .member(let attribute)? = error.path.first else { return nil }
            return .invalidCharacters(attribute, reason: error.droppingFirstPathComponent().description)
        case .syntax:
            return nil
        }
    }

    private static func event(from document: [String: JSONValue]) throws(CloudEventError) -> Event {
        // Null attributes are absent.
        let members = document.filter { $0.value != .null }

        let specVersion = try requiredString("specversion", in: members)
        guard specVersion == Event.specVersion else {
            throw .unsupportedSpecVersion(specVersion)
        }
        let id = try requiredString("id", in: members)
        let source = try requiredString("source", in: members, format: .uriReference)
        let type = try requiredString("type", in: members)
        let subject = try optionalString("subject", in: members)
        let dataContentType = try optionalString("datacontenttype", in: members)
        let dataSchema = try optionalString("dataschema", in: members, format: .uri)
        let time = try timeAttribute(in: members)
        let extensions = try extensionAttributes(in: members)
        let (data, dataIsBinary) = try dataAttribute(in: members, contentType: dataContentType)

        return try Event(
            id: id,
            source: source,
            type: type,
            subject: subject,
            time: time,
            dataContentType: dataContentType,
            dataSchema: dataSchema,
            extensions: extensions,
            data: data,
            dataIsBinary: dataIsBinary
        )
    }

    /// The CloudEvents type a string attribute has.
    private enum StringFormat {
        /// `String`: Unicode without control characters or noncharacters.
        case string
        /// `URI-reference` (RFC 3986), such as `/orders` or `https://example.com/orders`.
        case uriReference
        /// `URI`: a URI-reference with a scheme.
        case uri
    }

    private static func requiredString(
        _ name: String,
        in members: [String: JSONValue],
        format: StringFormat = .string
    ) throws(CloudEventError) -> String {
        guard let value = try optionalString(name, in: members, format: format) else {
            throw .missingAttribute(name)
        }
        return value
    }

    private static func optionalString(
        _ name: String,
        in members: [String: JSONValue],
        format: StringFormat = .string
    ) throws(CloudEventError) -> String? {
        guard let value = members[name] else { return nil }
        guard case .string(let string) = value else {
            throw .invalidAttributeType(name, expected: "a string")
        }
        guard !string.isEmpty else {
            throw .emptyAttribute(name)
        }
        switch format {
        case .string:
            try checkCharacters(string, attribute: name)
        case .uriReference, .uri:
            let requiringScheme = format == .uri
            if let problem = URIReference.problem(in: string, requiringScheme: requiringScheme) {
                let kind = requiringScheme ? "an absolute URI" : "a URI-reference"
                throw .invalidAttributeValue(
                    name,
                    value: CloudEventString.escaped(string),
                    reason: "it is not \(kind) (RFC 3986): \(problem)"
                )
            }
        }
        return string
    }

    /// Checks that `text` is a CloudEvents string.
    private static func checkCharacters(_ text: String, attribute: String) throws(CloudEventError) {
        if let problem = CloudEventString.problem(in: text) {
            throw .invalidCharacters(attribute, reason: "'\(CloudEventString.escaped(text))': \(problem)")
        }
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
                try checkCharacters(value, attribute: name)
                extensions[name] = value
            case .bool(let value):
                extensions[name] = value ? "true" : "false"
            case .integer(let value):
                extensions[name] = try integerExtension(value, name: name)
            case .number(let value) where value.rounded() == value:
                // Integral, yet too large for Int64, which the parser would have used.
                throw .invalidAttributeValue(name, value: String(value), reason: integerRangeReason)
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

    /// An integer extension value: a CloudEvents `Integer` is 32-bit.
    private static func integerExtension(_ value: Int64, name: String) throws(CloudEventError) -> String {
        guard Int32(exactly: value) != nil else {
            throw .invalidAttributeValue(name, value: String(value), reason: integerRangeReason)
        }
        return String(value)
    }

    private static let integerRangeReason =
        "a CloudEvents Integer must be within -2147483648...2147483647; send larger values as strings"

    /// `5` for 5.0, `2.5` for 2.5: integral numbers in integer form.
    private static func canonicalString(_ number: Double) -> String {
        if number.rounded() == number, let integer = Int64(exactly: number) {
            return String(integer)
        }
        return String(number)
    }

    /// The data, and whether it arrived as binary (`data_base64`).
    private static func dataAttribute(
        in members: [String: JSONValue],
        contentType: String?
    ) throws(CloudEventError) -> (ByteBuffer?, isBinary: Bool) {
        switch (members["data"], members["data_base64"]) {
        case (nil, nil):
            return (nil, false)
        case (.some, .some):
            throw .conflictingData()
        case (nil, .some(let encoded)):
            guard case .string(let text) = encoded, let bytes = Base64.decode(text) else {
                throw .invalidBase64()
            }
            return (ByteBuffer(bytes: bytes), true)
        case (.some(let value), nil):
            if contentType.map(MediaType.init)?.isJSON ?? true {
                return (try serialize(value), false)
            }
            guard case .string(let text) = value else {
                throw .invalidAttributeType(
                    "data",
                    expected: "a string when datacontenttype is not JSON, not \(value.kindDescription)"
                )
            }
            return (ByteBuffer(string: text), false)
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
