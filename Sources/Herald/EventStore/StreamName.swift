/// The rule for event-store stream names: 1 to 200 UTF-8 bytes, no whitespace or control characters, no
/// leading `$` (kept for the store's own streams). Typically `<category>-<id>`, as `order-A-17`.
public enum StreamName {
    /// The longest name, in UTF-8 bytes.
    public static let maximumBytes = 200

    /// Checks `name` against the rule.
    ///
    /// - Throws: ``EventStoreError/invalidStreamName(_:reason:)`` naming the rule broken.
    public static func validate(_ name: String) throws(EventStoreError) {
        if name.isEmpty { throw .invalidStreamName(name, reason: "it is empty") }
        if name.utf8.count > maximumBytes {
            throw .invalidStreamName(name, reason: "it is \(name.utf8.count) bytes long; the limit is \(maximumBytes)")
        }
        if name.hasPrefix("$") { throw .invalidStreamName(name, reason: "names starting with '$' are kept for the store's own streams") }
        if let bad = name.unicodeScalars.first(where: { $0.properties.isWhitespace || $0.value < 0x20 || $0.value == 0x7F }) {
            throw .invalidStreamName(name, reason: "it contains the character U+\(String(bad.value, radix: 16, uppercase: true)) (whitespace or control)")
        }
    }
}
