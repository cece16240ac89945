import NIOCore

extension JSONLimits {
    /// Checks that `bytes` keep within these limits, in one pass over them, before they are decoded.
    ///
    /// Only the limits are checked, not the syntax: brackets inside strings (escapes included) do not
    /// count, and a malformed document within the limits passes, for the decoder to refuse.
    ///
    /// - Throws: ``JSONLimitError`` naming the limit broken and the offset where it was.
    public func check(_ bytes: ByteBuffer) throws(JSONLimitError) {
        let result = bytes.withUnsafeReadableBytes { raw in
            Result { () throws(JSONLimitError) in try scan(raw) }
        }
        try result.get()
    }

    /// Checks that `bytes` (an array, `Data`, a string's `utf8`) keep within these limits, as
    /// ``check(_:)-(ByteBuffer)`` does.
    ///
    /// - Throws: ``JSONLimitError`` naming the limit broken and the offset where it was.
    public func check(_ bytes: some Sequence<UInt8>) throws(JSONLimitError) {
        let contiguous = bytes.withContiguousStorageIfAvailable { buffer in
            Result { () throws(JSONLimitError) in try scan(UnsafeRawBufferPointer(buffer)) }
        }
        if let contiguous {
            try contiguous.get()
            return
        }
        try Array(bytes).withUnsafeBytes { raw in Result { () throws(JSONLimitError) in try scan(raw) } }.get()
    }

    /// The check over raw bytes: a depth counter and whether the scan is inside a string.
    func scan(_ bytes: UnsafeRawBufferPointer) throws(JSONLimitError) {
        guard bytes.count <= maximumBytes else {
            throw .tooLarge(size: bytes.count, limit: maximumBytes)
        }
        let limit = effectiveDepth
        var depth = 0
        var inString = false
        var escaped = false
        for offset in 0..<bytes.count {
            let byte = bytes[offset]
            if inString {
                if escaped {
                    escaped = false
                } else if byte == UInt8(ascii: "\\") {
                    escaped = true
                } else if byte == UInt8(ascii: "\"") {
                    inString = false
                }
                continue
            }
            switch byte {
            case UInt8(ascii: "\""):
                inString = true
            case UInt8(ascii: "["), UInt8(ascii: "{"):
                depth += 1
                if depth > limit {
                    throw .tooDeep(limit: limit, offset: offset, opening: byte)
                }
            case UInt8(ascii: "]"), UInt8(ascii: "}"):
                // Never below zero: a stray closing bracket must not buy room for deeper nesting later.
                depth = max(depth - 1, 0)
            default:
                break
            }
        }
    }
}
