/// How Herald's topics, partitions and groups map onto JetStream names and subjects.
///
/// - Stream of partition `p` of topic `t`: `<prefix>_<t'>_<p>`, where `t'` is `t` with every `.` written
///   `~` (stream and consumer names cannot hold `.`; topic names cannot hold `~`, so the mapping stays
///   one-to-one): topic `orders.eu` partition 2 → `HERALD_orders~eu_2`.
/// - Its subject: `<prefix in lower case>.<t>.<p>` (`herald.orders.eu.2`), keeping the topic's dots as
///   subject tokens; a topic with an empty token (`a..b`, `a.`) uses `t'` instead.
/// - Durable consumer of group `g`: `g'` (`.` written `~`).
struct NATSBrokerNaming: Sendable, Hashable {
    /// The stream name prefix, such as `HERALD`.
    let prefix: String
    /// The subject prefix: ``prefix`` in lower case.
    let subjectPrefix: String

    init(prefix: String) {
        self.prefix = prefix
        self.subjectPrefix = prefix.lowercased()
    }

    /// `name` with `.` written `~`.
    static func escaped(_ name: String) -> String {
        String(decoding: name.utf8.map { $0 == UInt8(ascii: ".") ? UInt8(ascii: "~") : $0 }, as: UTF8.self)
    }

    /// The stream of one partition.
    func stream(topic: String, partition: Int) -> String {
        "\(prefix)_\(Self.escaped(topic))_\(partition)"
    }

    /// The subject of one partition.
    func subject(topic: String, partition: Int) -> String {
        let tokens = topic.split(separator: ".", omittingEmptySubsequences: false)
        let topicPart = tokens.contains(where: \.isEmpty) ? Self.escaped(topic) : topic
        return "\(subjectPrefix).\(topicPart).\(partition)"
    }

    /// The durable consumer name of a group.
    func consumer(group: String) -> String {
        Self.escaped(group)
    }

    /// Matches the subjects of every Herald topic under this prefix.
    var allSubjects: String { "\(subjectPrefix).>" }

    /// Whether `prefix` can prefix stream names and subjects: 1 to 32 ASCII letters, digits, `_` or `-`.
    static func isValidPrefix(_ prefix: String) -> Bool {
        !prefix.isEmpty && prefix.utf8.count <= 32
            && prefix.utf8.allSatisfy { byte in
                (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
                    || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: "_")
                    || byte == UInt8(ascii: "-")
            }
    }
}
