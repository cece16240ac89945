import struct Foundation.Date

/// Formats and parses RFC 3339 timestamps, as CloudEvents `time` and Herald's recorded failure times use.
public enum RFC3339 {
    /// `2026-11-23T12:00:00.123Z`: UTC with milliseconds.
    public static func format(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }

    /// `2026-11-23T12:00:00.123456789Z`: UTC with as many fractional digits as the date needs to be parsed
    /// back by ``parse(_:)`` to exactly the same `Date` (the shortest digits that round-trip), for stores
    /// that keep an event's time as text.
    ///
    /// A `Date` is a `Double` of seconds since 2001; its shortest decimal text `a.b` (`-a.b` before 2001)
    /// is written as the whole second below it and the digits of the fraction above that second (for
    /// `-a.b`, the decimal complement of `b`), which ``parse(_:)`` turns back into `a.b`.
    public static func formatExact(_ date: Date) -> String {
        let seconds = date.timeIntervalSinceReferenceDate
        let text = String(seconds.magnitude)
        guard seconds.magnitude < 1e15, !text.contains("e"), let dot = text.firstIndex(of: ".") else { return format(date) }
        let digits = text[text.index(after: dot)...]
        let whole = Date(timeIntervalSinceReferenceDate: seconds.rounded(.down)).formatted(Date.ISO8601FormatStyle())
        guard digits != "0", whole.hasSuffix("Z") else { return whole }
        let fraction = seconds < 0 ? decimalComplement(digits) : String(digits)
        return "\(whole.dropLast()).\(fraction)Z"
    }

    /// `10ⁿ − d` of the `n` digits `d`, in `n` digits: the fraction `1 − 0.d`.
    private static func decimalComplement(_ digits: Substring) -> String {
        var result = Array(digits.utf8)
        guard let last = result.lastIndex(where: { $0 != UInt8(ascii: "0") }) else { return String(digits) }
        for index in result.indices where index <= last {
            let value = result[index] - UInt8(ascii: "0")
            result[index] = UInt8(ascii: "0") + (index == last ? 10 - value : 9 - value)
        }
        return String(decoding: result, as: UTF8.self)
    }

    /// Parses an RFC 3339 timestamp with or without fractional seconds and with `Z` or a numeric offset;
    /// `nil` when it is not one. Every fractional digit counts: what ``formatExact(_:)`` wrote comes back
    /// exactly.
    public static func parse(_ string: String) -> Date? {
        if let exact = parseFraction(string) { return exact }
        if let date = try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(string) {
            return date
        }
        if let date = try? Date.ISO8601FormatStyle().parse(string) {
            return date
        }
        return nil
    }

    /// The whole seconds parsed without the fraction, plus the fraction read as decimal digits of that
    /// number of seconds (``formatExact(_:)``'s rule), so the text's digits all count; `nil` without a
    /// fraction of 1 to 30 digits.
    private static func parseFraction(_ string: String) -> Date? {
        guard let dot = string.firstIndex(of: ".") else { return nil }
        let digits = string[string.index(after: dot)...].prefix(while: { $0.isASCII && $0.isNumber })
        guard !digits.isEmpty, digits.count <= 30 else { return nil }
        let rest = string[digits.endIndex...]
        guard let whole = try? Date.ISO8601FormatStyle().parse(String(string[..<dot] + rest)) else { return nil }
        let seconds = whole.timeIntervalSinceReferenceDate
        guard seconds.magnitude < 1e15 else { return nil }
        let value: Double?
        if seconds >= 0 {
            value = Double("\(Int64(seconds)).\(digits)")
        } else if digits.allSatisfy({ $0 == "0" }) {
            value = seconds
        } else {
            value = Double("-\(Int64(-seconds) - 1).\(decimalComplement(digits))")
        }
        return value.map { Date(timeIntervalSinceReferenceDate: $0) }
    }
}
