import NIOCore
import NIOFoundationCompat

import struct Foundation.Date
import class Foundation.JSONDecoder
import class Foundation.JSONEncoder
import struct Foundation.UUID

/// A Swift type that travels as the JSON `data` of an ``Event``.
///
/// The event's `type` is ``eventType`` followed by `.v` and ``eventVersion`` (for example
/// `coffee.order.placed.v1`), so a consumer never mistakes version 2 for version 1. Decoding
/// an event of another type, or data that does not fit the type, throws ``EventContractError``:
/// a contract violation that dead-letters the event rather than crashing the consumer.
public protocol TypedEvent: Codable, Sendable {
    /// The stable name of this kind of event, for example `coffee.order.placed`.
    static var eventType: String { get }
    /// The schema version; bump it when the encoding changes incompatibly. Defaults to 1.
    static var eventVersion: Int { get }
    /// The subject (and default partition key) of this event, or `nil`. Defaults to `nil`.
    var subject: String? { get }
    /// Whether this is an event, a command or a query. Defaults to ``MessageKind/event``;
    /// ``TypedCommand`` and ``TypedQuery`` say otherwise.
    static var messageKind: MessageKind { get }
}

extension TypedEvent {
    /// Version 1 unless the type says otherwise.
    public static var eventVersion: Int { 1 }

    /// No subject unless the type says otherwise.
    public var subject: String? { nil }

    /// An event unless the type is a ``TypedCommand`` or a ``TypedQuery``.
    public static var messageKind: MessageKind { .event }

    /// The CloudEvents `type` attribute of this kind of event: `<eventType>.v<eventVersion>`.
    public static var cloudEventType: String { "\(eventType).v\(eventVersion)" }
}

extension Event {
    /// Creates an event carrying `payload` as JSON.
    ///
    /// - Parameters:
    ///   - payload: the typed event.
    ///   - id: the event id; a new UUID by default.
    ///   - source: where the event comes from, for example `/coffee/orders`.
    ///   - time: when it happened; now by default.
    ///   - extensions: extension attributes to add.
    /// - Throws: ``EventContractError`` when the payload cannot be encoded, ``CloudEventError`` when an
    ///   attribute is invalid.
    public init<Payload: TypedEvent>(
        _ payload: Payload,
        id: String = UUID().uuidString,
        source: String,
        time: Date? = Date(),
        extensions: [String: String] = [:]
    ) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        let data: ByteBuffer
        do {
            data = try encoder.encodeAsByteBuffer(payload, allocator: ByteBufferAllocator())
        } catch {
            throw EventContractError.encodingFailed(type: Payload.cloudEventType, underlying: error)
        }
        try self.init(
            id: id,
            source: source,
            type: Payload.cloudEventType,
            subject: payload.subject,
            time: time,
            dataContentType: "application/json",
            extensions: extensions,
            data: data
        )
    }

    /// Decodes the JSON `data` of this event as `Payload`; data that breaks `limits` (by default nested
    /// deeper than 128 levels or larger than 16 MiB) is refused before it is decoded.
    ///
    /// - Throws: ``EventContractError`` when the event's `type` is not `Payload`'s, when it has no data,
    ///   or when the data breaks `limits` or does not decode; the error names the event id and type.
    public func decode<Payload: TypedEvent>(
        as _: Payload.Type = Payload.self,
        limits: JSONLimits = JSONLimits()
    ) throws(EventContractError) -> Payload {
        guard type == Payload.cloudEventType else {
            throw .typeMismatch(eventID: id, expected: Payload.cloudEventType, actual: type)
        }
        guard let data else {
            throw .missingData(eventID: id, type: type)
        }
        do {
            try limits.check(data)
        } catch {
            throw .decodingFailed(eventID: id, type: type, underlying: error)
        }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        do {
            return try decoder.decode(Payload.self, from: data)
        } catch {
            throw .decodingFailed(eventID: id, type: type, underlying: error)
        }
    }
}
