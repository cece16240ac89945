#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads bytes through a raw pointer, every read bounds-checked (`nil` past the end): what the decoders
/// use instead of `ByteBuffer`'s read methods, whose per-field bookkeeping costs more than the bytes.
struct RawByteReader {
    private let bytes: UnsafeRawBufferPointer
    /// Bytes read so far.
    private(set) var position = 0

    /// Reads `bytes` from their start.
    init(_ bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes
    }

    /// Bytes left.
    var remaining: Int { bytes.count - position }

    /// One byte.
    mutating func readByte() -> UInt8? {
        guard position < bytes.count else { return nil }
        defer { position += 1 }
        return bytes[position]
    }

    /// A little-endian integer.
    mutating func readLittleEndian<T: FixedWidthInteger>(_: T.Type = T.self) -> T? {
        let size = MemoryLayout<T>.size
        guard remaining >= size else { return nil }
        defer { position += size }
        return T(littleEndian: bytes.loadUnaligned(fromByteOffset: position, as: T.self))
    }

    /// An unsigned LEB128 varint; `nil` if the bytes end first or it runs past 10 bytes.
    mutating func readVarint() -> UInt64? {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while shift < 64 {
            guard let byte = readByte() else { return nil }
            result |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 == 0 { return result }
            shift += 7
        }
        return nil
    }

    /// A zigzag varint.
    mutating func readZigZag() -> Int64? {
        guard let raw = readVarint() else { return nil }
        return Int64(bitPattern: raw >> 1) ^ -Int64(bitPattern: raw & 1)
    }

    /// Skips `count` bytes and returns where they start; `nil` if fewer are left.
    mutating func skip(_ count: Int) -> Int? {
        guard count >= 0, remaining >= count else { return nil }
        defer { position += count }
        return position
    }

    /// `count` bytes as UTF-8 text (invalid sequences repaired, as `ByteBuffer.readString` does).
    mutating func readString(length count: Int) -> String? {
        guard let start = skip(count) else { return nil }
        return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<start + count]), as: UTF8.self)
    }

    /// A varint length, then that many bytes of UTF-8 text; `previous` itself when the bytes equal it
    /// (no allocation, no validation: attributes such as `source` and `type` repeat from event to event),
    /// else a new string, which becomes `previous`.
    mutating func readLengthPrefixedString(reusing previous: inout String?) -> String? {
        guard let length = readVarint(), length <= UInt64(remaining), let start = skip(Int(length)) else { return nil }
        let text = UnsafeRawBufferPointer(rebasing: bytes[start..<start + Int(length)])
        if let previous, previous.utf8.count == text.count,
            previous.utf8.withContiguousStorageIfAvailable({ same in
                guard let lhs = same.baseAddress, let rhs = text.baseAddress else { return same.isEmpty }
                return memcmp(lhs, rhs, text.count) == 0
            }) == true
        {
            return previous
        }
        let decoded = String(decoding: text, as: UTF8.self)
        previous = decoded
        return decoded
    }

    /// A varint length, then that many bytes of UTF-8 text.
    mutating func readLengthPrefixedString() -> String? {
        guard let length = readVarint(), length <= UInt64(remaining) else { return nil }
        return readString(length: Int(length))
    }
}
