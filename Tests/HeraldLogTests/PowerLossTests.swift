import Foundation
import Herald
import HeraldLog
import HeraldTesting
import NIOCore
import Testing

/// Seeded power losses that tear what was not synced (issue 10, defect 10): a random workload of publishes,
/// acknowledgements, group checkpoints, segment rolls, retention and journal checkpoints, cut at a random
/// point; after recovery every acknowledged event is there once at its receipt's offset, nothing is served
/// that was never published, per-key order holds, and no group skips an event it never acknowledged.
///
/// `HERALD_POWER_LOSS_ITERATIONS` sets the number of runs (default 200; the soak runs 10,000).
@Suite("Embedded log: power loss")
struct PowerLossTests {
    private struct Published {
        var id: String
        var key: String
        var partition: Int
        var offset: Int64
    }

    @Test("a torn power loss at a random point loses no acknowledged event and serves nothing never published")
    func powerLoss() async throws {
        let iterations = ProcessInfo.processInfo.environment["HERALD_POWER_LOSS_ITERATIONS"].flatMap(Int.init) ?? 200
        var restored = 0
        for seed in 0..<iterations {
            restored += try await run(seed: seed)
        }
        print("power loss: \(iterations) runs, \(restored) events given back by the commit journal")
    }

    /// One run; returns how many events the journal gave back.
    private func run(seed: Int) async throws -> Int {
        var generator = SeededRandomGenerator(seed: UInt64(seed) &* 0x2545_F491 &+ 3)
        return try await withTemporaryDirectory { directory in
            let fileSystem = FaultInjectingFileSystem()
            let journal: CommitJournalMode = seed % 2 == 0 ? .always : .never
            let configuration = LogBrokerConfiguration(
                dataDirectory: directory, segmentBytes: 2 * 1024, fileSystem: fileSystem, commitJournal: journal, journalCheckpointBytes: 8 * 1024
            )
            let broker = try await LogBroker.open(configuration)
            try await broker.createTopic(TopicConfiguration(name: "orders", partitions: 3), options: LogTopicOptions(durability: .fsyncBeforeAcknowledge))
            // A topic whose oldest events retention drops, synced only on an interval: its unsynced tail tears.
            try await broker.createTopic(
                TopicConfiguration(name: "logs", maximumEvents: 60, overflowPolicy: .dropOldest),
                options: LogTopicOptions(durability: .fsyncInterval(.seconds(3_600)))
            )
            let subscription = try await broker.subscribe(to: "orders", group: "billing", options: SubscriptionOptions(prefetch: 1_000))
            var published: [Published] = []
            var acknowledged: Set<String> = []
            var logsPublished: Set<String> = []
            var next = 0
            let steps = Int.random(in: 5...40, using: &generator)
            for _ in 0..<steps {
                switch Int.random(in: 0..<10, using: &generator) {
                case 0..<5:
                    let events = try (0..<Int.random(in: 1...8, using: &generator)).map { _ -> Event in
                        next += 1
                        return try Event(
                            id: "e\(next)", source: "/power", type: "power.test.v1", subject: "k\(next % 5)",
                            data: ByteBuffer(string: String(repeating: "p", count: next % 90)))
                    }
                    for (event, receipt) in zip(events, try await broker.publish(events, to: "orders")) {
                        published.append(Published(id: event.id, key: event.subject ?? "", partition: receipt.partition.index, offset: receipt.offset.value))
                    }
                case 5..<7:
                    let pending = published.count - acknowledged.count
                    guard pending > 0 else { continue }
                    let batch = try await subscription.next(upTo: Int.random(in: 1...pending, using: &generator))
                    try await Delivery.ack(batch)
                    acknowledged.formUnion(batch.map(\.event.id))
                case 7..<9:
                    let events = try (0..<10).map { _ -> Event in
                        next += 1
                        return try Event(id: "l\(next)", source: "/power", type: "power.log.v1", data: ByteBuffer(string: "log-\(next)"))
                    }
                    _ = try await broker.publish(events, to: "logs")
                    logsPublished.formUnion(events.map(\.id))
                default:
                    // Group checkpoints: file I/O, run on a thread of its own rather than the tests' pool.
                    try await onBlockingThread { broker.maintain() }
                }
            }
            let cutSeed = generator.next()
            try await onBlockingThread {
                var cut = SeededRandomGenerator(seed: cutSeed)
                try fileSystem.simulateTornPowerLoss(using: &cut)
            }
            await subscription.close()
            try? await broker.close()
            fileSystem.heal()

            let reopened = try await LogBroker.open(LogBrokerConfiguration(dataDirectory: directory, segmentBytes: 2 * 1024))
            let report = reopened.recoveryReport()
            #expect(
                report.corruptions.isEmpty && report.quarantinedTopics.isEmpty && report.quarantinedGroups.isEmpty,
                "seed \(seed): a power loss is not damage: \(report)")
            var found: [String: (partition: Int, offset: Int64)] = [:]
            for partition in 0..<3 {
                var from = Offset(0)
                while true {
                    let stored = try await reopened.read(topic: "orders", partition: Partition(partition), from: from, limit: 500)
                    guard let last = stored.last else { break }
                    for event in stored {
                        #expect(
                            found.updateValue((partition, event.offset.value), forKey: event.event.id) == nil, "seed \(seed): \(event.event.id) is stored twice"
                        )
                    }
                    from = last.offset.next
                }
            }
            let ids = Set(published.map(\.id))
            #expect(found.keys.allSatisfy(ids.contains), "seed \(seed): an event never published is served")
            for event in published {
                let place = found[event.id]
                #expect(
                    place?.partition == event.partition && place?.offset == event.offset,
                    "seed \(seed): acknowledged \(event.id) is not at \(event.partition)@\(event.offset) but \(String(describing: place))")
            }
            for key in Set(published.map(\.key)) {
                let offsets = published.filter { $0.key == key }.compactMap { found[$0.id]?.offset }
                #expect(offsets == offsets.sorted(), "seed \(seed): key \(key) is out of order")
            }
            // The group resumes at or before its first unacknowledged event in every partition (when no
            // checkpoint of it survived, it starts again from the earliest event: nothing skipped).
            let lag = try? await reopened.lag(group: "billing", on: "orders")
            for partition in lag?.partitions ?? [] {
                let firstUnacknowledged = published.filter { $0.partition == partition.partition.index && !acknowledged.contains($0.id) }.map(\.offset).min()
                if let firstUnacknowledged {
                    #expect(
                        partition.committedOffset.value <= firstUnacknowledged,
                        "seed \(seed): the group skips \(partition.partition.index)@\(firstUnacknowledged), never acknowledged")
                }
            }
            // The torn, retained topic: whatever it serves was published, intact.
            let logs = try await reopened.read(topic: "logs", partition: 0, from: 0, limit: 1_000)
            #expect(
                logs.allSatisfy { logsPublished.contains($0.event.id) && $0.event.data == ByteBuffer(string: "log-\($0.event.id.dropFirst())") },
                "seed \(seed): the logs topic serves what was never written")
            try await reopened.close()
            return report.journal.restoredEvents
        }
    }
}
