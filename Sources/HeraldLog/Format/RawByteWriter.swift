/// Writes bytes through a raw pointer into space its caller reserved in advance: the encoders compute a
/// batch's exact size first, reserve it once, then write every field without per-field capacity checks
/// (which, through `ByteBuffer`'s write methods, cost more than the bytes themselves).
///
/// The caller guarantees that the space holds everything written; ``written`` lets it check afterwards.
struct RawByteWriter {
    private let start: UnsafeMutableRawPointer
    private var cursor: UnsafeMutableRawPointer

    /// Starts writing at `start`.
    init(_ start: UnsafeMutableRawPointer) {
        self.start = start
        self.cursor = start
    }

    /// Bytes written so far.
    var written: Int { cursor - start }

    /// Writes one byte.
    mutating func write(_ byte: UInt8) {
        cursor.storeBytes(of: byte, as: UInt8.self)
        cursor += 1
    }

    /// Writes an integer in little-endian byte order.
    mutating func writeLittleEndian<T: FixedWidthInteger>(_ value: T) {
        cursor.storeBytes(of: value.littleEndian, as: T.self)
        cursor += MemoryLayout<T>.size
    }

    /// Writes an unsigned LEB128 varint (``varintSize(_:)`` bytes).
    mutating func writeVarint(_ value: UInt64) {
        var value = value
        while value >= 0x80 {
            write(UInt8(truncatingIfNeeded: value) | 0x80)
            value >>= 7
        }
        write(UInt8(value))
    }

    /// Writes a signed value as a zigzag varint.
    mutating func writeZigZag(_ value: Int64) {
        writeVarint(zigZag(value))
    }

    /// Writes raw bytes.
    mutating func write(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return }
        cursor.copyMemory(from: base, byteCount: bytes.count)
        cursor += bytes.count
    }

    /// Writes a string's UTF-8 bytes (`string.utf8.count` of them), without a length.
    mutating func writeUTF8(_ string: String) {
        let copied: Void? = string.utf8.withContiguousStorageIfAvailable { write(UnsafeRawBufferPointer($0)) }
        if copied == nil {
            for byte in string.utf8 { write(byte) }
        }
    }

    /// Writes a varint length, then the string's UTF-8 bytes.
    mutating func writeLengthPrefixed(_ string: String) {
        writeVarint(UInt64(string.utf8.count))
        writeUTF8(string)
    }
}

/// The bytes ``RawByteWriter/writeVarint(_:)`` writes for `value`.
func varintSize(_ value: UInt64) -> Int {
    // One byte per started group of 7 bits; at least one byte.
    let bits = 64 - (value | 1).leadingZeroBitCount
    return (bits + 6) / 7
}

/// The zigzag mapping of a signed value onto an unsigned one (small magnitudes stay small).
func zigZag(_ value: Int64) -> UInt64 {
    UInt64(bitPattern: (value << 1) ^ (value >> 63))
}

/// The bytes a varint length plus the string's UTF-8 take.
func lengthPrefixedSize(_ string: String) -> Int {
    let count = string.utf8.count
    return varintSize(UInt64(count)) + count
}
