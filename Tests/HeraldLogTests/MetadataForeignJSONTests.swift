import Foundation
import NIOCore
import Testing

@testable import HeraldLog

/// Issue 10, defect 1: a `topic.json` or group checkpoint holding the 513-bracket repro crashed the
/// process when the log opened; reading either must report corruption naming the file instead.
///
/// The tests call the decoders opening a log uses, not `LogBroker.open`, so that they hold whatever the
/// broker then does with a corrupt file.
@Suite("Embedded log: foreign JSON in metadata files")
struct MetadataForeignJSONTests {
    /// `json-513-brackets.json`, read from `../shared/repro/` next to the repository root.
    private static func repro() throws -> ByteBuffer {
        let repositoryRoot = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent()  // HeraldLogTests
            .deletingLastPathComponent()  // Tests
            .deletingLastPathComponent()
        let path = repositoryRoot.appendingPathComponent("../shared/repro/json-513-brackets.json").standardized.path
        let data = try #require(
            FileManager.default.contents(atPath: path),
            "issue 10's repro is missing at \(path); restore /work/shared/repro/json-513-brackets.json"
        )
        return ByteBuffer(bytes: data)
    }

    /// The error `decode` throws, and the fastest of five runs of it.
    private func refusal(_ decode: () throws(StorageError) -> Void) -> (StorageError?, Duration) {
        var error: StorageError?
        var best = Duration.seconds(3600)
        for _ in 0..<5 {
            let start = ContinuousClock.now
            do {
                try decode()
            } catch let thrown {
                error = thrown
            }
            best = min(best, ContinuousClock.now - start)
        }
        return (error, best)
    }

    @Test("a topic.json that is the repro is corruption naming the file, in under 10 ms")
    func topicManifest() throws {
        // Sealed as the log seals what it writes: the JSON itself is what must be refused.
        let bytes = ChecksummedText.seal(try Self.repro())
        let path = "/data/topics/orders/topic.json"
        let (error, elapsed) = refusal { () throws(StorageError) in _ = try TopicManifest.decode(bytes, path: path) }
        #expect(error?.isCorruption == true)
        #expect(error?.path == path)
        #expect(error?.message.contains("deeper than 128 levels") == true, "\(String(describing: error))")
        #expect(elapsed < .milliseconds(10), "took \(elapsed)")
    }

    @Test("a group checkpoint that is the repro is corruption naming the file, in under 10 ms")
    func groupCheckpoint() throws {
        // Sealed as the log seals what it writes: the JSON itself is what must be refused.
        let bytes = ChecksummedText.seal(try Self.repro())
        let path = "/data/groups/orders/billing.json"
        let (error, elapsed) = refusal { () throws(StorageError) in
            _ = try GroupCheckpointFile.decode(bytes, path: path)
        }
        #expect(error?.isCorruption == true)
        #expect(error?.path == path)
        #expect(error?.message.contains("deeper than 128 levels") == true, "\(String(describing: error))")
        #expect(elapsed < .milliseconds(10), "took \(elapsed)")
    }
}
