import Herald

/// A read model built from events in the store's global order: a table of order totals, a search index.
/// ``ProjectionRunner`` feeds it, live or from zero, or as of a point in time.
public protocol Projection: Sendable {
    /// The projection's name: the key of its checkpoint.
    static var name: String { get }
    /// The model before the first event.
    init()
    /// Folds one event into the model. Events it does not know should be ignored.
    ///
    /// - Throws: when the event cannot be applied; the runner then stops and reports it (the checkpoint
    ///   stays before the event, so nothing is skipped).
    mutating func apply(_ recorded: RecordedEvent) throws
}
