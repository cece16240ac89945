import Herald

/// The body of `POST /topics/{topic}/groups/{group}/fetch`.
struct FetchRequest: Decodable, Sendable {
    /// The most deliveries to return (1 to the server's batch limit). Default 1.
    var maxEvents: Int?
    /// How long to wait for the first delivery, in milliseconds (0 to 30,000). Default 0: answer at once.
    var waitMilliseconds: Int?
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
