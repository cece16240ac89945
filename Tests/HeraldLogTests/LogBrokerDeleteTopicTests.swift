import Foundation
import Herald
import HeraldLog
import Testing

@Suite("Embedded log: deleting topics")
struct LogBrokerDeleteTopicTests {
    private func events(_ prefix: String, _ count: Int) throws -> [Event] {
        try (0..<count).map { try Event(id: "\(prefix)-\($0)", source: "/delete-tests", type: "test.event") }
    }

    @Test("a topic deleted and created again: after a power loss the journal gives back the new topic's events only")
    func journalKeepsIncarnationsApart() async throws {
        try await withTemporaryDirectory { directory in
            let fileSystem = FaultInjectingFileSystem()
            let broker = try await LogBroker.open(LogBrokerConfiguration(dataDirectory: directory, fileSystem: fileSystem, commitJournal: .always))
            try await broker.createTopic(TopicConfiguration(name: "orders", deduplicationWindow: .zero))
            _ = try await broker.publish(try events("old", 10), to: "orders")
            try await broker.deleteTopic("orders")
            try await broker.createTopic(TopicConfiguration(name: "orders", deduplicationWindow: .zero))
            let receipts = try await broker.publish(try events("new", 3), to: "orders")
            #expect(receipts.map(\.offset) == [0, 1, 2])
            // The new topic's segment was never synced: its events come back from the journal, which also
            // still holds the deleted topic's ten.
            try fileSystem.simulatePowerLoss()
            try? await broker.close()
            fileSystem.heal()

            let reopened = try await LogBroker.open(LogBrokerConfiguration(dataDirectory: directory, commitJournal: .always))
            let stored = try await reopened.read(topic: "orders", partition: 0, from: 0, limit: 100)
            #expect(stored.map(\.event.id) == ["new-0", "new-1", "new-2"])
            #expect(reopened.recoveryReport().journal.problems.isEmpty)
            try await reopened.close()
        }
    }

    @Test("deleting a topic removes its files and group checkpoints; other topics and a reopen are unaffected")
    func filesRemoved() async throws {
        try await withTemporaryDirectory { directory in
            let broker = try await LogBroker.open(LogBrokerConfiguration(dataDirectory: directory))
            try await broker.createTopic(TopicConfiguration(name: "orders"))
            try await broker.createTopic(TopicConfiguration(name: "payments"))
            _ = try await broker.publish(try events("o", 2), to: "orders")
            _ = try await broker.publish(try events("p", 2), to: "payments")
            let subscription = try await broker.subscribe(to: "orders", group: "billing")
            let delivery = try await subscription.next()
            try await delivery?.ack()
            broker.maintain()
            #expect(FileManager.default.fileExists(atPath: "\(directory)/groups/orders/billing.json"))

            try await broker.deleteTopic("orders")
            #expect(!FileManager.default.fileExists(atPath: "\(directory)/topics/orders"))
            #expect(!FileManager.default.fileExists(atPath: "\(directory)/groups/orders"))
            #expect(try FileManager.default.contentsOfDirectory(atPath: "\(directory)/topics") == ["payments"])
            broker.maintain()
            #expect(!FileManager.default.fileExists(atPath: "\(directory)/groups/orders"), "no checkpoint is written for a deleted topic")
            await subscription.close()
            try await broker.close()

            let reopened = try await LogBroker.open(LogBrokerConfiguration(dataDirectory: directory))
            #expect(try await reopened.topics().map(\.name) == ["payments"])
            #expect(try await reopened.read(topic: "payments", partition: 0, from: 0, limit: 10).count == 2)
            try await reopened.close()
        }
    }

    @Test("what a deletion interrupted by a crash left aside is removed when the log opens")
    func leftoversRemoved() async throws {
        try await withTemporaryDirectory { directory in
            let broker = try await LogBroker.open(LogBrokerConfiguration(dataDirectory: directory))
            try await broker.createTopic(TopicConfiguration(name: "orders"))
            _ = try await broker.publish(try events("o", 2), to: "orders")
            try await broker.close()
            // As if the process stopped after the rename and before the removal.
            try FileManager.default.moveItem(atPath: "\(directory)/topics/orders", toPath: "\(directory)/topics/.deleted-crash")

            let reopened = try await LogBroker.open(LogBrokerConfiguration(dataDirectory: directory))
            #expect(try await reopened.topics().isEmpty)
            #expect(try FileManager.default.contentsOfDirectory(atPath: "\(directory)/topics").isEmpty)
            try await reopened.close()
        }
    }
}
