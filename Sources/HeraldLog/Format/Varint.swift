import NIOCore

extension ByteBuffer {
    /// Writes an unsigned LEB128 varint.
    @discardableResult
    mutating func writeVarint(_ value: UInt64) -> Int {
        var value = value
        var written = 0
        while value >= 0x80 {
            writeInteger(UInt8(truncatingIfNeeded: value) | 0x80)
            value >>= 7
            written += 1
        }
        writeInteger(UInt8(value))
        return written + 1
    }

    /// Writes a signed value as a zigzag varint.
    @discardableResult
    mutating func writeZigZag(_ value: Int64) -> Int {
        writeVarint(UInt64(bitPattern: (value << 1) ^ (value >> 63)))
    }

    /// Reads an unsigned LEB128 varint; `nil` if the bytes end first or it is longer than 10 bytes.
    mutating func readVarint() -> UInt64? {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while shift < 64 {
            guard let byte: UInt8 = readInteger() else { return nil }
            result |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 == 0 { return result }
            shift += 7
        }
        return nil
    }

    /// Reads a zigzag varint.
    mutating func readZigZag() -> Int64? {
        guard let raw = readVarint() else { return nil }
        return Int64(bitPattern: raw >> 1) ^ -Int64(bitPattern: raw & 1)
    }

    /// Writes a string as varint length + UTF-8.
    mutating func writeLengthPrefixedString(_ string: String) {
        writeVarint(UInt64(string.utf8.count))
        writeString(string)
    }

    /// Reads a string written by ``writeLengthPrefixedString(_:)``; `nil` if malformed.
    mutating func readLengthPrefixedString() -> String? {
        guard let length = readVarint(), length <= UInt64(readableBytes) else { return nil }
        return readString(length: Int(length))
    }
}
