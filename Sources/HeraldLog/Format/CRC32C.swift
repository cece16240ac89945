import CHeraldCRC32C
import NIOCore

/// CRC32C (Castagnoli), the checksum HeraldLog stores with every record.
///
/// Uses the CPU's CRC32C instruction (SSE4.2 on x86_64, the CRC extension on arm64) when it has
/// one, and slicing-by-8 tables otherwise; both give the same result. Checksums compose: the
/// checksum of `b` continuing from the checksum of `a` equals the checksum of `a` followed by `b`.
/// Safe to call from any thread.
public enum CRC32C {
    /// The checksum of `bytes`, continuing from `crc` (0, the default, to start).
    public static func checksum(_ bytes: UnsafeRawBufferPointer, continuing crc: UInt32 = 0) -> UInt32 {
        herald_crc32c(crc, bytes.baseAddress, bytes.count)
    }

    /// The checksum of the readable bytes of `buffer`, continuing from `crc` (0, the default, to
    /// start). The buffer's reader index is not moved.
    public static func checksum(_ buffer: ByteBuffer, continuing crc: UInt32 = 0) -> UInt32 {
        buffer.withUnsafeReadableBytes { checksum($0, continuing: crc) }
    }

    /// The checksum of a sequence of bytes (an array, a string's UTF-8 view, ...), continuing from
    /// `crc` (0, the default, to start). Uses contiguous storage when the sequence has it.
    public static func checksum(_ bytes: some Sequence<UInt8>, continuing crc: UInt32 = 0) -> UInt32 {
        if let result = bytes.withContiguousStorageIfAvailable({ checksum(UnsafeRawBufferPointer($0), continuing: crc) }) {
            return result
        }
        return Array(bytes).withUnsafeBytes { checksum($0, continuing: crc) }
    }

    /// Whether the CPU's CRC32C instruction is used (else the table-driven fallback is).
    public static var isHardwareAccelerated: Bool {
        herald_crc32c_is_hardware() != 0
    }

    /// The table-driven implementation, whatever the CPU: for tests that check both agree.
    static func softwareChecksum(_ bytes: UnsafeRawBufferPointer, continuing crc: UInt32 = 0) -> UInt32 {
        herald_crc32c_software(crc, bytes.baseAddress, bytes.count)
    }
}
