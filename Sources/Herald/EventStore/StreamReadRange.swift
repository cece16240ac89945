/// The revisions a read of one stream covers, in the order read: the rule of
/// ``EventStore/read(stream:from:direction:limit:)`` in one place for the stores that index streams
/// themselves.
package enum StreamReadRange {
    /// The revisions, in read order, of a read from `start` in `direction` of at most `limit` events, in a
    /// stream of `count` events (revisions `0..<count`).
    package static func revisions(count: UInt64, from start: StreamReadStart, direction: ReadDirection, limit: Int) -> [UInt64] {
        guard count > 0, limit > 0 else { return [] }
        let limit = UInt64(limit)
        switch direction {
        case .forwards:
            let first: UInt64
            switch start {
            case .start: first = 0
            case .end: return []
            case .revision(let revision): first = revision
            }
            guard first < count else { return [] }
            return Array(first..<(first + min(limit, count - first)))
        case .backwards:
            let from: UInt64
            switch start {
            case .start: from = 0
            case .end: from = count - 1
            case .revision(let revision): from = min(revision, count - 1)
            }
            let lowest = from + 1 >= limit ? from + 1 - limit : 0
            return (lowest...from).reversed()
        }
    }
}
