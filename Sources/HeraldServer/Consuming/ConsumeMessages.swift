import Herald

/// The JSON forms pull and streaming consumers share.
enum ConsumeMessages {
    /// A delivery as fetch and stream send it: its `token`, `attempt`, `partition`, `offset`, and the
    /// `event` in the JSON event format.
    static func deliveryDocument(_ delivery: Delivery) throws -> JSONValue {
        .object([
            "token": .string(delivery.token.wireValue),
            "attempt": .integer(Int64(delivery.attempt)),
            "partition": .integer(Int64(delivery.partition.index)),
            "offset": .integer(delivery.offset.value),
            "event": try JSONValue(parsing: CloudEventJSON.encode(delivery.event)),
        ])
    }
}

/// The body of `POST /topics/{topic}/groups/{group}/fetch`.
struct FetchRequest: Decodable, Sendable {
    /// The most deliveries to return (1 to the server's batch limit). Default 1.
    var maxEvents: Int?
    /// How long to wait for the first delivery, in milliseconds (0 to 30,000). Default 0: answer at once.
    var waitMilliseconds: Int?
    /// The group's settings, taken when this server's member of the group joins and the group is new.
    var group: GroupSettings?
}

/// A consumer group's settings as a fetch may give them: they apply when the group is made (its first
/// subscriber sets them; later subscribers share them).
struct GroupSettings: Decodable, Sendable {
    /// How long a delivery may stay unsettled before it is delivered again (100 to 43,200,000 ms).
    var ackDeadlineMilliseconds: Int?
    /// How many deliveries before a failing event goes to the dead letters (1 to 1,000).
    var maximumDeliveries: Int?
    /// `unordered` or `perKey`.
    var ordering: String?
    /// `earliest` or `latest`: where a new group starts.
    var startPosition: String?

    /// Checks every value.
    ///
    /// - Throws: a 400 ``Problem`` naming the setting.
    func validate(topic: String) throws(Problem) {
        if let value = ackDeadlineMilliseconds, !(100...43_200_000).contains(value) {
            throw Problem.invalidRequest("group.ackDeadlineMilliseconds", "must be from 100 to 43200000; it is \(value)", topic: topic)
        }
        if let value = maximumDeliveries, !(1...1_000).contains(value) {
            throw Problem.invalidRequest("group.maximumDeliveries", "must be from 1 to 1000; it is \(value)", topic: topic)
        }
        if let value = ordering, value != "unordered", value != "perKey" {
            throw Problem.invalidRequest("group.ordering", "must be unordered or perKey; it is '\(value.prefix(40))'", topic: topic)
        }
        if let value = startPosition, value != "earliest", value != "latest" {
            throw Problem.invalidRequest("group.startPosition", "must be earliest or latest; it is '\(value.prefix(40))'", topic: topic)
        }
    }

    /// Sets what these settings give on `options`.
    func apply(to options: inout SubscriptionOptions) {
        if let value = ackDeadlineMilliseconds { options.ackDeadline = .milliseconds(value) }
        if let value = maximumDeliveries { options.maximumDeliveries = value }
        if let value = ordering { options.ordering = value == "perKey" ? .perKey : .unordered }
        if let value = startPosition { options.startPosition = value == "latest" ? .latest : .earliest }
    }
}

/// The body of `POST /topics/{topic}/groups/{group}/settle`.
struct SettleRequest: Decodable, Sendable {
    /// One settlement of a delivery, by its token.
    struct Item: Decodable, Sendable {
        /// The delivery's token, as fetched.
        var token: String
        /// `ack`, `nack`, `reject` or `extend`.
        var action: String
        /// For `nack`: when to deliver again, in milliseconds. Default 0.
        var retryAfterMilliseconds: Int?
        /// For `nack` and `reject`: why, recorded with a dead letter.
        var reason: String?
        /// For `nack` and `reject`: the kind of error, recorded with a dead letter. Default `HTTPConsumerError`.
        var errorType: String?
    }

    /// The settlements, applied in order.
    var settlements: [Item]
}

/// The answer to a settle: how many were applied (a stale token, settled or expired already, counts and
/// changes nothing).
struct SettleResponse: Encodable, Sendable {
    var settled: Int
}
