import Foundation
import Herald
import HeraldLog
import Testing

/// Issue 10, defect 1: a `topic.json` or group checkpoint holding the 513-bracket repro crashed the
/// process at open; it must be reported as corruption instead.
@Suite("Embedded log: foreign JSON read at open")
struct LogBrokerForeignJSONTests {
    /// `json-513-brackets.json`, read from `../shared/repro/` next to the repository root.
    private static func repro() throws -> Data {
        let repositoryRoot = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent()  // HeraldLogTests
            .deletingLastPathComponent()  // Tests
            .deletingLastPathComponent()
        let path = repositoryRoot.appendingPathComponent("../shared/repro/json-513-brackets.json").standardized.path
        return try #require(
            FileManager.default.contents(atPath: path),
            "issue 10's repro is missing at \(path); restore /work/shared/repro/json-513-brackets.json"
        )
    }

    /// Opens `directory` and returns the storage error the open throws.
    private func openError(_ directory: String) async -> StorageError? {
        do {
            let broker = try await LogBroker.open(LogBrokerConfiguration(dataDirectory: directory))
            try? await broker.close()
            Issue.record("the broker opened")
            return nil
        } catch let error as StorageError {
            return error
        } catch {
            Issue.record("unexpected \(error)")
            return nil
        }
    }

    /// A data directory with topic `orders`, closed again.
    private func makeTopic(in directory: String) async throws {
        let broker = try await LogBroker.open(LogBrokerConfiguration(dataDirectory: directory))
        try await broker.createTopic(TopicConfiguration(name: "orders"))
        try await broker.close()
    }

    @Test("a topic.json that is the repro is corruption naming the file, not a crash")
    func topicManifest() async throws {
        try await withTemporaryDirectory { directory in
            try await makeTopic(in: directory)
            let path = "\(directory)/topics/orders/topic.json"
            #expect(FileManager.default.fileExists(atPath: path))
            try Self.repro().write(to: URL(fileURLWithPath: path))

            let error = await openError(directory)
            #expect(error?.isCorruption == true)
            #expect(error?.path == path)
            #expect(error?.message.contains("deeper than 128 levels") == true)
        }
    }

    @Test("a group checkpoint that is the repro is corruption naming the file, not a crash")
    func groupCheckpoint() async throws {
        try await withTemporaryDirectory { directory in
            try await makeTopic(in: directory)
            let path = "\(directory)/groups/orders/billing.json"
            try FileManager.default.createDirectory(
                atPath: "\(directory)/groups/orders",
                withIntermediateDirectories: true
            )
            try Self.repro().write(to: URL(fileURLWithPath: path))

            let error = await openError(directory)
            #expect(error?.isCorruption == true)
            #expect(error?.path == path)
            #expect(error?.message.contains("deeper than 128 levels") == true)
        }
    }
}
