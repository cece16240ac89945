import struct Foundation.Date

/// Formats and parses RFC 3339 timestamps, as CloudEvents `time` and Herald's recorded failure times use.
public enum RFC3339 {
    /// `2026-11-23T12:00:00.123Z`: UTC with milliseconds.
    public static func format(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }

    /// Parses an RFC 3339 timestamp with or without fractional seconds and with `Z` or a numeric offset;
    /// `nil` when it is not one.
    public static func parse(_ string: String) -> Date? {
        if let date = try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(string) {
            return date
        }
        if let date = try? Date.ISO8601FormatStyle().parse(string) {
            return date
        }
        return nil
    }
}
