/// The NATS subject of an event-store stream: `<prefix>.<name>` with the name as one subject token.
/// ASCII letters, digits, `-` and `_` stay as they are; every other byte of the name's UTF-8 (`.`, `*`,
/// `>`, `~`, non-ASCII, …) is written `~XX` in hex, so the mapping is one-to-one and reversible.
struct EventStoreSubject: Sendable {
    /// The first token of every stream's subject.
    let prefix: String

    /// Every stream's subjects: what the JetStream stream captures and the live watch subscribes to.
    var wildcard: String { "\(prefix).>" }

    /// The subject of `stream`.
    func subject(of stream: String) -> String {
        var token = ""
        token.reserveCapacity(stream.utf8.count)
        for byte in stream.utf8 {
            if Self.isPlain(byte) {
                token.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                token += "~" + String(byte >> 4, radix: 16, uppercase: true) + String(byte & 0xF, radix: 16, uppercase: true)
            }
        }
        return "\(prefix).\(token)"
    }

    /// The stream whose subject is `subject`, `nil` when it is not one of this store's.
    func stream(of subject: String) -> String? {
        guard subject.hasPrefix(prefix + ".") else { return nil }
        let token = subject.utf8.dropFirst(prefix.utf8.count + 1)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(token.count)
        var iterator = token.makeIterator()
        while let byte = iterator.next() {
            if byte != UInt8(ascii: "~") {
                guard Self.isPlain(byte) else { return nil }
                bytes.append(byte)
                continue
            }
            guard let high = iterator.next().flatMap(Self.hexValue), let low = iterator.next().flatMap(Self.hexValue) else { return nil }
            bytes.append(high << 4 | low)
        }
        return String(validating: bytes, as: UTF8.self)
    }

    private static func isPlain(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"),
            UInt8(ascii: "_"):
            true
        default: false
        }
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
