import Herald

/// An aggregate as loaded: its state and the revision it was rebuilt to, which the next append expects.
public struct LoadedAggregate<State: Aggregate>: Sendable {
    /// The aggregate's id.
    public let id: String
    /// The state after every event up to ``revision``.
    public var state: State
    /// The last revision applied; `nil` when the stream does not exist yet.
    public let revision: UInt64?
    /// How many events were replayed to load it (after the snapshot, if one was used).
    public let replayedEvents: Int
    /// The revision of the snapshot it was loaded from, if any.
    public let snapshotRevision: UInt64?

    /// What the next append of this aggregate must expect: the loaded revision, or no stream.
    public var expectedRevision: ExpectedRevision { revision.map { .exact($0) } ?? .noStream }
}
