import Foundation
import Herald
import Logging
import NIOCore
import Testing

@testable import HeraldLog

@Suite("Partition store")
struct PartitionStoreTests {
    private static let logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })

    private func open(_ directory: String, segmentBytes: Int64 = 64 * 1024 * 1024) throws -> PartitionStore {
        var options = PartitionStore.Options()
        options.segmentBytes = segmentBytes
        return try PartitionStore.open(directory: directory, partition: 0, fileSystem: POSIXFileSystem(), options: options, logger: Self.logger)
    }

    private func records(_ range: Range<Int>, size: Int = 100) -> [(key: String?, value: ByteBuffer)] {
        range.map { index in
            var value = ByteBuffer()
            value.writeString("event-\(index)-")
            value.writeRepeatingByte(UInt8(ascii: "x"), count: size)
            return ("key-\(index % 7)", value)
        }
    }

    private func readAll(_ store: PartitionStore, from start: Offset = 0) throws -> [LogRecord] {
        var result: [LogRecord] = []
        var next = start
        while next < store.endOffset {
            let batch = try store.read(from: next, maximumBytes: 4_096)
            guard let last = batch.last else { break }
            result += batch
            next = last.offset.next
        }
        return result
    }

    @Test("a batch larger than a read's byte budget or a recovery chunk reads back whole and survives a reopen", arguments: [1_000, 4_000])
    func largeBatch(_ count: Int) throws {
        try withTemporaryDirectory { directory in
            let store = try open(directory)
            _ = try store.append([(timestamp: 1, records: records(0..<count, size: 300))])
            let read = try store.read(from: 0, maximumBytes: 256 * 1024)
            #expect(read.count == count)
            #expect(read.last?.offset == Offset(Int64(count - 1)))
            try store.close()
            // Recovery scans in 1 MiB chunks: a larger batch (4,000 records here) is whole, not a torn
            // tail to cut.
            let reopened = try open(directory)
            #expect(reopened.recoveredTruncation == nil)
            #expect(reopened.endOffset == Offset(Int64(count)))
            #expect(try readAll(reopened).count == count)
        }
    }

    @Test("appends get dense offsets and read back in order, across segments and a reopen")
    func appendAndRead() throws {
        try withTemporaryDirectory { directory in
            let store = try open(directory, segmentBytes: 8 * 1024)
            var bases: [Offset] = []
            for chunk in 0..<50 {
                bases += try store.append([(timestamp: 1_000 + Int64(chunk), records: records(chunk * 10..<chunk * 10 + 10))])
            }
            try store.sync()
            #expect(bases.map(\.value) == stride(from: 0, to: 500, by: 10).map(Int64.init))
            #expect(store.segments.count > 3, "small segments roll")
            let all = try readAll(store)
            #expect(all.map(\.offset.value) == Array(0..<500))
            let middle = try store.read(from: 255, maximumBytes: 1)
            #expect(middle.first?.offset == 255)
            try store.close()

            let reopened = try open(directory, segmentBytes: 8 * 1024)
            #expect(reopened.recoveredTruncation == nil)
            #expect(reopened.endOffset == 500)
            #expect(try readAll(reopened).map(\.value) == all.map(\.value))
        }
    }

    @Test("a torn tail is cut at the last whole batch on reopen and appends continue from there")
    func tornTail() throws {
        try withTemporaryDirectory { directory in
            let store = try open(directory)
            _ = try store.append([(timestamp: 1, records: records(0..<5)), (timestamp: 2, records: records(5..<10))])
            let wholeSize = store.segments[0].size
            _ = try store.append([(timestamp: 3, records: records(10..<15))])
            try store.sync()
            let path = store.segments[0].logPath
            try store.close()
            // Tear the last batch: keep only part of it.
            let handle = try FileHandle(forUpdating: URL(fileURLWithPath: path))
            try handle.truncate(atOffset: UInt64(wholeSize + 20))
            try handle.close()

            let reopened = try open(directory)
            let truncation = try #require(reopened.recoveredTruncation)
            #expect(truncation.bytes == 20)
            #expect(truncation.fromOffset == 10)
            #expect(reopened.endOffset == 10)
            #expect(try readAll(reopened).map(\.offset.value) == Array(0..<10))
            let next = try reopened.append([(timestamp: 4, records: records(100..<101))])
            #expect(next == [10])
        }
    }

    @Test("garbage after the last batch is cut; an empty file is fine")
    func garbageTail() throws {
        try withTemporaryDirectory { directory in
            let store = try open(directory)
            _ = try store.append([(timestamp: 1, records: records(0..<3))])
            try store.sync()
            let path = store.segments[0].logPath
            try store.close()
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
            try handle.seekToEnd()
            try handle.write(contentsOf: Data(repeating: 0xAB, count: 100))
            try handle.close()
            let reopened = try open(directory)
            #expect(reopened.recoveredTruncation?.bytes == 100)
            #expect(reopened.endOffset == 3)
        }
    }

    @Test("corruption inside a sealed segment is reported and reads of it fail, the rest stays readable")
    func middleCorruption() throws {
        try withTemporaryDirectory { directory in
            let store = try open(directory, segmentBytes: 4 * 1024)
            for chunk in 0..<30 {
                _ = try store.append([(timestamp: Int64(chunk), records: records(chunk * 5..<chunk * 5 + 5))])
            }
            try store.sync()
            let damaged = store.segments[1]
            let damagedRange = damaged.baseOffset..<damaged.nextOffset
            let path = damaged.logPath
            try store.close()
            // Remove the saved indexes so that the segment is scanned, and flip a byte in its middle.
            try? FileManager.default.removeItem(atPath: SegmentName.index(directory, damagedRange.lowerBound))
            let handle = try FileHandle(forUpdating: URL(fileURLWithPath: path))
            try handle.seek(toOffset: 700)
            let byte = try handle.read(upToCount: 1) ?? Data([0])
            try handle.seek(toOffset: 700)
            try handle.write(contentsOf: Data([byte[0] ^ 0xFF]))
            try handle.close()

            let reopened = try open(directory, segmentBytes: 4 * 1024)
            #expect(reopened.corruptions.count == 1)
            #expect(reopened.endOffset == 150, "the tail is intact")
            #expect(try reopened.read(from: 0).first?.offset == 0, "before the damage is readable")
            #expect(throws: StorageError.self) {
                var next = damagedRange.lowerBound
                while next < damagedRange.upperBound {
                    guard let last = try reopened.read(from: next, maximumBytes: 1).last else { break }
                    next = last.offset.next
                }
            }
            #expect(try reopened.read(from: damagedRange.upperBound).first?.offset == damagedRange.upperBound, "after the damage is readable")
        }
    }

    @Test("missing or inconsistent indexes are rebuilt")
    func indexRebuild() throws {
        try withTemporaryDirectory { directory in
            let store = try open(directory, segmentBytes: 4 * 1024)
            for chunk in 0..<20 {
                _ = try store.append([(timestamp: Int64(chunk) * 10, records: records(chunk * 5..<chunk * 5 + 5))])
            }
            try store.close()
            let first = Offset(0)
            try Data([1, 2, 3]).write(to: URL(fileURLWithPath: SegmentName.index(directory, first)))
            let reopened = try open(directory, segmentBytes: 4 * 1024)
            #expect(reopened.corruptions.isEmpty)
            #expect(try readAll(reopened).map(\.offset.value) == Array(0..<100))
            #expect(reopened.firstOffset(atOrAfter: 55) == 30, "time index: batch with timestamp 60 starts at offset 30")
        }
    }

    @Test("retention deletes whole old segments only")
    func retention() throws {
        try withTemporaryDirectory { directory in
            let store = try open(directory, segmentBytes: 2 * 1024)
            for chunk in 0..<20 {
                _ = try store.append([(timestamp: Int64(chunk), records: records(chunk * 5..<chunk * 5 + 5))])
            }
            let segmentsBefore = store.segments.count
            let start = try store.deleteOldSegments { segment, _ in segment.nextOffset <= 40 }
            #expect(store.segments.count < segmentsBefore)
            #expect(start <= 40)
            #expect(try store.read(from: 0).first?.offset == start, "reads before the start begin at the start")
            #expect(store.endOffset == 100)
        }
    }
}
