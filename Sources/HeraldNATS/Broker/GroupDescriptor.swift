import class Foundation.JSONDecoder
import class Foundation.JSONEncoder
import struct Foundation.Data
import Herald

/// A group's settings as written into the `description` of each of its consumers (JSON), so that later
/// subscribers, in this process or another, share the first subscriber's settings.
struct GroupDescriptor: Codable, Hashable, Sendable {
    var herald: Int
    var group: String
    var ackDeadlineNanoseconds: Int64
    var maximumDeliveries: Int
    var deadLetterTopic: String
    var ordering: String

    init(group: String, topic: String, options: SubscriptionOptions) {
        herald = TopicDescriptor.currentVersion
        self.group = group
        ackDeadlineNanoseconds = options.ackDeadline.jetStreamNanoseconds
        maximumDeliveries = options.maximumDeliveries
        deadLetterTopic = options.deadLetterTopic(for: topic, group: group)
        ordering = options.ordering == .perKey ? "perKey" : "unordered"
    }

    var ackDeadline: Duration { Duration(jetStreamNanoseconds: ackDeadlineNanoseconds) }
    var isPerKey: Bool { ordering == "perKey" }

    var json: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        guard let data = try? encoder.encode(self) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }

    init?(description: String?) {
        guard let description, description.hasPrefix("{"),
            let value = try? JSONDecoder().decode(GroupDescriptor.self, from: Data(description.utf8))
        else { return nil }
        self = value
    }
}
