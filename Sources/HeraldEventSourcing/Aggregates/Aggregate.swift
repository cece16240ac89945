import Herald

/// State rebuilt by replaying its stream: an order, an account. Its stream is `<category>-<id>`.
///
/// ```swift
/// struct Order: Aggregate {
///     static let category = "order"
///     var items: [String] = []
///     mutating func apply(_ recorded: RecordedEvent) throws {
///         if recorded.event.type == ItemAdded.cloudEventType { items.append(try recorded.event.decode(as: ItemAdded.self).item) }
///     }
/// }
/// ```
public protocol Aggregate: Sendable {
    /// The stream category: streams are named `<category>-<id>`.
    static var category: String { get }
    /// The state before the first event.
    init()
    /// Folds one recorded event into the state. Unknown event types should be ignored (a newer writer
    /// may have appended them), so that old code still loads new streams.
    ///
    /// - Throws: when the event cannot be applied (it does not decode); loading then fails with it.
    mutating func apply(_ recorded: RecordedEvent) throws
}

extension Aggregate {
    /// The stream of the aggregate with `id`.
    public static func stream(for id: String) -> String { "\(category)-\(id)" }
}

/// An aggregate whose state can be saved as a snapshot, so that loading replays only the events after it.
public protocol SnapshottingAggregate: Aggregate, Codable {
    /// The version of the state's encoding: a snapshot of another version is ignored (the stream is
    /// replayed from its start instead), so change it whenever the encoding or `apply` changes.
    static var snapshotVersion: Int { get }
}
