/// Where each stream's events are in the embedded event store's log: per stream, the log offset of each
/// revision. Kept in memory (8 bytes an event), rebuilt from the log's records when the store opens.
struct StreamIndex {
    /// The offset of a revision whose record is in a damaged range of the log: known to exist (a later
    /// revision of the stream was found), not readable.
    static let damaged: Int64 = -1

    private var streams: [String: [Int64]] = [:]
    /// The offset of the newest event indexed.
    private(set) var head: UInt64?

    /// How many streams there are.
    var streamCount: Int { streams.count }

    /// The last revision of `stream`, `nil` when it has none.
    func lastRevision(of stream: String) -> UInt64? {
        guard let count = streams[stream]?.count, count > 0 else { return nil }
        return UInt64(count - 1)
    }

    /// The offsets of `revisions` of `stream`, in the order given (each revision must exist).
    func offsets(of stream: String, revisions: [UInt64]) -> [(revision: UInt64, offset: Int64)] {
        guard let offsets = streams[stream] else { return [] }
        return revisions.map { ($0, offsets[Int($0)]) }
    }

    /// How many events `stream` has.
    func count(of stream: String) -> UInt64 { UInt64(streams[stream]?.count ?? 0) }

    /// Records that `stream`'s event at `revision` is at `offset`. Returns a problem when the revision is
    /// not the stream's next: an earlier one again (ignored), or one past a gap (the revisions between are
    /// marked damaged).
    @discardableResult
    mutating func record(stream: String, revision: UInt64, offset: Int64) -> String? {
        head = max(head ?? 0, UInt64(offset))
        let count = UInt64(streams[stream]?.count ?? 0)
        if revision < count {
            return "stream '\(stream)' has revision \(revision) again at offset \(offset); the copy is ignored"
        }
        var problem: String?
        if revision > count {
            problem =
                "stream '\(stream)' jumps from revision \(count) to \(revision) at offset \(offset): revisions \(count)..<\(revision) are in a damaged range"
            streams[stream, default: []].append(contentsOf: repeatElement(Self.damaged, count: Int(revision - count)))
        }
        streams[stream, default: []].append(offset)
        return problem
    }

    /// Counts damaged offsets as part of the log's extent: the head is at least `offset`.
    mutating func cover(_ offset: Int64) {
        head = max(head ?? 0, UInt64(offset))
    }
}
