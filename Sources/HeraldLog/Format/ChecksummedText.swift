import NIOCore

/// A small metadata file (a topic manifest, a group checkpoint, a partition's start offset) with a CRC32C
/// of its text on a last line, `crc32c XXXXXXXX` and a newline, so that any change to the text is found when
/// it is read instead of being taken at its word. Files written before the checksum existed (they do not
/// end with a newline) are read as they are.
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

    /// The body of `bytes` once its checksum line is checked, or `bytes` as they are when they have none.
    ///
    /// - Throws: ``StorageError/corruption(path:position:reason:)`` naming `path` when the checksum does not
    ///   match or the checksum line is malformed.
    static func open(_ bytes: ByteBuffer, path: String) throws(StorageError) -> ByteBuffer {
        let view = bytes.readableBytesView
        // A sealed file ends with its checksum line and so with a newline; the files written before had
        // none (their JSON or number ends the file). A flip of that last newline leaves the checksum line
        // in the body, which then does not parse.
        guard view.last == UInt8(ascii: "\n") else { return bytes }
        let lineLength = marker.utf8.count + 8 + 1
        guard view.count >= lineLength else {
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
            throw .corruption(path: path, position: 0, reason: "checksum mismatch (stored \(hex(stored)), computed \(hex(computed))): the file changed after it was written")
        }
        return body
    }

    private static func hex(_ value: UInt32) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 8 - digits.count) + digits
    }
}
