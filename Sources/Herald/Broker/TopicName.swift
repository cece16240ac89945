/// The rule every topic name follows, so that names map onto every backend (file names, NATS
/// subjects, PostgreSQL identifiers): 1 to 200 characters of ASCII letters, digits, `.`, `_` and `-`,
/// not starting with `.` or `-`.
public enum TopicName {
    /// The longest topic name accepted.
    public static let maximumLength = 200

    /// Checks a topic name.
    ///
    /// - Throws: ``BrokerError/invalidTopicName(_:reason:)`` naming the topic and the rule it breaks.
    public static func validate(_ name: String) throws(BrokerError) {
        if name.isEmpty {
            throw .invalidTopicName(name, reason: "it is empty")
        }
        if name.utf8.count > maximumLength {
            throw .invalidTopicName(name, reason: "it is longer than \(maximumLength) characters")
        }
        if let first = name.utf8.first, first == UInt8(ascii: ".") || first == UInt8(ascii: "-") {
            throw .invalidTopicName(name, reason: "it starts with '.' or '-'")
        }
        for byte in name.utf8 where !isAllowed(byte) {
            throw .invalidTopicName(name, reason: "only ASCII letters, digits, '.', '_' and '-' are allowed")
        }
    }

    private static func isAllowed(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "-"):
            return true
        default:
            return false
        }
    }
}
