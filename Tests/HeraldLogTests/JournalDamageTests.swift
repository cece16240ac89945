import Foundation
import Herald
import HeraldLog
import NIOCore
import Testing

/// A damaged commit journal entry is reported, and the whole entries after it are still replayed (issue 10,
/// defect 3).
@Suite("Embedded log: damaged commit journal")
struct JournalDamageTests {
    private func event(_ index: Int) throws -> Event {
        try Event(id: "evt-\(index)", source: "/journal", type: "journal.test.v1", subject: "k\(index % 7)", data: ByteBuffer(string: "payload-\(index)"))
    }

    /// Publishes `chunks` rounds of ten events to three partitions through the journal, then loses power:
    /// the segments keep only what was synced, the journal the rest. Returns the receipts and the path of
    /// the journal file.
    private func publishThenLosePower(in directory: String, chunks: Int) async throws -> (receipts: [String: PublishReceipt], journal: String) {
        let fileSystem = FaultInjectingFileSystem()
        let broker = try await LogBroker.open(LogBrokerConfiguration(dataDirectory: directory, fileSystem: fileSystem, commitJournal: .always))
        try await broker.createTopic(TopicConfiguration(name: "orders", partitions: 3))
        var receipts: [String: PublishReceipt] = [:]
        for chunk in 0..<chunks {
            let events = try (chunk * 10..<chunk * 10 + 10).map(event)
            for (event, receipt) in zip(events, try await broker.publish(events, to: "orders")) { receipts[event.id] = receipt }
        }
        try fileSystem.simulatePowerLoss()
        try? await broker.close()
        fileSystem.heal()
        let journal = try #require(try FileManager.default.contentsOfDirectory(atPath: "\(directory)/journal").first { $0.hasSuffix(".journal") })
        return (receipts, "\(directory)/journal/\(journal)")
    }

    @Test("a bit flip in a journal entry is reported; entries after it are replayed, and only the damaged entry's events are lost, reported with their offsets")
    func bitFlip() async throws {
        try await withTemporaryDirectory { directory in
            let (receipts, path) = try await publishThenLosePower(in: directory, chunks: 40)
            let all = try journalEntries(ofFile: path)
            try #require(all.count >= 6)
            let damaged = all[all.count / 2]
            var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
            bytes[damaged.position + 8 + damaged.length - 3] ^= 0x10
            try bytes.write(to: URL(fileURLWithPath: path))

            let reopened = try await LogBroker.open(LogBrokerConfiguration(dataDirectory: directory))
            let recovery = reopened.recoveryReport().journal
            #expect(
                recovery.problems.contains {
                    $0.kind == .damaged && $0.position == Int64(damaged.position) && $0.topic == "orders" && $0.partition == damaged.partition
                },
                "the damage is reported with the partition it held: \(recovery.problems)"
            )
            for partition in 0..<3 where partition != damaged.partition {
                let expected = receipts.values.filter { $0.partition.index == partition }.count
                let stored = try await reopened.read(topic: "orders", partition: Partition(partition), from: 0, limit: 1_000)
                #expect(stored.count == expected, "partition \(partition) lost nothing: entries after the damage were replayed")
            }
            // The damaged entry's offsets are a gap in its partition, served around: events after it are read.
            let failed = try await expectLossesNamed(in: reopened, receipts: receipts, partition: damaged.partition)
            let gap = try #require(reopened.recoveryReport().journal.problems.first { $0.kind == .gap }?.offsets)
            #expect(failed.contains(gap), "reads of the lost offsets fail naming them")
            #expect(reopened.recoveryReport().corruptions.contains { $0.offsets == gap }, "the gap is reported as damage in the partition")
            try await reopened.close()
        }
    }

    /// Every acknowledged event of `partition` that `broker` no longer serves lies in the offsets a journal
    /// problem names for it.
    @discardableResult
    private func expectLossesNamed(in broker: LogBroker, receipts: [String: PublishReceipt], partition: Int) async throws -> [Range<Offset>] {
        let problems = broker.recoveryReport().journal.problems
        let (served, damaged, failure) = try await readAround(broker, topic: "orders", partition: partition)
        #expect(failure == nil, "every failed read names its damaged range")
        let stored = Set(served.map { $0.offset })
        let lost = receipts.values.filter { $0.partition.index == partition && !stored.contains($0.offset) }
        #expect(!lost.isEmpty, "the damage cost partition \(partition) events (the test damages what only the journal holds)")
        for receipt in lost {
            #expect(
                problems.contains { $0.mayHaveLost(topic: "orders", partition: partition, offset: receipt.offset) },
                "lost \(partition)@\(receipt.offset) is named: \(problems)")
        }
        return damaged
    }

    @Test("a bit flip in the journal's last entry is reported as a cut tail naming the partition and offsets it held")
    func lastEntryFlip() async throws {
        try await withTemporaryDirectory { directory in
            let (receipts, path) = try await publishThenLosePower(in: directory, chunks: 10)
            let last = try #require(try journalEntries(ofFile: path).last)
            var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
            bytes[last.position + 8 + last.length - 3] ^= 0x10
            try bytes.write(to: URL(fileURLWithPath: path))

            let reopened = try await LogBroker.open(LogBrokerConfiguration(dataDirectory: directory))
            let problems = reopened.recoveryReport().journal.problems
            #expect(
                problems.contains { $0.kind == .cutTail && $0.position == Int64(last.position) && $0.partition == last.partition },
                "the cut is reported: \(problems)")
            try await expectLossesNamed(in: reopened, receipts: receipts, partition: last.partition)
            try await reopened.close()
        }
    }

    @Test("a bit flip in the record count of the last entry's first batch: the cut tail claims the partition's offsets from that batch on")
    func batchHeaderFlip() async throws {
        try await withTemporaryDirectory { directory in
            let (receipts, path) = try await publishThenLosePower(in: directory, chunks: 10)
            let last = try #require(try journalEntries(ofFile: path).last)
            var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
            // Prefix 8, fixed header 15, "orders" 6: the first batch; its record count is at byte 18.
            bytes[last.position + 8 + 15 + 6 + 18] ^= 0x40
            try bytes.write(to: URL(fileURLWithPath: path))

            let reopened = try await LogBroker.open(LogBrokerConfiguration(dataDirectory: directory))
            let problems = reopened.recoveryReport().journal.problems
            #expect(problems.contains { $0.kind == .cutTail && $0.partition == last.partition && $0.offsets?.upperBound == Offset(Int64.max) }, "\(problems)")
            try await expectLossesNamed(in: reopened, receipts: receipts, partition: last.partition)
            try await reopened.close()
        }
    }

    /// Damage that leaves a journal entry's partition unknown or not to be believed.
    enum HeaderDamage: String, CaseIterable, CustomTestStringConvertible {
        case zeroedWhole = "the entry zeroed whole"
        case partitionFlipped = "a bit of its partition flipped"
        case topicFlipped = "a bit of its topic name flipped"
        var testDescription: String { rawValue }
    }

    @Test(
        "damage that leaves an entry's partition unknown makes every journaled partition report that it may have lost events from its end on",
        arguments: HeaderDamage.allCases)
    func unattributedDamage(_ damage: HeaderDamage) async throws {
        try await withTemporaryDirectory { directory in
            let (receipts, path) = try await publishThenLosePower(in: directory, chunks: 20)
            let all = try journalEntries(ofFile: path)
            // The last entry of some partition that is not the file's last: nothing after it names its offsets.
            let damaged = try #require(all.dropLast().last { entry in !all.contains { $0.position > entry.position && $0.partition == entry.partition } })
            var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
            switch damage {
            case .zeroedWhole: bytes.replaceSubrange(damaged.position..<damaged.position + 8 + damaged.length, with: Data(count: 8 + damaged.length))
            case .partitionFlipped: bytes[damaged.position + 18] ^= 0x04
            case .topicFlipped: bytes[damaged.position + 24] ^= 0x20
            }
            try bytes.write(to: URL(fileURLWithPath: path))

            let reopened = try await LogBroker.open(LogBrokerConfiguration(dataDirectory: directory))
            let problems = reopened.recoveryReport().journal.problems
            #expect(problems.contains { $0.kind == .damaged && $0.position == Int64(damaged.position) }, "the damage is reported: \(problems)")
            #expect(
                Set(problems.filter { $0.kind == .possibleLoss }.compactMap(\.partition)) == [0, 1, 2], "every partition may have lost events: \(problems)")
            try await expectLossesNamed(in: reopened, receipts: receipts, partition: damaged.partition)
            try await reopened.close()
        }
    }
}
