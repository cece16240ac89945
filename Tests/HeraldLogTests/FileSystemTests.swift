import Foundation
import HeraldLog
import HeraldTesting
import NIOCore
import Testing

@Suite struct FileSystemTests {
    let fileSystem = POSIXFileSystem()

    @Test func writesAndReadsBackAtOffsets() throws {
        try withTemporaryDirectory { directory in
            let file = try fileSystem.open(directory + "/segment", creating: true)
            defer { try? file.close() }
            try file.write(ByteBuffer(string: "hello"), at: 0)
            try file.write(ByteBuffer(string: "world"), at: 100)
            try file.write(ByteBuffer(string: "J"), at: 0)

            #expect(String(buffer: try file.read(count: 5, at: 0)) == "Jello")
            #expect(String(buffer: try file.read(count: 5, at: 100)) == "world")
            #expect(try file.read(count: 3, at: 50).readableBytesView.elementsEqual([0, 0, 0]))
            #expect(try file.size() == 105)
        }
    }

    @Test func writesOnlyTheReadableBytesAndLeavesTheBufferAlone() throws {
        try withTemporaryDirectory { directory in
            let file = try fileSystem.open(directory + "/segment", creating: true)
            defer { try? file.close() }
            var buffer = ByteBuffer(string: "skip-keep")
            buffer.moveReaderIndex(forwardBy: 5)
            try file.write(buffer, at: 0)
            #expect(buffer.readerIndex == 5)
            #expect(try file.size() == 4)
            #expect(String(buffer: try file.read(count: 10, at: 0)) == "keep")
        }
    }

    @Test func writesAndReadsALargeBuffer() throws {
        try withTemporaryDirectory { directory in
            let file = try fileSystem.open(directory + "/segment", creating: true)
            defer { try? file.close() }
            var generator = SeededRandomGenerator(seed: 3)
            let bytes = (0..<(3 << 20)).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
            try file.write(ByteBuffer(bytes: bytes), at: 7)
            let back = try file.read(count: bytes.count, at: 7)
            #expect(back.readableBytes == bytes.count)
            #expect(CRC32C.checksum(back) == CRC32C.checksum(bytes))
        }
    }

    @Test func readingPastTheEndReturnsWhatThereIs() throws {
        try withTemporaryDirectory { directory in
            let file = try fileSystem.open(directory + "/segment", creating: true)
            defer { try? file.close() }
            try file.write(ByteBuffer(string: "0123456789"), at: 0)
            #expect(String(buffer: try file.read(count: 100, at: 6)) == "6789")
            #expect(try file.read(count: 100, at: 10).readableBytes == 0)
            #expect(try file.read(count: 100, at: 1_000).readableBytes == 0)
            #expect(try file.read(count: 0, at: 0).readableBytes == 0)
        }
    }

    @Test func truncatesAndExtends() throws {
        try withTemporaryDirectory { directory in
            let file = try fileSystem.open(directory + "/segment", creating: true)
            defer { try? file.close() }
            try file.write(ByteBuffer(string: "0123456789"), at: 0)
            try file.truncate(to: 4)
            #expect(try file.size() == 4)
            #expect(String(buffer: try file.read(count: 10, at: 0)) == "0123")
            try file.truncate(to: 6)
            #expect(try file.read(count: 10, at: 0).readableBytesView.elementsEqual(Array("0123".utf8) + [0, 0]))
        }
    }

    @Test func syncsFilesAndDirectories() throws {
        try withTemporaryDirectory { directory in
            let file = try fileSystem.open(directory + "/segment", creating: true)
            defer { try? file.close() }
            try file.write(ByteBuffer(string: "durable"), at: 0)
            try file.sync()
            try fileSystem.syncDirectory(directory)
            let error = #expect(throws: StorageError.self) { try fileSystem.syncDirectory(directory + "/missing") }
            #expect(error?.isNotFound == true)
        }
    }

    @Test func reopensWhatWasWritten() throws {
        try withTemporaryDirectory { directory in
            let path = directory + "/segment"
            let file = try fileSystem.open(path, creating: true)
            try file.write(ByteBuffer(string: "kept"), at: 0)
            try file.close()
            let again = try fileSystem.open(path, creating: false)
            defer { try? again.close() }
            #expect(again.path == path)
            #expect(String(buffer: try again.read(count: 4, at: 0)) == "kept")
        }
    }

    @Test func openingAMissingFileWithoutCreatingThrowsNotFound() throws {
        try withTemporaryDirectory { directory in
            let path = directory + "/absent"
            let error = #expect(throws: StorageError.self) { try fileSystem.open(path, creating: false) }
            #expect(error?.isNotFound == true)
            #expect(error?.path == path)
            #expect(error?.message.contains(path) == true)
            #expect(!fileSystem.fileExists(path))
        }
    }

    @Test func everyCallAfterCloseThrowsClosed() throws {
        try withTemporaryDirectory { directory in
            let file = try fileSystem.open(directory + "/segment", creating: true)
            try file.write(ByteBuffer(string: "x"), at: 0)
            try file.close()
            let calls: [() throws -> Void] = [
                { _ = try file.size() },
                { try file.write(ByteBuffer(string: "y"), at: 1) },
                { _ = try file.read(count: 1, at: 0) },
                { try file.sync() },
                { try file.truncate(to: 0) },
                { try file.close() },
            ]
            for call in calls {
                let error = #expect(throws: StorageError.self) { try call() }
                #expect(error?.isClosed == true)
                #expect(error?.message.contains(file.path) == true)
            }
        }
    }

    @Test func closingWhileReadsRunNeverTouchesAnotherFile() async throws {
        try await withTemporaryDirectory { directory in
            for round in 0..<20 {
                let file = try fileSystem.open(directory + "/segment-\(round)", creating: true)
                try file.write(ByteBuffer(string: "abcdefgh"), at: 0)
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for _ in 0..<4 {
                        group.addTask {
                            for _ in 0..<200 {
                                do throws(StorageError) {
                                    let bytes = try file.read(count: 8, at: 0)
                                    #expect(String(buffer: bytes) == "abcdefgh")
                                } catch {
                                    #expect(error.isClosed)
                                    return
                                }
                            }
                        }
                    }
                    group.addTask {
                        try file.close()
                        // Reuse descriptor numbers: a read on a stale one would see this file.
                        let other = try fileSystem.open(directory + "/other-\(round)", creating: true)
                        try other.write(ByteBuffer(string: "WRONG!!!"), at: 0)
                        try other.close()
                    }
                    try await group.waitForAll()
                }
            }
        }
    }

    @Test func writeAtomicallyReplacesTheContentAndLeavesNoTemporaryFile() throws {
        try withTemporaryDirectory { directory in
            let path = directory + "/checkpoint"
            try fileSystem.writeAtomically(ByteBuffer(string: "first, longer content"), to: path)
            try fileSystem.writeAtomically(ByteBuffer(string: "second"), to: path)
            let file = try fileSystem.open(path, creating: false)
            defer { try? file.close() }
            #expect(String(buffer: try file.read(count: 100, at: 0)) == "second")
            #expect(try fileSystem.contentsOfDirectory(directory) == ["checkpoint"])
        }
    }

    @Test func writeAtomicallyOverwritesAStaleTemporaryFile() throws {
        try withTemporaryDirectory { directory in
            let path = directory + "/checkpoint"
            let stale = try fileSystem.open(path + ".tmp", creating: true)
            try stale.write(ByteBuffer(string: "left over by a crash, longer"), at: 0)
            try stale.close()
            try fileSystem.writeAtomically(ByteBuffer(string: "new"), to: path)
            let file = try fileSystem.open(path, creating: false)
            defer { try? file.close() }
            #expect(String(buffer: try file.read(count: 100, at: 0)) == "new")
            #expect(!fileSystem.fileExists(path + ".tmp"))
        }
    }

    @Test func listsADirectorySorted() throws {
        try withTemporaryDirectory { directory in
            for name in ["00000000000000000200.log", "00000000000000000000.log", "b", "a", "00000000000000000100.index"] {
                try fileSystem.open(directory + "/" + name, creating: true).close()
            }
            try fileSystem.createDirectory(directory + "/c")
            #expect(
                try fileSystem.contentsOfDirectory(directory) == [
                    "00000000000000000000.log", "00000000000000000100.index", "00000000000000000200.log", "a", "b", "c",
                ])
            #expect(try fileSystem.contentsOfDirectory(directory + "/c") == [])
            let error = #expect(throws: StorageError.self) { try fileSystem.contentsOfDirectory(directory + "/nope") }
            #expect(error?.isNotFound == true)
        }
    }

    @Test func createsDirectoriesWithTheirParents() throws {
        try withTemporaryDirectory { directory in
            let deep = directory + "/topic/partition-0/segments"
            try fileSystem.createDirectory(deep)
            try fileSystem.createDirectory(deep)  // already there: no error
            #expect(fileSystem.fileExists(deep))
            try fileSystem.open(deep + "/file", creating: true).close()
            let error = #expect(throws: StorageError.self) { try fileSystem.createDirectory(deep + "/file/below") }
            #expect(error?.isIO == true)
            #expect(error?.path == deep + "/file")
        }
    }

    @Test func removesFilesAndDirectoriesRecursively() throws {
        try withTemporaryDirectory { directory in
            let root = directory + "/topic"
            try fileSystem.createDirectory(root + "/a/b")
            try fileSystem.open(root + "/a/b/one", creating: true).close()
            try fileSystem.open(root + "/a/two", creating: true).close()
            try fileSystem.open(root + "/three", creating: true).close()
            try fileSystem.removeItem(root + "/three")
            #expect(!fileSystem.fileExists(root + "/three"))
            try fileSystem.removeItem(root)
            #expect(!fileSystem.fileExists(root))
            #expect(try fileSystem.contentsOfDirectory(directory) == [])
            let error = #expect(throws: StorageError.self) { try fileSystem.removeItem(root) }
            #expect(error?.isNotFound == true)
        }
    }

    @Test func renamesOverAnExistingFile() throws {
        try withTemporaryDirectory { directory in
            try fileSystem.writeAtomically(ByteBuffer(string: "old"), to: directory + "/target")
            try fileSystem.writeAtomically(ByteBuffer(string: "new"), to: directory + "/source")
            try fileSystem.rename(directory + "/source", to: directory + "/target")
            #expect(try fileSystem.contentsOfDirectory(directory) == ["target"])
            let file = try fileSystem.open(directory + "/target", creating: false)
            defer { try? file.close() }
            #expect(String(buffer: try file.read(count: 10, at: 0)) == "new")
            let error = #expect(throws: StorageError.self) {
                try fileSystem.rename(directory + "/source", to: directory + "/elsewhere")
            }
            #expect(error?.isNotFound == true)
        }
    }
}
