import Herald
import Logging
import NIOCore
import NIOPosix
import Testing

@testable import HeraldLog

@Suite("Partition writer")
struct PartitionWriterTests {
    private static let logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })

    private func withWriter(
        policy: DurabilityPolicy = .fsyncBeforeAcknowledge,
        fileSystem: any LogFileSystem = POSIXFileSystem(),
        _ body: (PartitionWriter, String) async throws -> Void
    ) async throws {
        try await withTemporaryDirectory { directory in
            let pool = NIOThreadPool(numberOfThreads: 2)
            pool.start()
            let store = try PartitionStore.open(directory: directory, partition: 0, fileSystem: fileSystem, logger: Self.logger)
            let writer = PartitionWriter(partition: LockedPartition(store), policy: policy, threadPool: pool)
            do {
                try await body(writer, directory)
            } catch {
                try? await pool.shutdownGracefully()
                throw error
            }
            try await pool.shutdownGracefully()
        }
    }

    private func record(_ index: Int) -> (key: String?, value: ByteBuffer) {
        ("key-\(index % 4)", ByteBuffer(string: "value-\(index)"))
    }

    @Test("concurrent appends get distinct, dense offsets and share syncs (group commit)")
    func groupCommit() async throws {
        let fileSystem = FaultInjectingFileSystem()
        try await withWriter(fileSystem: fileSystem) { writer, directory in
            let syncsBefore = fileSystem.syncs
            let offsets = try await withThrowingTaskGroup(of: Offset.self) { group in
                for index in 0..<400 {
                    group.addTask { try await writer.append([record(index)], timestamp: 1) }
                }
                return try await group.reduce(into: [Offset]()) { $0.append($1) }
            }
            #expect(offsets.map(\.value).sorted() == Array(0..<400))
            let syncs = fileSystem.syncs - syncsBefore
            #expect(syncs >= 1 && syncs <= 400, "every append is covered by a sync")
            #expect(writer.partition.withLock { $0.endOffset } == 400)
            // Everything acknowledged is in the file: reopen and read it back.
            let reopened = try PartitionStore.open(directory: directory, partition: 0, fileSystem: POSIXFileSystem(), logger: Self.logger)
            #expect(reopened.endOffset == 400)
            #expect(reopened.recoveredTruncation == nil)
        }
    }

    @Test("a failed write fails the append with a typed error, acknowledges nothing, and appends work once writes do")
    func writeFailure() async throws {
        let fileSystem = FaultInjectingFileSystem()
        try await withWriter(fileSystem: fileSystem) { writer, directory in
            _ = try await writer.append([record(0), record(1)], timestamp: 1)
            fileSystem.failWrites(after: 10, error: .noSpace)
            await #expect(throws: StorageError.self) {
                _ = try await writer.append([record(2)], timestamp: 2)
            }
            #expect(writer.partition.withLock { $0.endOffset } == 2, "nothing of the failed append is visible")
            fileSystem.heal()
            let next = try await writer.append([record(3)], timestamp: 3)
            #expect(next == 2, "the torn bytes were cut; offsets continue densely")
            let reopened = try PartitionStore.open(directory: directory, partition: 0, fileSystem: POSIXFileSystem(), logger: Self.logger)
            #expect(reopened.recoveredTruncation == nil, "no torn bytes were left behind")
            let values = try reopened.read(from: 0).map { String(buffer: $0.value) }
            #expect(values == ["value-0", "value-1", "value-3"])
        }
    }

    @Test("a failed sync fails the append: nothing is acknowledged that might not be on disk")
    func syncFailure() async throws {
        let fileSystem = FaultInjectingFileSystem()
        try await withWriter(fileSystem: fileSystem) { writer, _ in
            fileSystem.failNextSyncs(1)
            await #expect(throws: StorageError.self) {
                _ = try await writer.append([record(0)], timestamp: 1)
            }
            #expect(writer.partition.withLock { $0.endOffset } == 0)
            let next = try await writer.append([record(1)], timestamp: 2)
            #expect(next == 0)
        }
    }

    @Test("without fsync-before-ack the writer does not sync per append")
    func operatingSystemPolicy() async throws {
        let fileSystem = FaultInjectingFileSystem()
        try await withWriter(policy: .operatingSystem, fileSystem: fileSystem) { writer, _ in
            let syncsBefore = fileSystem.syncs
            for index in 0..<20 { _ = try await writer.append([record(index)], timestamp: 1) }
            #expect(fileSystem.syncs == syncsBefore)
        }
    }
}
