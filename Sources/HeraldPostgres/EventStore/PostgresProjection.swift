import Herald
import PostgresNIO

/// A read model kept in PostgreSQL tables of the application's own: ``PostgresProjectionRunner`` calls
/// ``apply(_:on:)`` inside a transaction that also records the projection's checkpoint, so the model and
/// the checkpoint commit together — a crash can neither skip an event nor apply one twice.
public protocol PostgresProjection: Sendable {
    /// The projection's name: the key of its checkpoint.
    var name: String { get }
    /// Writes what `recorded` changes in the read model, on `connection` (in the runner's transaction).
    ///
    /// - Throws: when it cannot; the transaction, checkpoint included, is rolled back.
    func apply(_ recorded: RecordedEvent, on connection: PostgresConnection) async throws
    /// Empties the read model, on `connection` (in the transaction that resets the checkpoint), before a
    /// rebuild from zero.
    func reset(on connection: PostgresConnection) async throws
}
