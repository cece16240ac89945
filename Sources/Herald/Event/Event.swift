import NIOCore

import struct Foundation.Date

/// A CloudEvents 1.0 event: the unit Herald publishes, stores and delivers.
///
/// The required context attributes are `id`, `source`, `specversion` (always `"1.0"`) and `type`.
/// Extension attributes live in ``extensions`` under names that follow the spec's naming rule
/// (lowercase ASCII letters and digits); the initializer and ``setExtension(_:to:)`` check them.
/// `data` holds the payload bytes exactly as produced; ``dataContentType`` says how to read them.
///
/// The producer's ``time`` is kept end to end. Brokers add their own ingest time and offset on the
/// ``Delivery``; neither is ever used as an idempotency key.
public struct Event: Sendable, Hashable {
    /// The CloudEvents version Herald reads and writes.
    public static let specVersion = "1.0"

    /// Identifies the event; unique within ``source``. Brokers de-duplicate on (`source`, `id`).
    public var id: String {
        get { storage.attributes.id }
        set { mutate { $0.id = newValue } }
    }
    /// Identifies the context in which the event happened (a URI-reference, not empty).
    public var source: String {
        get { storage.attributes.source }
        set { mutate { $0.source = newValue } }
    }
    /// Always ``Event/specVersion``.
    public var specVersion: String { Self.specVersion }
    /// The kind of event, for example `coffee.order.placed.v1`.
    public var type: String {
        get { storage.attributes.type }
        set { mutate { $0.type = newValue } }
    }
    /// The subject of the event within its source; the default partition key.
    public var subject: String? {
        get { storage.attributes.subject }
        set { mutate { $0.subject = newValue } }
    }
    /// When the occurrence happened, as the producer saw it.
    public var time: Date? {
        get { storage.attributes.time }
        set { mutate { $0.time = newValue } }
    }
    /// The media type of ``data``, for example `application/json`.
    public var dataContentType: String? {
        get { storage.attributes.dataContentType }
        set { mutate { $0.dataContentType = newValue } }
    }
    /// A URI of the schema that ``data`` adheres to.
    public var dataSchema: String? {
        get { storage.attributes.dataSchema }
        set { mutate { $0.dataSchema = newValue } }
    }
    /// Extension attributes by name (`traceparent`, `correlationid`, `partitionkey`, ...).
    public var extensions: [String: String] { storage.attributes.extensions }
    /// The payload, or `nil` when the event carries none.
    public var data: ByteBuffer? {
        get { storage.attributes.data }
        set {
            mutate {
                $0.data = newValue
                $0.dataIsBinary = false
            }
        }
    }

    /// Whether ``data`` arrived as binary (CloudEvents JSON `data_base64`), so that it is written back as
    /// binary whatever its bytes look like. Setting ``data`` clears it. It describes how the payload
    /// travelled, not what it is, so equality and hashing ignore it.
    var dataIsBinary: Bool { storage.attributes.dataIsBinary }

    /// The attributes, shared between copies of the event until one of them changes (copy on write):
    /// events are copied at every step from publish to delivery, and a copy then costs one reference
    /// count instead of one per attribute.
    private var storage: Storage

    /// Every attribute's value.
    private struct Attributes: Sendable {
        var id: String
        var source: String
        var type: String
        var subject: String?
        var time: Date?
        var dataContentType: String?
        var dataSchema: String?
        var extensions: [String: String]
        var data: ByteBuffer?
        var dataIsBinary = false
    }

    /// The attributes' immutable home: a change makes a new one (changes are rare, reads are constant),
    /// and reading a constant of a final class needs no run-time exclusivity check.
    private final class Storage: Sendable {
        let attributes: Attributes

        init(_ attributes: Attributes) {
            self.attributes = attributes
        }
    }

    /// Changes attributes through a new storage.
    private mutating func mutate(_ change: (inout Attributes) -> Void) {
        var attributes = storage.attributes
        change(&attributes)
        storage = Storage(attributes)
    }

    /// Creates an event.
    ///
    /// - Throws: ``CloudEventError`` when `id`, `source` or `type` is empty, or an extension name
    ///   breaks the naming rule or collides with a context attribute.
    public init(
        id: String,
        source: String,
        type: String,
        subject: String? = nil,
        time: Date? = nil,
        dataContentType: String? = nil,
        dataSchema: String? = nil,
        extensions: [String: String] = [:],
        data: ByteBuffer? = nil
    ) throws(CloudEventError) {
        try self.init(
            id: id,
            source: source,
            type: type,
            subject: subject,
            time: time,
            dataContentType: dataContentType,
            dataSchema: dataSchema,
            extensions: extensions,
            data: data,
            dataIsBinary: false
        )
    }

    /// Creates an event whose data may have arrived as binary (see ``dataIsBinary``).
    ///
    /// - Throws: ``CloudEventError``, as the public initializer does.
    init(
        id: String,
        source: String,
        type: String,
        subject: String?,
        time: Date?,
        dataContentType: String?,
        dataSchema: String?,
        extensions: [String: String],
        data: ByteBuffer?,
        dataIsBinary: Bool
    ) throws(CloudEventError) {
        try Self.requireNonEmpty(id, attribute: "id")
        try Self.requireNonEmpty(source, attribute: "source")
        try Self.requireNonEmpty(type, attribute: "type")
        for name in extensions.keys {
            try ExtensionAttributeName.validate(name)
        }
        self.storage = Storage(
            Attributes(
                id: id, source: source, type: type, subject: subject, time: time, dataContentType: dataContentType,
                dataSchema: dataSchema, extensions: extensions, data: data, dataIsBinary: dataIsBinary && data != nil
            )
        )
    }

    /// Sets or removes (with `nil`) an extension attribute.
    ///
    /// - Throws: ``CloudEventError`` when `name` breaks the naming rule.
    public mutating func setExtension(_ name: String, to value: String?) throws(CloudEventError) {
        try ExtensionAttributeName.validate(name)
        mutate { $0.extensions[name] = value }
    }

    /// The value of an extension attribute, or `nil`.
    public func extensionValue(_ name: String) -> String? {
        extensions[name]
    }

    /// Sets an extension whose name is a known-good constant of Herald's (no validation needed).
    mutating func setKnownExtension(_ name: ExtensionAttributeName, to value: String?) {
        mutate { $0.extensions[name.rawValue] = value }
    }

    /// Equal when every attribute is (how the data travelled, ``dataIsBinary``, does not count).
    public static func == (lhs: Event, rhs: Event) -> Bool {
        if lhs.storage === rhs.storage { return true }
        return lhs.id == rhs.id && lhs.source == rhs.source && lhs.type == rhs.type && lhs.subject == rhs.subject
            && lhs.time == rhs.time && lhs.dataContentType == rhs.dataContentType && lhs.dataSchema == rhs.dataSchema
            && lhs.extensions == rhs.extensions && lhs.data == rhs.data
    }

    /// Hashes every attribute.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(id)
        hasher.combine(source)
        hasher.combine(type)
        hasher.combine(subject)
        hasher.combine(time)
        hasher.combine(dataContentType)
        hasher.combine(dataSchema)
        hasher.combine(extensions)
        hasher.combine(data)
    }

    private static func requireNonEmpty(_ value: String, attribute: String) throws(CloudEventError) {
        if value.isEmpty {
            throw .emptyAttribute(attribute)
        }
    }
}

extension Event {
    /// The key that picks this event's partition: the `partitionkey` extension if set, else ``subject``.
    /// Events without a key are spread across partitions.
    public var partitionKey: String? {
        let attributes = storage.attributes
        return attributes.extensions.isEmpty
            ? attributes.subject : attributes.extensions[ExtensionAttributeName.partitionKey.rawValue] ?? attributes.subject
    }

    /// The number of payload bytes (0 without data): what topic size limits count.
    public var payloadSize: Int { data?.readableBytes ?? 0 }

    /// The key brokers de-duplicate on: `source` and `id` together, as the spec defines uniqueness. A
    /// redriven event (extension `heraldredrive` = n) is the same event sent again on purpose: its key's id
    /// is `<id> (redrive n)`, so that the broker keeps it apart from the original and from other redrives
    /// (and from its own dead letter, should it fail again), while the same redrive sent twice is still
    /// recognised as a duplicate.
    public var deduplicationKey: DeduplicationKey {
        guard !storage.attributes.extensions.isEmpty, let redrive = storage.attributes.extensions[ExtensionAttributeName.redrive.rawValue] else {
            return DeduplicationKey(source: source, id: id)
        }
        return DeduplicationKey(source: source, id: "\(id) (redrive \(redrive))")
    }
}
