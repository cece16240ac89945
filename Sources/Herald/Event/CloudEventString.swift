/// The characters the CloudEvents `String` type allows: any Unicode character except the control
/// characters U+0000–U+001F and U+007F–U+009F and the noncharacters (U+FDD0–U+FDEF and the last two
/// code points of every plane, U+FFFE, U+FFFF, U+1FFFE, ...). Surrogates cannot occur in a Swift `String`;
/// ``JSONParser`` refuses an unpaired one in a `\u` escape.
enum CloudEventString {
    /// What makes `text` not a CloudEvents string, or `nil` when it is one.
    static func problem(in text: String) -> String? {
        for scalar in text.unicodeScalars {
            if let kind = forbiddenKind(scalar.value) {
                return "it contains \(codePoint(scalar.value)), \(kind), which CloudEvents forbids in strings"
            }
        }
        return nil
    }

    /// `text` with every forbidden character written as `\u{…}`, for messages.
    static func escaped(_ text: String) -> String {
        var result = ""
        for scalar in text.unicodeScalars {
            if forbiddenKind(scalar.value) == nil {
                result.unicodeScalars.append(scalar)
            } else {
                result += "\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}"
            }
        }
        return result
    }

    /// What kind of forbidden character `value` is, or `nil` when it is allowed.
    private static func forbiddenKind(_ value: UInt32) -> String? {
        if value <= 0x1F || (0x7F...0x9F).contains(value) { return "a control character" }
        if (0xFDD0...0xFDEF).contains(value) || value & 0xFFFE == 0xFFFE { return "a Unicode noncharacter" }
        return nil
    }

    /// `U+0001`.
    private static func codePoint(_ value: UInt32) -> String {
        let digits = String(value, radix: 16, uppercase: true)
        return "U+" + String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }
}
