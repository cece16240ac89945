extension JetStream {
    /// Creates a consumer on `stream`: durable when the configuration names one, else ephemeral. Creating
    /// a durable consumer that exists with the same configuration returns it; with another configuration
    /// the server updates what may change (such as `ack_wait`) or refuses.
    ///
    /// - Throws: ``JetStreamError`` — `streamNotFound`, `invalidName`, refusals of the configuration;
    ///   ``NATSClientError``.
    public func createConsumer(stream: String, _ configuration: ConsumerConfiguration) async throws -> ConsumerInfo {
        try Self.validateName(stream, "stream")
        let body = try Self.encode(ConsumerCreateRequest(streamName: stream, config: configuration))
        if let durable = configuration.durableName {
            try Self.validateName(durable, "consumer")
            return try await apiRequest(
                "CONSUMER.DURABLE.CREATE.\(stream).\(durable)",
                body: body,
                operation: "create consumer '\(durable)' on stream '\(stream)'"
            )
        }
        return try await apiRequest(
            "CONSUMER.CREATE.\(stream)",
            body: body,
            operation: "create an ephemeral consumer on stream '\(stream)'"
        )
    }

    /// A consumer's configuration and position.
    ///
    /// - Throws: ``JetStreamError`` (`consumerNotFound`, `streamNotFound`), ``NATSClientError``.
    public func consumerInfo(stream: String, consumer: String) async throws -> ConsumerInfo {
        try Self.validateName(stream, "stream")
        try Self.validateName(consumer, "consumer")
        return try await apiRequest(
            "CONSUMER.INFO.\(stream).\(consumer)",
            operation: "read consumer '\(consumer)' of stream '\(stream)'"
        )
    }

    /// Deletes a consumer; its waiting pull requests end with `409 Consumer Deleted`.
    ///
    /// - Throws: ``JetStreamError`` (`consumerNotFound`, `streamNotFound`), ``NATSClientError``.
    public func deleteConsumer(stream: String, consumer: String) async throws {
        try Self.validateName(stream, "stream")
        try Self.validateName(consumer, "consumer")
        let _: SuccessResponse = try await apiRequest(
            "CONSUMER.DELETE.\(stream).\(consumer)",
            operation: "delete consumer '\(consumer)' of stream '\(stream)'"
        )
    }

    /// Every consumer of `stream`, with its configuration and position.
    ///
    /// - Throws: ``JetStreamError`` (`streamNotFound`), ``NATSClientError``.
    public func consumers(stream: String) async throws -> [ConsumerInfo] {
        try Self.validateName(stream, "stream")
        var consumers: [ConsumerInfo] = []
        while true {
            let page: ConsumerListResponse = try await apiRequest(
                "CONSUMER.LIST.\(stream)",
                body: Self.encode(ListRequest(offset: consumers.count, subject: nil)),
                operation: "list the consumers of stream '\(stream)'"
            )
            let received = page.consumers ?? []
            consumers += received
            if received.isEmpty || consumers.count >= page.total { return consumers }
        }
    }
}

struct ConsumerCreateRequest: Encodable {
    var streamName: String
    var config: ConsumerConfiguration

    enum CodingKeys: String, CodingKey {
        case streamName = "stream_name"
        case config
    }
}

struct ConsumerListResponse: Decodable {
    var total: Int
    var consumers: [ConsumerInfo]?
}
