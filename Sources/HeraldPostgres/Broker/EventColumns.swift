import Foundation
import Herald
import NIOCore
import PostgresNIO

/// How an event is kept in a row of `events`: one column per context attribute, the extensions as a JSON
/// object, the data as bytes; and read back.
enum EventColumns {
    /// The event's own columns, in the order ``event(id:source:type:subject:time:contentType:schema:extensions:data:)``
    /// takes them.
    static let eventNames = ["id", "source", "type", "subject", "time", "data_content_type", "data_schema", "extensions", "data"]

    /// The columns written, in the order of ``bind(_:into:)``: the event's, then `size`.
    static let names = (eventNames + ["size"]).joined(separator: ", ")

    /// The columns read, in the order ``decode(_:)`` expects: partition, offset and stored_at first.
    static let selected = columns(of: nil)

    /// ``selected`` of the table aliased `alias`.
    static func columns(of alias: String?) -> String {
        let prefix = alias.map { "\($0)." } ?? ""
        return (["partition", "\"offset\"", "stored_at"] + eventNames).map { prefix + $0 }.joined(separator: ", ")
    }

    /// Binds the event's columns (10 of them).
    static func bind(_ event: Event, into bindings: inout PostgresBindings) {
        bindings.append(event.id)
        bindings.append(event.source)
        bindings.append(event.type)
        bindings.append(event.subject)
        bindings.append(event.time.map(RFC3339.format))
        bindings.append(event.dataContentType)
        bindings.append(event.dataSchema)
        bindings.append(extensionsText(event.extensions))
        bindings.append(event.data)
        bindings.append(Int32(clamping: event.payloadSize))
    }

    /// The row type ``selected`` decodes into.
    typealias Row = (Int32, Int64, Date, String, String, String, String?, String?, String?, String?, String?, ByteBuffer?)

    /// The stored event of a row of ``selected`` columns.
    ///
    /// - Throws: ``BrokerError/storage(_:error:isRetryable:)`` when a row does not make a valid event
    ///   (written by something other than Herald).
    static func decode(_ row: PostgresRow) throws -> StoredEvent {
        let (partition, offset, storedAt, id, source, type, subject, time, contentType, schema, extensions, data) = try row.decode(Row.self)
        do {
            let event = try Self.event(
                id: id, source: source, type: type, subject: subject, time: time, contentType: contentType, schema: schema, extensions: extensions,
                data: data)
            return StoredEvent(event: event, partition: Partition(Int(partition)), offset: Offset(offset), storedAt: storedAt)
        } catch {
            throw BrokerError.storage("reading the event at offset \(offset) of partition \(partition)", error: error, isRetryable: false)
        }
    }

    /// The event of the columns ``eventNames`` as read back.
    ///
    /// - Throws: an event or JSON error when they do not make a valid event.
    static func event(
        id: String, source: String, type: String, subject: String?, time: String?, contentType: String?, schema: String?, extensions: String?,
        data: ByteBuffer?
    ) throws -> Event {
        try Event(
            id: id, source: source, type: type, subject: subject, time: time.flatMap(RFC3339.parse), dataContentType: contentType,
            dataSchema: schema, extensions: try parseExtensions(extensions), data: data)
    }

    private static func extensionsText(_ extensions: [String: String]) -> String? {
        guard !extensions.isEmpty else { return nil }
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return (try? encoder.encode(extensions)).map { String(decoding: $0, as: UTF8.self) }
    }

    private static func parseExtensions(_ text: String?) throws -> [String: String] {
        guard let text else { return [:] }
        return try JSONDecoder().decode([String: String].self, from: Data(text.utf8))
    }
}
