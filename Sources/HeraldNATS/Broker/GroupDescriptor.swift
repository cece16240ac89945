import Herald

/// A group's settings as written into the `description` of each of its consumers (JSON), so that later
/// subscribers, in this process or another, share the first subscriber's settings.
struct GroupDescriptor: JSONDescription, Hashable, Sendable {
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
}
