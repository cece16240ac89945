import HeraldTesting
import NIOCore
import Testing

@testable import HeraldLog

@Suite struct CRC32CTests {
    @Test func checksumsTheStandardCheckString() {
        #expect(CRC32C.checksum(Array("123456789".utf8)) == 0xE306_9283)
    }

    @Test func matchesTheRFC3720Vectors() {
        #expect(CRC32C.checksum([UInt8](repeating: 0x00, count: 32)) == 0x8A91_36AA)
        #expect(CRC32C.checksum([UInt8](repeating: 0xFF, count: 32)) == 0x62A8_AB43)
        #expect(CRC32C.checksum((0..<32).map { UInt8($0) }) == 0x46DD_794E)
        #expect(CRC32C.checksum((0..<32).reversed().map { UInt8($0) }) == 0x113F_DB5C)
    }

    @Test func theChecksumOfNothingIsZero() {
        #expect(CRC32C.checksum([UInt8]()) == 0)
        #expect(CRC32C.checksum(UnsafeRawBufferPointer(start: nil, count: 0)) == 0)
        #expect(CRC32C.checksum(ByteBuffer()) == 0)
        #expect(CRC32C.checksum([UInt8](), continuing: 0x1234_5678) == 0x1234_5678)
    }

    @Test func everyOverloadAgrees() {
        let bytes = Array("The quick brown fox jumps over the lazy dog".utf8)
        let expected = bytes.withUnsafeBytes { CRC32C.checksum($0) }
        #expect(CRC32C.checksum(bytes) == expected)
        #expect(CRC32C.checksum(bytes.lazy.map { $0 }) == expected)  // no contiguous storage
        #expect(CRC32C.checksum(ByteBuffer(bytes: bytes)) == expected)
        #expect(expected == 0x2262_0404)
    }

    @Test func aByteBufferIsCheckedFromItsReaderIndexWithoutMovingIt() {
        var buffer = ByteBuffer(string: "xx123456789")
        buffer.moveReaderIndex(forwardBy: 2)
        #expect(CRC32C.checksum(buffer) == 0xE306_9283)
        #expect(buffer.readerIndex == 2)
    }

    @Test func composesOverRandomSplits() {
        var generator = SeededRandomGenerator(seed: 7)
        let bytes = (0..<100_000).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        let whole = CRC32C.checksum(bytes)
        for _ in 0..<200 {
            let first = Int.random(in: 0...bytes.count, using: &generator)
            let second = Int.random(in: first...bytes.count, using: &generator)
            var crc = CRC32C.checksum(bytes[..<first])
            crc = CRC32C.checksum(bytes[first..<second], continuing: crc)
            crc = CRC32C.checksum(bytes[second...], continuing: crc)
            #expect(crc == whole, "split at \(first) and \(second)")
        }
    }

    @Test func hardwareAndFallbackAgreeOnManyLengthsAndAlignments() {
        var generator = SeededRandomGenerator(seed: 42)
        // Past 3 × 8192 bytes, so every stage of the interleaved hardware loop runs.
        let bytes = (0..<(80_000 + 16)).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        var lengths = Array(0...800)
        var length = 801
        while length <= 80_000 {
            lengths.append(length)
            length = length * 9 / 8 + 7
        }
        lengths += [3 * 256 - 1, 3 * 256, 3 * 256 + 1, 3 * 8192 - 1, 3 * 8192, 3 * 8192 + 1, 6 * 8192 + 3 * 256 + 9]
        bytes.withUnsafeBytes { all in
            for length in lengths {
                for alignment in 0..<8 {
                    let slice = UnsafeRawBufferPointer(rebasing: all[alignment..<(alignment + length)])
                    let seed = UInt32(truncatingIfNeeded: length &* 2_654_435_761)
                    let hardware = CRC32C.checksum(slice, continuing: seed)
                    let software = CRC32C.softwareChecksum(slice, continuing: seed)
                    #expect(hardware == software, "length \(length), alignment \(alignment)")
                }
            }
        }
    }

    @Test func theFallbackMatchesTheKnownVectors() {
        Array("123456789".utf8).withUnsafeBytes { #expect(CRC32C.softwareChecksum($0) == 0xE306_9283) }
        (0..<32).map { UInt8($0) }.withUnsafeBytes { #expect(CRC32C.softwareChecksum($0) == 0x46DD_794E) }
    }
}
