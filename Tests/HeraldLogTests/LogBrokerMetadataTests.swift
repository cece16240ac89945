import Foundation
import Herald
import NIOCore
import Testing

@testable import HeraldLog

/// Damaged or missing metadata quarantines its topic or group, never the broker, and never costs an
/// acknowledged event (issue 10, defects 3 and 8).
@Suite("Embedded log: damaged metadata")
struct LogBrokerMetadataTests {
    private func event(_ index: Int, prefix: String = "evt") throws -> Event {
        try Event(
            id: "\(prefix)-\(index)", source: "/metadata", type: "metadata.test.v1", subject: "k\(index % 5)", data: ByteBuffer(string: "payload-\(index)"))
    }

    /// Opens a broker in `directory` with topics "orders" (2 partitions) and "payments", publishes 20 events to
    /// each, and closes it.
    private func prepare(_ directory: String) async throws {
        let broker = try await LogBroker.open(LogBrokerConfiguration(dataDirectory: directory))
        try await broker.createTopic(TopicConfiguration(name: "orders", partitions: 2))
        try await broker.createTopic(TopicConfiguration(name: "payments"))
        _ = try await broker.publish(try (0..<20).map { try event($0) }, to: "orders")
        _ = try await broker.publish(try (0..<20).map { try event($0) }, to: "payments")
        try await broker.close()
    }

    private func count(_ broker: LogBroker, topic: String, partitions: Int) async throws -> Int {
        var total = 0
        for partition in 0..<partitions {
            total += try await broker.read(topic: topic, partition: Partition(partition), from: 0, limit: 10_000).count
        }
        return total
    }

    /// The JSON of a metadata file without its checksum line (rewritten without one, it is read as a file
    /// from before checksums: what these tests change is then judged by its content alone).
    private func json(at url: URL) throws -> [String: Any] {
        let text = try String(contentsOf: url, encoding: .utf8)
        let body = text.range(of: "\ncrc32c ").map { String(text[..<$0.lowerBound]) } ?? text
        return try #require(try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any])
    }

    /// `data` with the checksum line the log writes, so that the log reads what a test edited as whole.
    private func sealed(_ data: Data) -> Data {
        Data(ChecksummedText.seal(ByteBuffer(bytes: data)).readableBytesView)
    }

    private func rewriteManifest(_ directory: String, _ edit: (inout [String: Any]) -> Void) throws {
        let url = URL(fileURLWithPath: "\(directory)/topics/orders/topic.json")
        var object = try json(at: url)
        edit(&object)
        try sealed(try JSONSerialization.data(withJSONObject: object)).write(to: url)
    }

    /// Opens the broker and checks that "orders" is quarantined for `because` while "payments" serves.
    private func expectOrdersQuarantined(_ directory: String, because reason: String) async throws {
        let broker = try await LogBroker.open(LogBrokerConfiguration(dataDirectory: directory))
        let report = broker.recoveryReport()
        #expect(report.quarantinedTopics.map(\.name) == ["orders"], "\(reason)")
        #expect(report.quarantinedTopics.first?.reason.isEmpty == false)
        #expect(try await count(broker, topic: "payments", partitions: 1) == 20, "the rest of the broker serves")
        do {
            _ = try await broker.publish(try event(99), to: "orders")
            Issue.record("a publish to a quarantined topic was accepted")
        } catch let error as BrokerError {
            #expect(error.message.contains("quarantined"), "\(error)")
        }
        await #expect(throws: BrokerError.self, "re-creating a quarantined topic is refused") {
            try await broker.createTopic(TopicConfiguration(name: "orders", partitions: 2))
        }
        try await broker.close()
    }

    @Test("a garbage topic.json quarantines its topic; the other topics serve")
    func garbageManifest() async throws {
        try await withTemporaryDirectory { directory in
            try await prepare(directory)
            try Data("{\"name\": \"orders\", \"partitions\": [[[".utf8).write(to: URL(fileURLWithPath: "\(directory)/topics/orders/topic.json"))
            try await expectOrdersQuarantined(directory, because: "garbage")
        }
    }

    @Test("a topic.json with an impossible partition count quarantines its topic instead of crashing", arguments: [0, -1, 5_000])
    func impossiblePartitions(_ partitions: Int) async throws {
        try await withTemporaryDirectory { directory in
            try await prepare(directory)
            try rewriteManifest(directory) { $0["partitions"] = partitions }
            try await expectOrdersQuarantined(directory, because: "partitions \(partitions)")
        }
    }

    @Test("a topic.json that claims fewer partitions than the disk holds quarantines its topic")
    func fewerPartitions() async throws {
        try await withTemporaryDirectory { directory in
            try await prepare(directory)
            try rewriteManifest(directory) { $0["partitions"] = 1 }
            try await expectOrdersQuarantined(directory, because: "1 of 2 partitions")
        }
    }

    @Test("a deleted topic.json quarantines the topic and keeps the journal's acknowledged events until it is restored")
    func deletedManifestAfterPowerLoss() async throws {
        try await withTemporaryDirectory { directory in
            let fileSystem = FaultInjectingFileSystem()
            let broker = try await LogBroker.open(LogBrokerConfiguration(dataDirectory: directory, fileSystem: fileSystem, commitJournal: .always))
            try await broker.createTopic(TopicConfiguration(name: "orders", partitions: 2))
            try await broker.createTopic(TopicConfiguration(name: "payments"))
            for chunk in 0..<40 {
                _ = try await broker.publish(try (chunk * 10..<chunk * 10 + 10).map { try event($0) }, to: "orders")
            }
            try fileSystem.simulatePowerLoss()
            try? await broker.close()
            fileSystem.heal()
            let manifest = "\(directory)/topics/orders/topic.json"
            let saved = try Data(contentsOf: URL(fileURLWithPath: manifest))
            try FileManager.default.removeItem(atPath: manifest)

            let quarantined = try await LogBroker.open(LogBrokerConfiguration(dataDirectory: directory))
            #expect(quarantined.recoveryReport().quarantinedTopics.map(\.name) == ["orders"], "a missing topic.json is reported, not a hidden topic")
            await #expect(throws: BrokerError.self) { try await quarantined.createTopic(TopicConfiguration(name: "orders", partitions: 2)) }
            try await quarantined.close()

            try saved.write(to: URL(fileURLWithPath: manifest))
            let repaired = try await LogBroker.open(LogBrokerConfiguration(dataDirectory: directory))
            #expect(repaired.recoveryReport().quarantinedTopics.isEmpty)
            #expect(try await count(repaired, topic: "orders", partitions: 2) == 400, "every acknowledged event is back")
            try await repaired.close()
        }
    }

    @Test("a garbage group checkpoint quarantines that group; the topic and its other groups serve")
    func garbageCheckpoint() async throws {
        try await withTemporaryDirectory { directory in
            let broker = try await LogBroker.open(LogBrokerConfiguration(dataDirectory: directory))
            try await broker.createTopic(TopicConfiguration(name: "orders"))
            _ = try await broker.publish(try (0..<10).map { try event($0) }, to: "orders")
            for group in ["billing", "shipping"] {
                let subscription = try await broker.subscribe(to: "orders", group: group)
                let delivery = try #require(try await subscription.next())
                try await delivery.ack()
                await subscription.close()
            }
            try await broker.close()
            try Data("[[[[".utf8).write(to: URL(fileURLWithPath: "\(directory)/groups/orders/billing.json"))

            let reopened = try await LogBroker.open(LogBrokerConfiguration(dataDirectory: directory))
            #expect(reopened.recoveryReport().quarantinedGroups.map(\.name) == ["orders/billing"])
            await #expect(throws: BrokerError.self, "the quarantined group cannot be joined") {
                _ = try await reopened.subscribe(to: "orders", group: "billing")
            }
            let shipping = try await reopened.subscribe(to: "orders", group: "shipping")
            let next = try #require(try await shipping.next())
            #expect(next.offset == 1, "the healthy group resumes after what it acknowledged")
            await shipping.close()
            try await reopened.close()
            #expect(try String(contentsOfFile: "\(directory)/groups/orders/billing.json", encoding: .utf8) == "[[[[", "the damaged file is kept as it is")
        }
    }

    @Test("a metadata file cut at the end of its text (its checksum line gone) is damaged, not taken as whole")
    func checksumLineCut() throws {
        let sealed = ChecksummedText.seal(ByteBuffer(string: #"{"name":"orders"}"#))
        let cut = sealed.getSlice(at: sealed.readerIndex, length: #"{"name":"orders"}"#.utf8.count) ?? ByteBuffer()
        #expect(throws: StorageError.self) { try ChecksummedText.open(cut, path: "/data/groups/orders/billing.json") }
        #expect(String(buffer: try ChecksummedText.open(sealed, path: "/data/topics/orders/topic.json")) == #"{"name":"orders"}"#)
    }

    @Test("acknowledged offsets a checkpoint holds past the partition's end, Int64.max included, do not hide new events")
    func checkpointPastTheEnd() async throws {
        try await withTemporaryDirectory { directory in
            let broker = try await LogBroker.open(LogBrokerConfiguration(dataDirectory: directory))
            try await broker.createTopic(TopicConfiguration(name: "orders"))
            _ = try await broker.publish(try (0..<5).map { try event($0) }, to: "orders")
            let subscription = try await broker.subscribe(to: "orders", group: "billing")
            for _ in 0..<5 { try await #require(try await subscription.next()).ack() }
            await subscription.close()
            try await broker.close()
            // As after a power loss that took events the checkpoint had seen acknowledged.
            let path = "\(directory)/groups/orders/billing.json"
            var object = try json(at: URL(fileURLWithPath: path))
            object["partitions"] = [["floor": 5, "acknowledged": Array(6..<40) + [Int64.max], "attempts": [[Int64.max - 1, 3]]]]
            try sealed(try JSONSerialization.data(withJSONObject: object)).write(to: URL(fileURLWithPath: path))

            let reopened = try await LogBroker.open(LogBrokerConfiguration(dataDirectory: directory))
            #expect(reopened.recoveryReport().quarantinedGroups.isEmpty)
            _ = try await reopened.publish(try (5..<25).map { try event($0) }, to: "orders")
            let resumed = try await reopened.subscribe(to: "orders", group: "billing")
            var offsets: [Int64] = []
            for _ in 0..<20 {
                let delivery = try #require(try await resumed.next())
                offsets.append(delivery.offset.value)
                try await delivery.ack()
            }
            #expect(offsets == Array(5..<25), "every new event is delivered")
            await resumed.close()
            try await reopened.close()
        }
    }

    @Test("a changed digit in a checksummed topic.json or checkpoint is found: the topic or group is quarantined")
    func flippedDigit() async throws {
        try await withTemporaryDirectory { directory in
            try await prepare(directory)
            let path = "\(directory)/topics/orders/topic.json"
            let text = try String(contentsOfFile: path, encoding: .utf8)
            try text.replacingOccurrences(of: "\"partitions\" : 2", with: "\"partitions\" : 3").write(toFile: path, atomically: false, encoding: .utf8)
            #expect(try String(contentsOfFile: path, encoding: .utf8) != text, "the manifest was changed")
            try await expectOrdersQuarantined(directory, because: "a changed digit")
        }
    }
}
