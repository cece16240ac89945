import Herald
import Testing

@testable import HeraldLog

/// The retention policy decides on views alone: no disk, no lock, no clock.
@Suite("Retention policy")
struct RetentionPolicyTests {
    /// A partition of `segments` sealed segments of `eventsPerSegment` events and 100 bytes each, stored at
    /// times 1_000, 2_000, … (plus `timeOffset`), with an active segment of `activeEvents` events.
    private func view(
        _ partition: Int,
        segments: Int,
        eventsPerSegment: Int64 = 10,
        activeEvents: Int64 = 0,
        acknowledgedByAll: Offset? = nil,
        timeOffset: Int64 = 0,
        damaged: Set<Int> = []
    ) -> PartitionRetentionView {
        let sealed = (0..<segments).map { index in
            SegmentSummary(
                baseOffset: Offset(Int64(index) * eventsPerSegment), nextOffset: Offset(Int64(index + 1) * eventsPerSegment), bytes: 100,
                maxTimestamp: Int64(index + 1) * 1_000 + timeOffset, isDamaged: damaged.contains(index)
            )
        }
        return PartitionRetentionView(
            partition: partition, start: 0, end: Offset(Int64(segments) * eventsPerSegment + activeEvents),
            acknowledgedByAll: acknowledgedByAll, sealedSegments: sealed, activeBytes: activeEvents * 10
        )
    }

    /// Ingest times as the views above have them: the segment's time, for every event in it.
    private func time(timeOffsets: [Int: Int64] = [:]) -> (Int, Offset) -> Int64? {
        { partition, offset in (offset.value / 10 + 1) * 1_000 + (timeOffsets[partition] ?? 0) }
    }

    @Test("what fits needs no plan")
    func fits() throws {
        let policy = RetentionPolicy(topic: "t", maximumEvents: 100, maximumBytes: 1_000, overflow: .rejectPublish)
        #expect(policy.fits(events: 10, bytes: 100, heldEvents: 90, heldBytes: 900))
        #expect(!policy.fits(events: 11, bytes: 100, heldEvents: 90, heldBytes: 900))
        #expect(!policy.fits(events: 1, bytes: 101, heldEvents: 90, heldBytes: 900))
        let plan = try policy.room(forEvents: 10, bytes: 0, in: [view(0, segments: 9)], ingestTime: time())
        #expect(plan.isEmpty)
    }

    @Test("a full topic that rejects publishes drops only what every group acknowledged, then refuses, naming the limit")
    func rejectAfterAcknowledged() throws {
        let policy = RetentionPolicy(topic: "orders", maximumEvents: 50, maximumBytes: .max, overflow: .rejectPublish)
        let acknowledged = try policy.room(forEvents: 5, bytes: 0, in: [view(0, segments: 5, acknowledgedByAll: 20)], ingestTime: time())
        #expect(acknowledged == RetentionPlan(starts: [0: 5]), "exactly the excess goes, below the acknowledged floor")
        do {
            _ = try policy.room(forEvents: 30, bytes: 0, in: [view(0, segments: 5, acknowledgedByAll: 20)], ingestTime: time())
            Issue.record("a publish that does not fit was given room")
        } catch {
            #expect(error.code == .topicFull)
            #expect(error.message.contains("orders") && error.message.contains("50 events"), "\(error.message)")
        }
    }

    @Test("a batch larger than the limit is refused even when dropping the oldest")
    func batchLargerThanLimit() {
        let policy = RetentionPolicy(topic: "logs", maximumEvents: 10, maximumBytes: .max, overflow: .dropOldest)
        #expect(throws: BrokerError.self) {
            try policy.room(forEvents: 11, bytes: 0, in: [view(0, segments: 1)], ingestTime: time())
        }
    }

    @Test("dropping the oldest takes events by ingest time across partitions, exactly as many as needed")
    func dropOldestByTime() throws {
        let policy = RetentionPolicy(topic: "logs", maximumEvents: 40, maximumBytes: .max, overflow: .dropOldest)
        // Partition 1's events were stored 500 ms after partition 0's of the same offset.
        let partitions = [view(0, segments: 2), view(1, segments: 2, timeOffset: 500)]
        let plan = try policy.room(forEvents: 15, bytes: 0, in: partitions, ingestTime: time(timeOffsets: [1: 500]))
        // 15 over: partition 0's first ten (t=1000), then partition 1's first ten (t=1500) before partition 0's
        // next (t=2000): five of those.
        #expect(plan == RetentionPlan(starts: [0: 10, 1: 5]))
    }

    @Test("the byte limit drops whole segments: acknowledged ones first, then the oldest by time")
    func bytesWholeSegments() throws {
        let reject = RetentionPolicy(topic: "t", maximumEvents: .max, maximumBytes: 400, overflow: .rejectPublish)
        // Four segments of 100 bytes held, 150 coming: two must go; the group acknowledged below 30.
        let acknowledged = try reject.room(forEvents: 1, bytes: 150, in: [view(0, segments: 4, acknowledgedByAll: 30)], ingestTime: time())
        #expect(acknowledged == RetentionPlan(starts: [0: 20]))
        #expect(throws: BrokerError.self, "only one acknowledged segment is not enough") {
            try reject.room(forEvents: 1, bytes: 150, in: [view(0, segments: 4, acknowledgedByAll: 15)], ingestTime: time())
        }

        let drop = RetentionPolicy(topic: "t", maximumEvents: .max, maximumBytes: 400, overflow: .dropOldest)
        let partitions = [view(0, segments: 2, timeOffset: 5_000), view(1, segments: 2)]
        let plan = try drop.room(forEvents: 1, bytes: 150, in: partitions, ingestTime: time())
        #expect(plan == RetentionPlan(starts: [1: 20]), "partition 1's segments are older")
    }

    @Test("age retention drops the sealed segments older than the cutoff and stops at one whose times are not certain")
    func age() {
        let plan = RetentionPolicy.expired(
            before: 3_500, in: [view(0, segments: 5), view(1, segments: 5, damaged: [1]), view(2, segments: 5, timeOffset: 9_000)])
        #expect(plan == RetentionPlan(starts: [0: 30, 1: 10]))
    }

    @Test("a view moved past segments drops them from its bytes and never moves past its end")
    func viewAdvance() {
        var partition = view(0, segments: 3, activeEvents: 5)
        #expect(partition.bytes == 350)
        partition.advance(to: 15)
        #expect(partition.start == 15 && partition.sealedSegments.count == 2 && partition.bytes == 250)
        partition.advance(to: 5)
        #expect(partition.start == 15, "a start never moves back")
        partition.advance(to: 1_000)
        #expect(partition.start == 35 && partition.sealedSegments.isEmpty && partition.bytes == 50)
    }
}
