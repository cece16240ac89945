/// The percent-encoding of CloudEvents attribute values in NATS (and HTTP) headers: space, `"`, `%`, and
/// every byte outside printable ASCII (`0x21`-`0x7E`) become `%XY` of their UTF-8 bytes, upper case.
package enum PercentEncoding {
    private static let hexDigits = Array("0123456789ABCDEF".utf8)

    /// Encodes `value` for a header.
    package static func encode(_ value: String) -> String {
        let utf8 = value.utf8
        if !value.utf8Contains(where: needsEncoding) { return value }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(utf8.count + 16)
        for byte in utf8 {
            if needsEncoding(byte) {
                bytes.append(UInt8(ascii: "%"))
                bytes.append(hexDigits[Int(byte >> 4)])
                bytes.append(hexDigits[Int(byte & 0x0F)])
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Decodes a header value: first the quoted-string form (`"a \" b"`) older senders may use, then one
    /// round of percent-decoding (either case). `nil` when an escape is malformed or the bytes are not
    /// valid UTF-8 (overlong forms included).
    package static func decode(_ value: String) -> String? {
        // Most values need nothing: a string is valid UTF-8 already.
        let isSpecial = { (byte: UInt8) in byte == UInt8(ascii: "%") || byte == UInt8(ascii: "\"") }
        if !value.utf8Contains(where: isSpecial) { return value }
        var source = Array(value.utf8)
        if source.count >= 2, source.first == UInt8(ascii: "\""), source.last == UInt8(ascii: "\"") {
            var unquoted: [UInt8] = []
            var index = 1
            while index < source.count - 1 {
                if source[index] == UInt8(ascii: "\\"), index + 1 < source.count - 1 {
                    index += 1
                }
                unquoted.append(source[index])
                index += 1
            }
            source = unquoted
        }
        guard source.contains(UInt8(ascii: "%")) else { return String(validating: source, as: UTF8.self) }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(source.count)
        var index = 0
        while index < source.count {
            let byte = source[index]
            if byte == UInt8(ascii: "%") {
                guard index + 2 < source.count, let high = hexValue(source[index + 1]), let low = hexValue(source[index + 2])
                else { return nil }
                bytes.append(high << 4 | low)
                index += 3
            } else {
                bytes.append(byte)
                index += 1
            }
        }
        return String(validating: bytes, as: UTF8.self)
    }

    private static func needsEncoding(_ byte: UInt8) -> Bool {
        byte <= 0x20 || byte >= 0x7F || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "%")
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        default: nil
        }
    }
}
