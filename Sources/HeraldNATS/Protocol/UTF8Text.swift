/// Strings from bytes received: ASCII (what NATS subjects and headers almost always are) is copied
/// without the generic validation path, anything else is validated as UTF-8.
enum UTF8Text {
    /// The bytes as a string, `nil` when they are not valid UTF-8.
    static func string(_ bytes: UnsafeRawBufferPointer) -> String? {
        let units = bytes.assumingMemoryBound(to: UInt8.self)
        if !units.contains(where: { $0 >= 0x80 }) { return String(decoding: units, as: UTF8.self) }
        return String(validating: units, as: UTF8.self)
    }
}
