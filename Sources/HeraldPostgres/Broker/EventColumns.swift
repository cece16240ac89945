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

    /// The columns written, in the order of ``bindArrays(_:into:)``: the event's, then `size`.
    static let names = (eventNames + ["size"]).joined(separator: ", ")

    /// The columns read, in the order ``decode(_:)`` expects: partition, offset and stored_at first.
    static let selected = columns(of: nil)

    /// How many columns ``selected`` has (a query may select more after them).
    static var selectedCount: Int { 3 + eventNames.count }

    /// ``selected`` of the table aliased `alias`.
    static func columns(of alias: String?) -> String {
        let prefix = alias.map { "\($0)." } ?? ""
        return (["partition", "\"offset\"", "stored_at"] + eventNames).map { prefix + $0 }.joined(separator: ", ")
    }

    /// Binds the columns of `events` as one array each (10 of them, in the order of ``names``), so that a
    /// statement inserting any number of events has 10 parameters: ``unnest(leading:)`` reads them back
    /// as rows.
    static func bindArrays(_ events: some Collection<Event>, into bindings: inout PostgresBindings) {
        bindings.append(events.map(\.id))
        bindings.append(events.map(\.source))
        bindings.append(events.map(\.type))
        bindings.append(NullableArrayParameter(elements: events.map(\.subject)))
        bindings.append(NullableArrayParameter(elements: events.map { $0.time.map(RFC3339.formatExact) }))
        bindings.append(NullableArrayParameter(elements: events.map(\.dataContentType)))
        bindings.append(NullableArrayParameter(elements: events.map(\.dataSchema)))
        bindings.append(NullableArrayParameter(elements: events.map { extensionsText($0.extensions) }))
        bindings.append(NullableArrayParameter(elements: events.map(\.data)))
        bindings.append(events.map { Int32(clamping: $0.payloadSize) })
    }

    /// The rows of arrays bound from parameter `$1` on: first the `leading` columns (name and element type),
    /// then those ``bindArrays(_:into:)`` bound, as the table `e` with those columns, ``names`` and
    /// `ordinality` (a row's place in the arrays, from 1).
    static func unnest(leading: [(name: String, type: String)]) -> String {
        let types = leading.map(\.type) + ["text", "text", "text", "text", "text", "text", "text", "text", "bytea", "integer"]
        let arrays = types.enumerated().map { index, type in "$\(index + 1)::\(type)[]" }.joined(separator: ", ")
        return "unnest(\(arrays)) WITH ORDINALITY AS e(\((leading.map(\.name) + [names, "ordinality"]).joined(separator: ", ")))"
    }

    /// Events per statement at most when inserted through ``unnest(leading:)``: bounds the statement's size
    /// with the events' (an event holds at most a few MiB).
    static func statementChunks(_ events: some Collection<Event>, maximumBytes: Int = 8 << 20, maximumEvents: Int = 5_000) -> [Range<Int>] {
        var chunks: [Range<Int>] = []
        var start = 0
        var bytes = 0
        for (index, event) in events.enumerated() {
            if index > start, bytes + event.payloadSize > maximumBytes || index - start >= maximumEvents {
                chunks.append(start..<index)
                start = index
                bytes = 0
            }
            bytes += event.payloadSize
        }
        if start < events.count { chunks.append(start..<events.count) }
        return chunks
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
