import Foundation
import Herald
import NIOCore
import PostgresNIO

/// One row of the outbox as a relay reads it.
struct OutboxRow: Sendable {
    let sequence: Int64
    let slot: Int
    let topic: String
    let event: Event

    /// Decodes `sequence, slot, topic` and the event's columns (``EventColumns/eventNames``).
    ///
    /// - Throws: ``BrokerError/storage(_:error:isRetryable:)`` when the row does not make a valid event.
    init(_ row: PostgresRow) throws {
        typealias Columns = (Int64, Int32, String, String, String, String, String?, String?, String?, String?, String?, ByteBuffer?)
        let (sequence, slot, topic, id, source, type, subject, time, contentType, schema, extensions, data) = try row.decode(Columns.self)
        self.sequence = sequence
        self.slot = Int(slot)
        self.topic = topic
        do {
            self.event = try EventColumns.event(
                id: id, source: source, type: type, subject: subject, time: time, contentType: contentType, schema: schema, extensions: extensions,
                data: data)
        } catch {
            throw BrokerError.storage("reading outbox row \(sequence)", error: error, isRetryable: false)
        }
    }
}
