import Herald

/// Decides what a topic's limits drop: pure, with no lock, file or clock of its own. It works on views of the
/// partitions taken under the topic's lock and returns a ``RetentionPlan``. The broker applies the plan in
/// memory under that lock, then deletes the files after leaving it.
struct RetentionPolicy: Sendable {
    /// The topic's name, for errors.
    var topic: String
    /// The most events the topic holds.
    var maximumEvents: Int64
    /// The most bytes on disk the topic holds.
    var maximumBytes: Int64
    /// What happens when a publish does not fit.
    var overflow: TopicConfiguration.OverflowPolicy

    /// The policy of a topic's configuration.
    init(_ configuration: TopicConfiguration) {
        self.init(
            topic: configuration.name,
            maximumEvents: Int64(configuration.maximumEvents),
            maximumBytes: Int64(configuration.maximumBytes),
            overflow: configuration.overflowPolicy
        )
    }

    /// A policy with the given limits.
    init(topic: String, maximumEvents: Int64, maximumBytes: Int64, overflow: TopicConfiguration.OverflowPolicy) {
        self.topic = topic
        self.maximumEvents = maximumEvents
        self.maximumBytes = maximumBytes
        self.overflow = overflow
    }

    /// Whether `events` new events of `bytes` bytes fit beside what the topic holds, so no plan is needed.
    func fits(events: Int64, bytes: Int64, heldEvents: Int64, heldBytes: Int64) -> Bool {
        heldEvents + events <= maximumEvents && heldBytes + bytes <= maximumBytes
    }

    /// Where the partitions must start so that `events` new events of `bytes` bytes fit.
    ///
    /// Events every group acknowledged go first. Then, under ``TopicConfiguration/OverflowPolicy/dropOldest``,
    /// the oldest events by ingest time go. The event limit is exact. The byte limit counts the bytes on disk
    /// and drops a whole segment at a time.
    ///
    /// `ingestTime` gives the time, in milliseconds since 1970, an offset of a partition was stored at, as the
    /// segments' time indexes know it (`nil` when unknown, which counts as newest).
    ///
    /// - Throws: ``BrokerError/topicFull(_:limit:)`` when the publish cannot fit: it is larger than a limit,
    ///   or the topic rejects publishes when full and not enough was acknowledged by every group.
    func room(
        forEvents events: Int64,
        bytes: Int64,
        in partitions: [PartitionRetentionView],
        ingestTime: (_ partition: Int, _ offset: Offset) -> Int64?
    ) throws(BrokerError) -> RetentionPlan {
        var views = partitions
        try makeRoom(events: events, in: &views, ingestTime: ingestTime)
        try makeRoom(bytes: bytes, in: &views)
        return Self.plan(from: partitions, to: views)
    }

    /// Where the partitions must start so that no sealed segment whose newest event was stored before
    /// `cutoff` (milliseconds since 1970) is kept. A segment whose times are not known for certain (it is
    /// damaged) stops the partition there: when in doubt the data is kept.
    static func expired(before cutoff: Int64, in partitions: [PartitionRetentionView]) -> RetentionPlan {
        var plan = RetentionPlan()
        for view in partitions {
            let expired = view.sealedSegments.prefix { segment in
                guard !segment.isDamaged, let newest = segment.maxTimestamp else { return false }
                return newest < cutoff
            }
            if let target = expired.last?.nextOffset, target > view.start {
                plan.starts[view.partition] = target
            }
        }
        return plan
    }

    private func makeRoom(
        events: Int64,
        in views: inout [PartitionRetentionView],
        ingestTime: (Int, Offset) -> Int64?
    ) throws(BrokerError) {
        func excess() -> Int64 { views.reduce(events) { $0 + $1.eventCount } - maximumEvents }
        guard excess() > 0 else { return }
        if events > maximumEvents {
            throw .topicFull(topic, limit: "\(maximumEvents) events; the batch alone holds \(events)")
        }
        for index in views.indices {
            let over = excess()
            guard over > 0 else { return }
            if let floor = views[index].acknowledgedByAll, floor > views[index].start {
                views[index].advance(to: Offset(min(floor.value, views[index].start.value + over)))
            }
        }
        guard excess() > 0 else { return }
        guard overflow == .dropOldest else {
            throw .topicFull(topic, limit: "\(maximumEvents) events; it holds \(views.reduce(0) { $0 + $1.eventCount })")
        }
        // One event at a time, from the partition whose first event was stored first.
        while excess() > 0 {
            let candidates = views.indices.filter { views[$0].start < views[$0].end }
            guard
                let oldest = candidates.min(by: { left, right in
                    (ingestTime(views[left].partition, views[left].start) ?? .max) < (ingestTime(views[right].partition, views[right].start) ?? .max)
                })
            else { return }
            views[oldest].advance(to: views[oldest].start.next)
        }
    }

    private func makeRoom(bytes incoming: Int64, in views: inout [PartitionRetentionView]) throws(BrokerError) {
        func held() -> Int64 { views.reduce(0) { $0 + $1.bytes } }
        func fits() -> Bool { held() + incoming <= maximumBytes }
        guard !fits() else { return }
        if incoming > maximumBytes {
            throw .topicFull(topic, limit: "\(maximumBytes) bytes; the batch alone holds \(incoming)")
        }
        for index in views.indices {
            while !fits(), let floor = views[index].acknowledgedByAll, let end = views[index].oldestSegmentEnd, end <= floor {
                views[index].advance(to: end)
            }
        }
        guard !fits() else { return }
        guard overflow == .dropOldest else {
            throw .topicFull(topic, limit: "\(maximumBytes) bytes on disk; it holds \(held())")
        }
        // A whole segment at a time, the one whose newest event is oldest (unknown times last).
        while !fits() {
            let candidates = views.indices.filter { views[$0].oldestSegmentEnd != nil }
            guard
                let oldest = candidates.min(by: { left, right in
                    (views[left].sealedSegments.first?.maxTimestamp ?? .max) < (views[right].sealedSegments.first?.maxTimestamp ?? .max)
                }),
                let end = views[oldest].oldestSegmentEnd
            else { return }
            views[oldest].advance(to: end)
        }
    }

    private static func plan(from before: [PartitionRetentionView], to after: [PartitionRetentionView]) -> RetentionPlan {
        var plan = RetentionPlan()
        for (old, new) in zip(before, after) where new.start > old.start {
            plan.starts[new.partition] = new.start
        }
        return plan
    }
}
