import struct Foundation.Date
import NIOCore

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
        get { storage.id }
        set { uniqueStorage().id = newValue }
    }
    /// Identifies the context in which the event happened (a URI-reference, not empty).
    public var source: String {
        get { storage.source }
        set { uniqueStorage().source = newValue }
    }
    /// Always ``Event/specVersion``.
    public var specVersion: String { Self.specVersion }
    /// The kind of event, for example `coffee.order.placed.v1`.
    public var type: String {
        get { storage.type }
        set { uniqueStorage().type = newValue }
    }
    /// The subject of the event within its source; the default partition key.
    public var subject: String? {
        get { storage.subject }
        set { uniqueStorage().subject = newValue }
    }
    /// When the occurrence happened, as the producer saw it.
    public var time: Date? {
        get { storage.time }
        set { uniqueStorage().time = newValue }
    }
    /// The media type of ``data``, for example `application/json`.
    public var dataContentType: String? {
        get { storage.dataContentType }
        set { uniqueStorage().dataContentType = newValue }
    }
    /// A URI of the schema that ``data`` adheres to.
    public var dataSchema: String? {
        get { storage.dataSchema }
        set { uniqueStorage().dataSchema = newValue }
    }
    /// Extension attributes by name (`traceparent`, `correlationid`, `partitionkey`, ...).
    public var extensions: [String: String] { storage.extensions }
    /// The payload, or `nil` when the event carries none.
    public var data: ByteBuffer? {
        get { storage.data }
        set { uniqueStorage().data = newValue }
    }

    /// The attributes, shared between copies of the event until one of them changes (copy on write):
    /// events are copied at every step from publish to delivery, and a copy then costs one reference
    /// count instead of one per attribute.
    private var storage: Storage

    /// The attributes' home. Mutated only through ``uniqueStorage()``, so a storage shared by several
    /// events (and so possibly by several threads) is never written: the `@unchecked Sendable` is safe.
    private final class Storage: @unchecked Sendable {
        var id: String
        var source: String
        var type: String
        var subject: String?
        var time: Date?
        var dataContentType: String?
        var dataSchema: String?
        var extensions: [String: String]
        var data: ByteBuffer?

        init(
            id: String, source: String, type: String, subject: String?, time: Date?, dataContentType: String?,
            dataSchema: String?, extensions: [String: String], data: ByteBuffer?
        ) {
            self.id = id
            self.source = source
            self.type = type
            self.subject = subject
            self.time = time
            self.dataContentType = dataContentType
            self.dataSchema = dataSchema
            self.extensions = extensions
            self.data = data
        }

        func copy() -> Storage {
            Storage(
                id: id, source: source, type: type, subject: subject, time: time, dataContentType: dataContentType,
                dataSchema: dataSchema, extensions: extensions, data: data
            )
        }
    }

    /// The storage, copied first if another event shares it.
    private mutating func uniqueStorage() -> Storage {
        if !isKnownUniquelyReferenced(&storage) {
            storage = storage.copy()
        }
        return storage
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
        try Self.requireNonEmpty(id, attribute: "id")
        try Self.requireNonEmpty(source, attribute: "source")
        try Self.requireNonEmpty(type, attribute: "type")
        for name in extensions.keys {
            try ExtensionAttributeName.validate(name)
        }
        self.storage = Storage(
            id: id, source: source, type: type, subject: subject, time: time, dataContentType: dataContentType,
            dataSchema: dataSchema, extensions: extensions, data: data
        )
    }

    /// Sets or removes (with `nil`) an extension attribute.
    ///
    /// - Throws: ``CloudEventError`` when `name` breaks the naming rule.
    public mutating func setExtension(_ name: String, to value: String?) throws(CloudEventError) {
        try ExtensionAttributeName.validate(name)
        uniqueStorage().extensions[name] = value
    }

    /// The value of an extension attribute, or `nil`.
    public func extensionValue(_ name: String) -> String? {
        extensions[name]
    }

    /// Sets an extension whose name is a known-good constant of Herald's (no validation needed).
    mutating func setKnownExtension(_ name: ExtensionAttributeName, to value: String?) {
        uniqueStorage().extensions[name.rawValue] = value
    }

    /// Equal when every attribute is.
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
        let extensions = storage.extensions
        return extensions.isEmpty ? storage.subject : extensions[ExtensionAttributeName.partitionKey.rawValue] ?? storage.subject
    }

    /// The number of payload bytes (0 without data): what topic size limits count.
    public var payloadSize: Int { data?.readableBytes ?? 0 }

    /// The key brokers de-duplicate on: `source` and `id` together, as the spec defines uniqueness.
    public var deduplicationKey: DeduplicationKey {
        DeduplicationKey(source: source, id: id)
    }
}
