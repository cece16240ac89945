import Synchronization

/// Where snapshots are kept beside their streams: the newest per stream.
public protocol SnapshotStore: Sendable {
    /// The newest snapshot of `stream`, if any.
    func load(stream: String) async throws -> Snapshot?
    /// Keeps `snapshot` as its stream's newest, unless a newer one is kept already.
    func save(_ snapshot: Snapshot) async throws
}

/// Snapshots in memory, for tests.
public final class InMemorySnapshotStore: SnapshotStore {
    // Mutex: repositories load and save from any task.
    private let snapshots = Mutex<[String: Snapshot]>([:])

    /// An empty store.
    public init() {}

    /// The newest snapshot of `stream`.
    public func load(stream: String) async throws -> Snapshot? {
        snapshots.withLock { $0[stream] }
    }

    /// Keeps `snapshot` unless a newer one is kept.
    public func save(_ snapshot: Snapshot) async throws {
        snapshots.withLock { snapshots in
            if let kept = snapshots[snapshot.stream], kept.revision >= snapshot.revision { return }
            snapshots[snapshot.stream] = snapshot
        }
    }

    /// Replaces `stream`'s snapshot as it is (for tests of old or damaged snapshots).
    public func replace(_ snapshot: Snapshot) {
        snapshots.withLock { $0[snapshot.stream] = snapshot }
    }
}
