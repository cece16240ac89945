import Foundation
import Herald
import Logging
import NIOCore
import Testing

@testable import HeraldLog

@Suite("Embedded log: commit journal")
struct CommitJournalTests {
    private static let logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })

    private func event(_ index: Int) throws -> Event {
        try Event(id: "evt-\(index)", source: "/journal", type: "journal.test.v1", subject: "k\(index % 7)", data: ByteBuffer(string: "payload-\(index)"))
    }

    /// Publishes `batches` batches of 10 events (numbered from `offset` × 10) from 4 concurrent publishers;
    /// returns each event's receipt.
    private func publish(_ broker: LogBroker, batches: Int, offset: Int = 0) async throws -> [String: PublishReceipt] {
        try await withThrowingTaskGroup(of: [(String, PublishReceipt)].self) { group in
            for publisher in 0..<4 {
                group.addTask {
                    var receipts: [(String, PublishReceipt)] = []
                    for batch in stride(from: offset + publisher, to: offset + batches, by: 4) {
                        let events = try (batch * 10..<batch * 10 + 10).map(event)
                        let published = try await broker.publish(events, to: "orders")
                        receipts += zip(events.map(\.id), published).map { ($0, $1) }
                    }
                    return receipts
                }
            }
            var all: [String: PublishReceipt] = [:]
            for try await receipts in group {
                for (id, receipt) in receipts { all[id] = receipt }
            }
            return all
        }
    }

    /// Every acknowledged event is stored once, at its receipt's partition and offset.
    private func expectAllPresent(_ receipts: [String: PublishReceipt], in broker: LogBroker, partitions: Int) async throws {
        var found: [String: (Partition, Offset)] = [:]
        var duplicates = 0
        for partition in 0..<partitions {
            var next = Offset(0)
            while true {
                let stored = try await broker.read(topic: "orders", partition: Partition(partition), from: next, limit: 500)
                guard let last = stored.last else { break }
                for event in stored {
                    if found.updateValue((event.partition, event.offset), forKey: event.event.id) != nil { duplicates += 1 }
                }
                next = last.offset.next
            }
        }
        #expect(duplicates == 0)
        var missing = 0
        for (id, receipt) in receipts {
            guard let (partition, offset) = found[id] else {
                missing += 1
                continue
            }
            #expect(partition == receipt.partition && offset == receipt.offset, "\(id) is not where its receipt says")
        }
        #expect(missing == 0, "\(missing) acknowledged events are gone")
    }

    /// The journal files in the data directory, the spare left out.
    private func journalFiles(_ directory: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: "\(directory)/journal").filter { !$0.hasSuffix(".spare") }
    }

    /// Drops what the broker wrote but did not sync, then closes it (its writes fail: nothing changes).
    private func losePower(_ broker: LogBroker, _ fileSystem: FaultInjectingFileSystem) async throws {
        try fileSystem.simulatePowerLoss()
        try? await broker.close()
        fileSystem.heal()
    }

    @Test("after a power loss, the journal gives back every acknowledged event the segments had not synced")
    func powerLoss() async throws {
        try await withTemporaryDirectory { directory in
            let fileSystem = FaultInjectingFileSystem()
            let configuration = LogBrokerConfiguration(dataDirectory: directory, fileSystem: fileSystem, commitJournal: .always)
            let broker = try await LogBroker.open(configuration)
            try await broker.createTopic(TopicConfiguration(name: "orders", partitions: 3))
            let receipts = try await publish(broker, batches: 40)
            #expect(receipts.count == 400)
            try await losePower(broker, fileSystem)

            // Opened with the journal off: a journal left by an earlier run is replayed all the same.
            let reopened = try await LogBroker.open(LogBrokerConfiguration(dataDirectory: directory, commitJournal: .never))
            let report = reopened.recoveryReport().journal
            #expect(report.files == 1)
            #expect(report.restoredEvents == 400, "the segments were never synced: everything comes from the journal")
            #expect(report.problems.isEmpty)
            try await expectAllPresent(receipts, in: reopened, partitions: 3)
            try await reopened.close()
            #expect(try journalFiles(directory).isEmpty, "the replayed journal was deleted once its content was synced in the segments")
        }
    }

    @Test("checkpoints sync the segments and start new journal files; a power loss at any point loses nothing acknowledged", arguments: [2_048, 16_384])
    func checkpoints(_ checkpointBytes: Int) async throws {
        try await withTemporaryDirectory { directory in
            let fileSystem = FaultInjectingFileSystem()
            let configuration = LogBrokerConfiguration(
                dataDirectory: directory, fileSystem: fileSystem, commitJournal: .always, journalCheckpointBytes: Int64(checkpointBytes))
            let broker = try await LogBroker.open(configuration)
            try await broker.createTopic(TopicConfiguration(name: "orders", partitions: 4))
            let receipts = try await publish(broker, batches: 120)
            try await losePower(broker, fileSystem)

            let reopened = try await LogBroker.open(LogBrokerConfiguration(dataDirectory: directory, commitJournal: .always))
            #expect(reopened.recoveryReport().journal.problems.isEmpty)
            try await expectAllPresent(receipts, in: reopened, partitions: 4)
            // The log keeps working after recovery, and a clean close leaves no journal behind.
            _ = try await reopened.publish(try event(10_000), to: "orders")
            try await reopened.close()
            #expect(try journalFiles(directory).isEmpty)
            let spares = try FileManager.default.contentsOfDirectory(atPath: "\(directory)/journal").filter { $0.hasSuffix(".spare") }
            #expect(spares.count == 1, "one retired file is kept for reuse")
        }
    }

    @Test("after a process crash (nothing lost by the OS) the journal's batches are already in the segments and are not appended twice")
    func replayIsIdempotent() async throws {
        try await withTemporaryDirectory { directory in
            let configuration = LogBrokerConfiguration(dataDirectory: directory)
            let broker = try await LogBroker.open(configuration)
            try await broker.createTopic(TopicConfiguration(name: "orders", partitions: 2))
            let receipts = try await publish(broker, batches: 16)
            try await broker.close()
            // Put back a journal as a crash would have left it: an entry for each batch already stored,
            // then half an entry.
            let journalDirectory = "\(directory)/journal"
            let file = try POSIXFileSystem().open(JournalScan.path(journalDirectory, generation: 1), creating: true)
            var bytes = ByteBuffer()
            for partition in 0..<2 {
                let store = try PartitionStore.open(
                    directory: "\(directory)/topics/orders/\(partition)", partition: Partition(partition), fileSystem: POSIXFileSystem(), logger: Self.logger
                )
                let segment = try store.activeFile.read(count: Int(try store.activeFile.size()), at: 0)
                try store.close()
                JournalRecord.encode(generation: 1, topic: "orders", partition: partition, batches: segment, into: &bytes)
            }
            JournalRecord.encode(generation: 1, topic: "gone", partition: 0, batches: ByteBuffer(), into: &bytes)
            // Left from an earlier generation of a recycled file: it ends the file.
            JournalRecord.encode(generation: 0, topic: "stale", partition: 0, batches: ByteBuffer(), into: &bytes)
            let whole = bytes.readableBytes
            JournalRecord.encode(generation: 1, topic: "orders", partition: 0, batches: ByteBuffer(string: "torn"), into: &bytes)
            bytes.moveWriterIndex(to: whole + 10)
            try file.write(bytes, at: 0)
            try file.close()

            let reopened = try await LogBroker.open(configuration)
            let report = reopened.recoveryReport().journal
            #expect(report.restoredBatches == 0)
            #expect(report.unknownPartitions == 1, "the entry of a topic the log does not have is skipped; the stale one ends the file")
            #expect(report.problems.isEmpty)
            try await expectAllPresent(receipts, in: reopened, partitions: 2)
            let lag =
                try await reopened.read(topic: "orders", partition: 0, from: 0, limit: 1_000).count
                + (try await reopened.read(topic: "orders", partition: 1, from: 0, limit: 1_000).count)
            #expect(lag == 160, "nothing was appended twice")
            try await reopened.close()
        }
    }

    @Test("a failed journal sync fails the publish of its round and leaves nothing behind; the next rounds work")
    func failedRound() async throws {
        try await withTemporaryDirectory { directory in
            let fileSystem = FaultInjectingFileSystem()
            let broker = try await LogBroker.open(LogBrokerConfiguration(dataDirectory: directory, fileSystem: fileSystem, commitJournal: .always))
            try await broker.createTopic(TopicConfiguration(name: "orders", partitions: 2))
            fileSystem.failNextSyncs(1)
            await #expect(throws: BrokerError.self) { _ = try await broker.publish(try event(-1), to: "orders") }
            let receipts = try await publish(broker, batches: 8)
            try await losePower(broker, fileSystem)
            let reopened = try await LogBroker.open(LogBrokerConfiguration(dataDirectory: directory))
            try await expectAllPresent(receipts, in: reopened, partitions: 2)
            let stored =
                try await reopened.read(topic: "orders", partition: 0, from: 0, limit: 1_000)
                + (try await reopened.read(topic: "orders", partition: 1, from: 0, limit: 1_000))
            #expect(stored.count == 80, "the failed round left nothing in the segments or the journal")
            #expect(!stored.contains { $0.event.id == "evt--1" })
            try await reopened.close()
        }
    }

    @Test("a new journal file's generation is above every generation a file has held, the spare's included")
    func generationsNeverRepeat() throws {
        try withTemporaryDirectory { directory in
            let fileSystem = POSIXFileSystem()
            #expect(try JournalScan.scan(directory, fileSystem: fileSystem, logger: Self.logger).nextGeneration == 1)
            try fileSystem.open(JournalScan.sparePath(directory, generation: 7), creating: true).close()
            try fileSystem.open(JournalScan.path(directory, generation: 3), creating: true).close()
            let scan = try JournalScan.scan(directory, fileSystem: fileSystem, logger: Self.logger)
            #expect(scan.spare == 7)
            #expect(scan.files.map(\.generation) == [3])
            #expect(scan.nextGeneration == 8, "entries the spare still holds (generation 7 and older) must end the reused file")
        }
    }

    @Test("automatic: partitions sync their own segments until the broker holds more than twice its I/O threads, then the journal takes over")
    func automaticActivation() async throws {
        try await withTemporaryDirectory { directory in
            let fileSystem = FaultInjectingFileSystem()
            let configuration = LogBrokerConfiguration(dataDirectory: directory, ioThreads: 2, fileSystem: fileSystem)
            let broker = try await LogBroker.open(configuration)
            try await broker.createTopic(TopicConfiguration(name: "orders", partitions: 4))
            let direct = try await publish(broker, batches: 8)
            // 4 + 2 partitions: more than the 2 × 2 syncs that can run at once.
            try await broker.createTopic(TopicConfiguration(name: "audit", partitions: 2))
            let journaled = try await publish(broker, batches: 8, offset: 100)
            try await losePower(broker, fileSystem)

            let reopened = try await LogBroker.open(LogBrokerConfiguration(dataDirectory: directory))
            let report = reopened.recoveryReport().journal
            #expect(report.restoredEvents == journaled.count, "only what was published once the journal was in use comes from it")
            try await expectAllPresent(direct.merging(journaled) { first, _ in first }, in: reopened, partitions: 4)
            try await reopened.close()
        }
    }
}
