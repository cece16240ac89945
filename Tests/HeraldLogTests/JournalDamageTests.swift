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

    /// The entries of a journal file: position, length and partition.
    private func entries(of path: String) throws -> [(position: Int, length: Int, partition: Int)] {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        var found: [(position: Int, length: Int, partition: Int)] = []
        var position = 0
        while position + 23 <= data.count {
            let length = Int(data[position..<position + 4].enumerated().reduce(UInt32(0)) { $0 | UInt32($1.element) << (8 * UInt32($1.offset)) })
            guard length > 0, position + 8 + length <= data.count else { break }
            let partition = Int(data[position + 17..<position + 21].enumerated().reduce(UInt32(0)) { $0 | UInt32($1.element) << (8 * UInt32($1.offset)) })
            found.append((position, length, partition))
            position += 8 + length
        }
        return found
    }

    @Test("a bit flip in a journal entry is reported; entries after it are replayed, and only the damaged partition loses events")
    func bitFlip() async throws {
        try await withTemporaryDirectory { directory in
            let fileSystem = FaultInjectingFileSystem()
            let broker = try await LogBroker.open(LogBrokerConfiguration(dataDirectory: directory, fileSystem: fileSystem, commitJournal: .always))
            try await broker.createTopic(TopicConfiguration(name: "orders", partitions: 3))
            var receipts: [String: PublishReceipt] = [:]
            for chunk in 0..<40 {
                let events = try (chunk * 10..<chunk * 10 + 10).map(event)
                for (event, receipt) in zip(events, try await broker.publish(events, to: "orders")) { receipts[event.id] = receipt }
            }
            try fileSystem.simulatePowerLoss()
            try? await broker.close()
            fileSystem.heal()

            let journal = try #require(try FileManager.default.contentsOfDirectory(atPath: "\(directory)/journal").first { $0.hasSuffix(".journal") })
            let path = "\(directory)/journal/\(journal)"
            let all = try entries(of: path)
            try #require(all.count >= 6)
            let damaged = all[all.count / 2]
            var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
            bytes[damaged.position + 8 + damaged.length - 3] ^= 0x10
            try bytes.write(to: URL(fileURLWithPath: path))

            let reopened = try await LogBroker.open(LogBrokerConfiguration(dataDirectory: directory))
            let recovery = reopened.recoveryReport().journal
            #expect(recovery.problems.contains { $0.contains("damaged at bytes \(damaged.position)") }, "the damage is reported: \(recovery.problems)")
            for partition in 0..<3 where partition != damaged.partition {
                let expected = receipts.values.filter { $0.partition.index == partition }.count
                let stored = try await reopened.read(topic: "orders", partition: Partition(partition), from: 0, limit: 1_000)
                #expect(stored.count == expected, "partition \(partition) lost nothing: entries after the damage were replayed")
            }
            try await reopened.close()
        }
    }
}
