import HeraldLog
import NIOCore
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

@Suite struct FaultInjectingFileSystemTests {
    @Test func aByteBudgetTearsTheStraddlingWriteAndThrowsNoSpace() throws {
        try withTemporaryDirectory { directory in
            let faults = FaultInjectingFileSystem()
            let path = directory + "/segment"
            let file = try faults.open(path, creating: true)
            defer { try? file.close() }
            faults.failWrites(after: 10)

            try file.write(ByteBuffer(string: "012345"), at: 0)
            let error = #expect(throws: StorageError.self) { try file.write(ByteBuffer(string: "6789abcd"), at: 6) }
            #expect(error?.isNoSpace == true)
            #expect(error?.isRetryable == true)
            #expect(error?.path == path)
            // Exactly the budget reached the disk: the second write was torn after 4 bytes.
            let onDisk = try POSIXFileSystem().open(path, creating: false)
            defer { try? onDisk.close() }
            #expect(String(buffer: try onDisk.read(count: 100, at: 0)) == "0123456789")
            #expect(faults.bytesWritten == 10)

            // The budget is spent: later writes store nothing.
            #expect(throws: StorageError.self) { try file.write(ByteBuffer(string: "z"), at: 10) }
            #expect(try file.size() == 10)
        }
    }

    @Test func aBudgetCanFailWithAnIOError() throws {
        try withTemporaryDirectory { directory in
            let faults = FaultInjectingFileSystem()
            let file = try faults.open(directory + "/segment", creating: true)
            defer { try? file.close() }
            faults.failWrites(after: 0, error: .io)
            let error = #expect(throws: StorageError.self) { try file.write(ByteBuffer(string: "x"), at: 0) }
            #expect(error?.isIO == true)
            #expect(error?.errno == EIO)
            #expect(error?.isRetryable == false)
            #expect(try file.size() == 0)
        }
    }

    @Test func failsTheNextWritesWithoutStoringAnything() throws {
        try withTemporaryDirectory { directory in
            let faults = FaultInjectingFileSystem()
            let file = try faults.open(directory + "/segment", creating: true)
            defer { try? file.close() }
            faults.failNextWrites(2)
            for _ in 0..<2 {
                let error = #expect(throws: StorageError.self) { try file.write(ByteBuffer(string: "lost"), at: 0) }
                #expect(error?.isIO == true)
            }
            #expect(try file.size() == 0)
            try file.write(ByteBuffer(string: "kept"), at: 0)
            #expect(String(buffer: try file.read(count: 10, at: 0)) == "kept")
        }
    }

    @Test func failsTheNextSyncsOfFilesAndDirectories() throws {
        try withTemporaryDirectory { directory in
            let faults = FaultInjectingFileSystem()
            let file = try faults.open(directory + "/segment", creating: true)
            defer { try? file.close() }
            faults.failNextSyncs(2)
            #expect(throws: StorageError.self) { try file.sync() }
            #expect(throws: StorageError.self) { try faults.syncDirectory(directory) }
            try file.sync()
            try faults.syncDirectory(directory)
            #expect(faults.syncs == 4)
        }
    }

    @Test func aFailedSyncDuringWriteAtomicallyKeepsTheOldContent() throws {
        try withTemporaryDirectory { directory in
            let faults = FaultInjectingFileSystem()
            let path = directory + "/checkpoint"
            try faults.writeAtomically(ByteBuffer(string: "old"), to: path)
            faults.failNextSyncs(1)
            #expect(throws: StorageError.self) { try faults.writeAtomically(ByteBuffer(string: "new"), to: path) }
            #expect(try faults.contentsOfDirectory(directory) == ["checkpoint"])
            let file = try faults.open(path, creating: false)
            defer { try? file.close() }
            #expect(String(buffer: try file.read(count: 10, at: 0)) == "old")
        }
    }

    @Test func healClearsEveryFault() throws {
        try withTemporaryDirectory { directory in
            let faults = FaultInjectingFileSystem()
            let file = try faults.open(directory + "/segment", creating: true)
            defer { try? file.close() }
            faults.failWrites(after: 0)
            faults.failNextWrites(5)
            faults.failNextSyncs(5)
            #expect(throws: StorageError.self) { try file.write(ByteBuffer(string: "x"), at: 0) }
            faults.heal()
            try file.write(ByteBuffer(string: "healed"), at: 0)
            try file.sync()
            #expect(String(buffer: try file.read(count: 10, at: 0)) == "healed")
        }
    }

    @Test func countsWritesSyncsAndBytes() throws {
        try withTemporaryDirectory { directory in
            let faults = FaultInjectingFileSystem()
            let first = try faults.open(directory + "/one", creating: true)
            let second = try faults.open(directory + "/two", creating: true)
            defer {
                try? first.close()
                try? second.close()
            }
            try first.write(ByteBuffer(string: "abc"), at: 0)
            try second.write(ByteBuffer(string: "defg"), at: 0)
            try first.sync()
            faults.failNextWrites(1)
            _ = try? second.write(ByteBuffer(string: "never"), at: 4)
            #expect(faults.writes == 3)
            #expect(faults.bytesWritten == 7)
            #expect(faults.syncs == 1)
            faults.heal()
            #expect(faults.writes == 3)  // heal keeps the counters
        }
    }

    @Test func passesEverythingElseThrough() throws {
        try withTemporaryDirectory { directory in
            let faults = FaultInjectingFileSystem(wrapping: POSIXFileSystem())
            try faults.createDirectory(directory + "/a/b")
            #expect(faults.fileExists(directory + "/a/b"))
            try faults.open(directory + "/a/b/file", creating: true).close()
            try faults.rename(directory + "/a/b/file", to: directory + "/a/moved")
            #expect(try faults.contentsOfDirectory(directory + "/a") == ["b", "moved"])
            try faults.removeItem(directory + "/a")
            #expect(!faults.fileExists(directory + "/a"))
            let error = #expect(throws: StorageError.self) { try faults.open(directory + "/a", creating: false) }
            #expect(error?.isNotFound == true)
        }
    }
}
