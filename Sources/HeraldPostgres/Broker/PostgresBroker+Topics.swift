import Foundation
import Herald
import PostgresNIO
import Synchronization

extension PostgresBroker {
    /// Creates a topic with its partitions' counter rows, or does nothing if the same topic exists.
    ///
    /// - Throws: ``BrokerError`` for an invalid configuration, a different topic of that name, or a
    ///   database failure.
    public func createTopic(_ configuration: TopicConfiguration) async throws {
        try configuration.validate()
        try checkOpen()
        try await transaction("creating topic '\(configuration.name)'") { connection in
            try await self.createTopic(configuration, on: connection)
        }
        state.withLock { $0.topics[configuration.name] = configuration }
    }

    /// Creates the topic in the transaction of `connection` unless the same one exists.
    ///
    /// - Throws: ``BrokerError/topicExists(_:)`` when a different topic of that name exists.
    func createTopic(_ configuration: TopicConfiguration, on connection: PostgresConnection) async throws {
        let document = TopicConfigurationDocument(configuration)
        let inserted = try await connection.query(
            """
            INSERT INTO \(unescaped: tables.topics) (name, partitions, configuration)
            VALUES (\(configuration.name), \(Int32(configuration.partitions)), \(document.text))
            ON CONFLICT (name) DO NOTHING RETURNING name
            """, logger: logger
        ).collect()
        if inserted.isEmpty {
            let existing = try await storedConfiguration(configuration.name, on: connection)
            if existing != configuration { throw BrokerError.topicExists(configuration.name) }
            return
        }
        try await connection.perform(
            """
            INSERT INTO \(unescaped: tables.partitions) (topic, partition)
            SELECT \(configuration.name), generate_series(0, \(Int32(configuration.partitions - 1)))
            """, logger: logger
        )
    }

    /// The configurations of all topics, sorted by name.
    ///
    /// - Throws: ``BrokerError`` on a database failure.
    public func topics() async throws -> [TopicConfiguration] {
        try checkOpen()
        let rows = try await database("listing topics") {
            try await primary.query("SELECT name, configuration FROM \(unescaped: tables.topics) ORDER BY name", logger: logger).collect()
        }
        return try rows.map { row in
            let (name, text) = try row.decode((String, String).self)
            return try TopicConfigurationDocument.configuration(name: name, text: text)
        }
    }

    /// Deletes a topic with its events, partitions, groups and their deliveries; subscriptions to it end.
    ///
    /// - Throws: ``BrokerError/unknownTopic(_:)`` for an unknown topic, or on a database failure.
    public func deleteTopic(_ topic: String) async throws {
        try checkOpen()
        let deleted = try await transaction("deleting topic '\(topic)'") { connection in
            // Waits for publishes in flight (they hold these rows) so that their events are deleted too; a
            // later publish finds the rows gone.
            try await connection.perform(
                "SELECT partition FROM \(unescaped: self.tables.partitions) WHERE topic = \(topic) FOR UPDATE", logger: self.logger
            )
            try await connection.perform("DELETE FROM \(unescaped: self.tables.events) WHERE topic = \(topic)", logger: self.logger)
            let rows = try await connection.query(
                "DELETE FROM \(unescaped: self.tables.topics) WHERE name = \(topic) RETURNING name", logger: self.logger
            ).collect()
            if !rows.isEmpty { try await self.wakeups.notify(topic, on: connection, logger: self.logger) }
            return !rows.isEmpty
        }
        state.withLock { _ = $0.topics.removeValue(forKey: topic) }
        guard deleted else { throw BrokerError.unknownTopic(topic) }
        wakeups.wake(topic: topic)
    }

    /// A topic's configuration: from this broker's cache, else from the database.
    ///
    /// - Throws: ``BrokerError/unknownTopic(_:)``, or on a database failure.
    func configuration(of topic: String) async throws -> TopicConfiguration {
        if let cached = state.withLock({ $0.topics[topic] }) { return cached }
        let configuration = try await database("reading topic '\(topic)'") {
            try await primary.withConnection { connection in try await storedConfiguration(topic, on: connection) }
        }
        state.withLock { $0.topics[topic] = configuration }
        return configuration
    }

    /// Forgets a cached configuration (the topic turned out to be gone).
    func forget(_ topic: String) {
        state.withLock { _ = $0.topics.removeValue(forKey: topic) }
    }

    /// The configuration stored for `topic`.
    ///
    /// - Throws: ``BrokerError/unknownTopic(_:)``.
    func storedConfiguration(_ topic: String, on connection: PostgresConnection) async throws -> TopicConfiguration {
        let rows = try await connection.query(
            "SELECT configuration FROM \(unescaped: tables.topics) WHERE name = \(topic)", logger: logger
        ).collect()
        guard let row = rows.first else { throw BrokerError.unknownTopic(topic) }
        return try TopicConfigurationDocument.configuration(name: topic, text: try row.decode(String.self))
    }

    /// A topic's configuration, retention and partitions (offsets, events held, bytes of event data),
    /// read from the replica when there is one (so they may lag the primary by its replication delay);
    /// from the primary when the replica does not know the topic yet.
    ///
    /// - Throws: ``BrokerError/unknownTopic(_:)``, or on a database failure.
    public func describeTopic(_ topic: String) async throws -> TopicDescription {
        try checkOpen()
        if let replica {
            do {
                return try await describeTopic(topic, client: replica)
            } catch let error as BrokerError where error.isUnknownTopic {
                // Not replicated yet (just created): the primary knows.
            }
        }
        return try await describeTopic(topic, client: primary)
    }

    private func describeTopic(_ topic: String, client: PostgresClient) async throws -> TopicDescription {
        let rows = try await database("describing topic '\(topic)'") {
            try await client.query(
                """
                SELECT t.configuration, p.partition, p.start_offset, p.next_offset, p.bytes
                FROM \(unescaped: tables.topics) t JOIN \(unescaped: tables.partitions) p ON p.topic = t.name
                WHERE t.name = \(topic) ORDER BY p.partition
                """, logger: logger
            ).collect()
        }
        guard let first = rows.first else { throw BrokerError.unknownTopic(topic) }
        let configuration = try TopicConfigurationDocument.configuration(name: topic, text: try first.decode((String, Int32, Int64, Int64, Int64).self).0)
        let partitions = try rows.map { row in
            let (_, partition, start, end, bytes) = try row.decode((String, Int32, Int64, Int64, Int64).self)
            return PartitionDescription(partition: Partition(Int(partition)), startOffset: Offset(start), endOffset: Offset(end), bytes: bytes)
        }
        return TopicDescription(configuration: configuration, retention: TopicRetention(configuration), partitions: partitions)
    }
}

extension PostgresBroker {
    /// Drops the broker's schema with every table in it (topics, events, groups, outbox, inbox) and closes
    /// the broker: for schemas of their own that tests, demos and benchmarks throw away.
    ///
    /// - Throws: ``BrokerError/closed()`` when the broker is closed, ``BrokerError/unavailable(_:)`` on a
    ///   database failure (then the broker stays open).
    public func dropSchema() async throws {
        try checkOpen()
        await acks.flush()
        _ = try await database("dropping the schema '\(options.schema)'") {
            try await primary.perform("DROP SCHEMA \(unescaped: options.schema) CASCADE", logger: logger)
        }
        await close()
    }
}
