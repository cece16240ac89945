import Foundation
import Herald
import HeraldLog
import HeraldTesting
import NIOCore
import Testing

@Suite("Embedded log: faults")
struct LogBrokerFaultTests {
    private func event(_ index: Int) throws -> Event {
        try Event(id: "evt-\(index)", source: "/faults", type: "fault.test.v1", subject: "k\(index % 3)", data: ByteBuffer(string: "payload-\(index)"))
    }

    @Test("a failing write or sync fails the publish with a typed error; nothing unwritten is acknowledged; it works again after")
    func writeFailures() async throws {
        try await withTemporaryDirectory { directory in
            let fileSystem = FaultInjectingFileSystem()
            let broker = try await LogBroker.open(LogBrokerConfiguration(dataDirectory: directory, fileSystem: fileSystem))
            try await broker.createTopic(TopicConfiguration(name: "orders"))
            var acknowledged = try await broker.publish(try (0..<5).map(event), to: "orders").map(\.offset)

            fileSystem.failWrites(after: 40, error: .noSpace)
            let full = await #expect(throws: BrokerError.self) { _ = try await broker.publish(try event(5), to: "orders") }
            #expect(full?.code == .storage)
            #expect((full?.underlying as? StorageError)?.isNoSpace == true, "the storage error is kept as the cause")
            #expect(full?.isRetryable == true, "a full disk may be freed")
            fileSystem.heal()
            fileSystem.failNextSyncs(1)
            do {
                _ = try await broker.publish(try event(6), to: "orders")
                Issue.record("a publish whose sync failed was acknowledged")
            } catch let error as BrokerError {
                #expect(error.code == .storage && error.underlying is StorageError, "\(error)")
            }
            fileSystem.heal()
            acknowledged.append(try await broker.publish(try event(7), to: "orders").offset)
            #expect(acknowledged.map(\.value) == [0, 1, 2, 3, 4, 5], "offsets stay dense: failed publishes left nothing")
            try await broker.close()

            let reopened = try await LogBroker.open(LogBrokerConfiguration(dataDirectory: directory))
            let stored = try await reopened.read(topic: "orders", partition: 0, from: 0, limit: 100)
            #expect(stored.map(\.event.id) == ["evt-0", "evt-1", "evt-2", "evt-3", "evt-4", "evt-7"])
            // The failed events were never acknowledged, so publishing them again is right and stores them once.
            _ = try await reopened.publish(try event(5), to: "orders")
            let again = try await reopened.publish(try event(5), to: "orders")
            #expect(again.isDuplicate)
            try await reopened.close()
        }
    }

    @Test("random damage to the last and a middle segment: open succeeds, a torn tail is cut, damage elsewhere is reported", arguments: 0..<8)
    func randomCorruption(_ seed: Int) async throws {
        var generator = SeededRandomGenerator(seed: UInt64(seed) &+ 17)
        try await withTemporaryDirectory { directory in
            let configuration = LogBrokerConfiguration(dataDirectory: directory, segmentBytes: 2 * 1024)
            let broker = try await LogBroker.open(configuration)
            try await broker.createTopic(TopicConfiguration(name: "orders"))
            for chunk in 0..<20 {
                _ = try await broker.publish(try (chunk * 10..<chunk * 10 + 10).map(event), to: "orders")
            }
            try await broker.close()
            let partition = "\(directory)/topics/orders/0"
            let segments = try FileManager.default.contentsOfDirectory(atPath: partition).filter { $0.hasSuffix(".log") }.sorted()
            try #require(segments.count >= 3)
            let last = "\(partition)/\(segments[segments.count - 1])"
            let middle = "\(partition)/\(segments[segments.count / 2])"
            // The newest segment: cut at a random place or flip a random byte.
            let truncateTail = Bool.random(using: &generator)
            try damage(last, truncate: truncateTail, using: &generator)
            // A middle segment: flip a random byte, and drop its saved index so open scans it.
            try damage(middle, truncate: false, using: &generator)
            try? FileManager.default.removeItem(atPath: middle.replacingOccurrences(of: ".log", with: ".index"))

            let reopened = try await LogBroker.open(configuration)
            let report = reopened.recoveryReport()
            if !truncateTail {
                // A flipped byte in the last batch is a torn tail, cut; anywhere before, valid batches follow
                // it: damage in the middle, kept apart and reported.
                let lastDamage = report.corruptions.filter { $0.path == last }
                #expect(report.truncations.count + lastDamage.count == 1, "a flipped byte in the newest segment is found")
                #expect(lastDamage.allSatisfy { $0.offset < $0.endOffset })
            }
            #expect(report.corruptions.filter { $0.path == middle }.count == 1, "the middle segment's damage is reported at open")
            // Reading everything either succeeds or fails with a typed corruption error; nothing crashes.
            var next = Offset(0)
            var sawCorruption = false
            while true {
                do {
                    let batch = try await reopened.read(topic: "orders", partition: 0, from: next, limit: 50)
                    guard let lastEvent = batch.last else { break }
                    next = lastEvent.offset.next
                } catch let error as StorageError {
                    #expect(error.isCorruption, "\(error)")
                    sawCorruption = true
                    break
                }
            }
            #expect(sawCorruption, "the flipped byte in a middle segment is found when it is read")
            // The broker still takes publishes.
            _ = try await reopened.publish(try event(999), to: "orders")
            try await reopened.close()
        }
    }

    private func damage(_ path: String, truncate: Bool, using generator: inout SeededRandomGenerator) throws {
        let size = try #require(FileManager.default.attributesOfItem(atPath: path)[.size] as? Int)
        let handle = try FileHandle(forUpdating: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        let position = UInt64(Int.random(in: 0..<max(size, 1), using: &generator))
        if truncate {
            try handle.truncate(atOffset: position)
        } else {
            try handle.seek(toOffset: position)
            let byte = try handle.read(upToCount: 1)?.first ?? 0
            try handle.seek(toOffset: position)
            try handle.write(contentsOf: Data([byte ^ 0x5A]))
        }
    }
}
