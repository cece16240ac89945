import NIOCore

/// A small metadata file (a topic manifest, a group checkpoint, a partition's start offset) with a CRC32C
/// of its text on a last line, `crc32c XXXXXXXX` and a newline, so that any change to the text is found when
/// it is read instead of being taken at its word. A file without its checksum line (cut short, or not
/// written by Herald) is damaged.
enum ChecksummedText {
    private static let marker = "\ncrc32c "

    /// `body` followed by its checksum line.
    static func seal(_ body: ByteBuffer) -> ByteBuffer {
        var sealed = body
        let crc = CRC32C.checksum(body)
        sealed.writeString(marker)
        sealed.writeString(hex(crc))
        sealed.writeString("\n")
        return sealed
    }

    /// The body of `bytes` once its checksum line is checked.
    ///
    /// - Throws: ``StorageError/corruption(path:position:reason:)`` naming `path` when the checksum does not
    ///   match or the checksum line is malformed.
    static func open(_ bytes: ByteBuffer, path: String) throws(StorageError) -> ByteBuffer {
        let view = bytes.readableBytesView
        // A sealed file ends with its checksum line and its newline. One cut at the end of its body (the
        // checksum line gone) would otherwise pass for whole.
        let lineLength = marker.utf8.count + 8 + 1
        guard view.count >= lineLength, view.last == UInt8(ascii: "\n") else {
            throw .corruption(path: path, position: 0, reason: "its checksum line is damaged")
        }
        let lineStart = view.index(view.endIndex, offsetBy: -lineLength)
        let line = view[lineStart...]
        let digits = String(decoding: line.dropFirst(marker.utf8.count).dropLast(), as: UTF8.self)
        let bodyLength = lineStart - view.startIndex
        guard line.starts(with: marker.utf8), let stored = UInt32(digits, radix: 16), digits.count == 8,
            let body = bytes.getSlice(at: bytes.readerIndex, length: bodyLength)
        else {
            throw .corruption(path: path, position: Int64(bodyLength), reason: "its checksum line is damaged")
        }
        let computed = CRC32C.checksum(body)
        guard computed == stored else {
            throw .corruption(
                path: path, position: 0, reason: "checksum mismatch (stored \(hex(stored)), computed \(hex(computed))): the file changed after it was written")
        }
        return body
    }

    private static func hex(_ value: UInt32) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 8 - digits.count) + digits
    }
}
