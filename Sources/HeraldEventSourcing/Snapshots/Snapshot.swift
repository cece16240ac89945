import Foundation

/// An aggregate's state saved at a revision of its stream.
public struct Snapshot: Sendable, Hashable {
    /// The stream it summarises.
    public let stream: String
    /// The last revision it includes.
    public let revision: UInt64
    /// The aggregate's ``SnapshottingAggregate/snapshotVersion`` when it was saved.
    public let version: Int
    /// The encoded state (JSON).
    public let data: Data

    /// Creates a snapshot.
    public init(stream: String, revision: UInt64, version: Int, data: Data) {
        self.stream = stream
        self.revision = revision
        self.version = version
        self.data = data
    }
}
