import Foundation
import Herald
import HeraldTesting
import Logging
import NIOCore
import Testing

@testable import HeraldLog

/// Damage in the middle of a partition: kept apart from a torn tail, reported with its offsets, served
/// around (issue 10, defects 4–6).
@Suite("Partition store: damage in the middle")
struct SegmentDamageTests {
    private static let logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })

    private func open(_ directory: String, segmentBytes: Int64 = 64 * 1024 * 1024) throws -> PartitionStore {
        var options = PartitionStore.Options()
        options.segmentBytes = segmentBytes
        return try PartitionStore.open(directory: directory, partition: 0, fileSystem: POSIXFileSystem(), options: options, logger: Self.logger)
    }

    /// Appends `count` records in batches of `batch`, each record about 100 bytes.
    private func fill(_ store: PartitionStore, count: Int, batch: Int = 5) throws {
        for start in stride(from: 0, to: count, by: batch) {
            let records = (start..<min(count, start + batch)).map { index -> (key: String?, value: ByteBuffer) in
                var value = ByteBuffer(string: "event-\(index)-")
                value.writeRepeatingByte(UInt8(ascii: "x"), count: 80)
                return ("key-\(index % 7)", value)
            }
            _ = try store.append([(timestamp: Int64(start), records: records)])
        }
        try store.sync()
    }

    /// Every offset that can be read from `store`, reading on past damage from each range's end.
    private func readable(_ store: PartitionStore) throws -> (offsets: [Int64], failures: [Range<Offset>]) {
        var offsets: [Int64] = []
        var failures: [Range<Offset>] = []
        var next = store.startOffset
        while next < store.endOffset {
            do {
                let records = try store.read(from: next, maximumBytes: 4_096)
                guard let last = records.last else { break }
                #expect(records.map(\.offset.value) == Array(next.value...last.offset.value), "records are dense from the offset asked for")
                offsets += records.map(\.offset.value)
                next = last.offset.next
            } catch {
                let range = try #require(error.damagedOffsets, "a failed read names the damaged offsets: \(error)")
                #expect(range.contains(next))
                failures.append(range)
                next = range.upperBound
            }
        }
        return (offsets, failures)
    }

    /// The batches of a segment file: position, size and offsets, walked from its headers.
    private func batches(of path: String) throws -> [(position: Int64, size: Int64, offsets: Range<Int64>)] {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        var buffer = ByteBuffer(bytes: data)
        var found: [(position: Int64, size: Int64, offsets: Range<Int64>)] = []
        var position: Int64 = 0
        while let header = RecordBatch.peekHeader(buffer) {
            found.append((position, Int64(header.size), header.baseOffset.value..<header.nextOffset.value))
            position += Int64(header.size)
            buffer.moveReaderIndex(forwardBy: header.size)
        }
        return found
    }

    /// Zeroes `count` bytes of `path` from `position`; returns the offsets of the batches the bytes touch.
    private func zero(_ path: String, at position: Int64, count: Int64) throws -> Range<Int64> {
        let touched = try batches(of: path).filter { $0.position < position + count && $0.position + $0.size > position }
        let handle = try FileHandle(forUpdating: URL(fileURLWithPath: path))
        try handle.seek(toOffset: UInt64(position))
        try handle.write(contentsOf: Data(count: Int(count)))
        try handle.close()
        let first = try #require(touched.first)
        let last = try #require(touched.last)
        return first.offsets.lowerBound..<last.offsets.upperBound
    }

    @Test("a zeroed page inside the active segment is damage, not a torn tail: what follows it is kept and served")
    func activeSegmentMiddle() throws {
        try withTemporaryDirectory { directory in
            let store = try open(directory)
            try fill(store, count: 2_000)
            let path = SegmentName.log(directory, 0)
            try store.close()
            let lost = try zero(path, at: 40_960, count: 4_096)

            let reopened = try open(directory)
            #expect(reopened.recoveredTruncation == nil, "nothing is cut: valid batches follow the damage")
            #expect(reopened.endOffset == 2_000)
            #expect(reopened.corruptions.map(\.offsets) == [Offset(lost.lowerBound)..<Offset(lost.upperBound)])
            let (offsets, failures) = try readable(reopened)
            #expect(offsets == Array(0..<lost.lowerBound) + Array(lost.upperBound..<2_000), "every undamaged event is served")
            #expect(failures == [Offset(lost.lowerBound)..<Offset(lost.upperBound)])
            // Appends go on after the kept tail.
            _ = try reopened.append([(timestamp: 1, records: [("k", ByteBuffer(string: "after"))])])
            #expect(reopened.endOffset == 2_001)
        }
    }

    @Test("a torn tail that nothing valid follows is still cut")
    func tornTailCut() throws {
        try withTemporaryDirectory { directory in
            let store = try open(directory)
            try fill(store, count: 100)
            let path = SegmentName.log(directory, 0)
            try store.close()
            let last = try #require(try batches(of: path).last)
            let handle = try FileHandle(forUpdating: URL(fileURLWithPath: path))
            try handle.truncate(atOffset: UInt64(last.position + last.size / 2))
            try handle.close()

            let reopened = try open(directory)
            #expect(reopened.recoveredTruncation?.fromOffset == Offset(last.offsets.lowerBound))
            #expect(reopened.corruptions.isEmpty)
            #expect(reopened.endOffset == Offset(last.offsets.lowerBound))
        }
    }

    @Test("a zeroed page in a sealed segment: reads resynchronise after it and serve the rest of the segment", arguments: [true, false])
    func sealedSegmentMiddle(keepIndex: Bool) throws {
        try withTemporaryDirectory { directory in
            let store = try open(directory, segmentBytes: 32 * 1024)
            try fill(store, count: 2_000)
            try #require(store.segments.count >= 3)
            let sealed = store.segments[1]
            let path = sealed.logPath
            let sealedRange = sealed.baseOffset.value..<sealed.nextOffset.value
            try store.close()
            let lost = try zero(path, at: 8_192, count: 4_096)
            if !keepIndex { try FileManager.default.removeItem(atPath: SegmentName.index(directory, Offset(sealedRange.lowerBound))) }

            let reopened = try open(directory, segmentBytes: 32 * 1024)
            // With its index missing the segment is scanned at open and the damage reported then; with a
            // saved index the first read that reaches it finds it.
            #expect(reopened.corruptions.count == (keepIndex ? 0 : 1))
            let (offsets, failures) = try readable(reopened)
            #expect(offsets == Array(0..<lost.lowerBound) + Array(lost.upperBound..<2_000))
            #expect(failures == [Offset(lost.lowerBound)..<Offset(lost.upperBound)])
            #expect(reopened.corruptions.map(\.offsets) == [Offset(lost.lowerBound)..<Offset(lost.upperBound)], "reported with its offsets")
            #expect(sealedRange.contains(lost.lowerBound))
        }
    }

    @Test("a deleted middle segment is a gap reported at open with its offsets; reads of it fail, around it succeed")
    func deletedMiddleSegment() throws {
        try withTemporaryDirectory { directory in
            let store = try open(directory, segmentBytes: 16 * 1024)
            try fill(store, count: 1_000)
            try #require(store.segments.count >= 4)
            let missing = store.segments[1].baseOffset..<store.segments[1].nextOffset
            try store.close()
            for path in [
                SegmentName.log(directory, missing.lowerBound), SegmentName.index(directory, missing.lowerBound),
                SegmentName.timeIndex(directory, missing.lowerBound),
            ] {
                try FileManager.default.removeItem(atPath: path)
            }

            let reopened = try open(directory, segmentBytes: 16 * 1024)
            #expect(reopened.corruptions.map(\.offsets) == [missing], "the gap is reported at open")
            let (offsets, failures) = try readable(reopened)
            #expect(failures == [missing])
            #expect(offsets == Array(0..<missing.lowerBound.value) + Array(missing.upperBound.value..<1_000))
        }
    }

    @Test("a resynchronising scan costs time linear in the damage: 1 MiB of garbage in the active segment")
    func garbageIsLinear() throws {
        try withTemporaryDirectory { directory in
            let store = try open(directory)
            try fill(store, count: 200)
            let path = SegmentName.log(directory, 0)
            try store.close()
            var generator = SeededRandomGenerator(seed: 7)
            let garbage = Data((0..<(1 << 20)).map { _ in UInt8.random(in: 0...255, using: &generator) })
            let handle = try FileHandle(forUpdating: URL(fileURLWithPath: path))
            try handle.seekToEnd()
            try handle.write(contentsOf: garbage)
            try handle.close()

            let started = ContinuousClock.now
            let reopened = try open(directory)
            let elapsed = ContinuousClock.now - started
            #expect(reopened.recoveredTruncation?.bytes == Int64(1 << 20), "random bytes after the last batch are a tail, cut")
            #expect(reopened.endOffset == 200)
            #expect(elapsed < .seconds(5), "scanning 1 MiB of garbage took \(elapsed)")
        }
    }

    @Test("a deleted oldest segment is a gap at the partition's start, reported; reads of it fail instead of starting later")
    func deletedOldestSegment() throws {
        try withTemporaryDirectory { directory in
            let store = try open(directory, segmentBytes: 16 * 1024)
            try fill(store, count: 1_000)
            let missing = store.segments[0].baseOffset..<store.segments[0].nextOffset
            try store.close()
            try FileManager.default.removeItem(atPath: SegmentName.log(directory, 0))

            let reopened = try open(directory, segmentBytes: 16 * 1024)
            #expect(reopened.startOffset == 0, "the partition still starts where it did")
            #expect(reopened.corruptions.map(\.offsets) == [missing])
            let (offsets, failures) = try readable(reopened)
            #expect(failures == [missing])
            #expect(offsets == Array(missing.upperBound.value..<1_000))
        }
    }

    @Test("a deleted newest segment is reported at open; new events follow the last segment left")
    func deletedNewestSegment() throws {
        try withTemporaryDirectory { directory in
            let store = try open(directory, segmentBytes: 16 * 1024)
            try fill(store, count: 1_000)
            try #require(store.segments.count >= 3)
            let newest = store.segments[store.segments.count - 1].baseOffset
            try store.close()
            for path in [SegmentName.log(directory, newest), SegmentName.index(directory, newest), SegmentName.timeIndex(directory, newest)] {
                try FileManager.default.removeItem(atPath: path)
            }

            let reopened = try open(directory, segmentBytes: 16 * 1024)
            #expect(reopened.corruptions.map(\.offset) == [newest], "the missing newest segment is reported")
            #expect(reopened.endOffset == newest)
            _ = try reopened.append([(timestamp: 1, records: [("k", ByteBuffer(string: "after"))])])
            #expect(try reopened.read(from: newest).map(\.offset) == [newest])
            try reopened.close()
            // Closed cleanly now: the next open finds nothing missing.
            #expect(try open(directory, segmentBytes: 16 * 1024).corruptions.count == 0)
        }
    }
}
