import DequeModule
import Herald

/// A group runtime's pull requests sent and not yet finished, per partition in the order sent, with the
/// messages they still ask for counted as they change: the runtime asks after every settlement whether
/// to request more, and that answer must not walk every request.
struct OutstandingPulls: Sendable {
    private var queues: [Deque<OutstandingPull>]
    /// The messages all requests still ask for.
    private(set) var requested = 0
    /// Partitions without a request waiting.
    private(set) var idleCount: Int

    /// No request for any of `partitions` partitions.
    init(partitions: Int) {
        queues = Array(repeating: Deque(), count: partitions)
        idleCount = partitions
    }

    /// The partitions, as indices.
    var indices: Range<Int> { queues.indices }

    /// The requests of `partition`, oldest first.
    subscript(partition: Int) -> Deque<OutstandingPull> { queues[partition] }

    /// The messages the requests of `partition` still ask for.
    func requested(of partition: Int) -> Int {
        queues[partition].reduce(0) { $0 + $1.remaining }
    }

    /// Adds a request sent for `partition`.
    mutating func append(_ pull: OutstandingPull, to partition: Int) {
        if queues[partition].isEmpty { idleCount -= 1 }
        queues[partition].append(pull)
        requested += pull.remaining
    }

    /// Counts a message delivered on the oldest request of `partition` (the server answers them in
    /// order); a request that got its whole batch is done.
    mutating func noteDelivery(on partition: Int, now: Moment) {
        guard var pull = queues[partition].first else { return }
        pull.remaining -= 1
        pull.lastHeard = now
        requested -= 1
        if pull.remaining <= 0 {
            queues[partition].removeFirst()
            if queues[partition].isEmpty { idleCount += 1 }
        } else {
            queues[partition][queues[partition].startIndex] = pull
        }
    }

    /// Notes that request `id` of `partition` is alive (a heartbeat).
    mutating func noteHeartbeat(of id: UInt64, on partition: Int, now: Moment) {
        if let index = queues[partition].firstIndex(where: { $0.id == id }) {
            queues[partition][index].lastHeard = now
        }
    }

    /// Forgets the requests of `partition` that `isGone` names; returns whether any was.
    @discardableResult
    mutating func removeAll(of partition: Int, where isGone: (OutstandingPull) -> Bool) -> Bool {
        let before = queues[partition].count
        var removed = 0
        queues[partition].removeAll { pull in
            guard isGone(pull) else { return false }
            removed += pull.remaining
            return true
        }
        requested -= removed
        if before > 0, queues[partition].isEmpty { idleCount += 1 }
        return queues[partition].count != before
    }

    /// Forgets every request of `partition`.
    mutating func removeAll(of partition: Int) {
        removeAll(of: partition) { _ in true }
    }

    /// Forgets every request.
    mutating func removeAll() {
        for partition in queues.indices { removeAll(of: partition) }
    }
}

/// A pull request sent and not yet finished.
struct OutstandingPull: Sendable {
    var id: UInt64
    var remaining: Int
    var issuedAt: Moment
    var lastHeard: Moment
}
