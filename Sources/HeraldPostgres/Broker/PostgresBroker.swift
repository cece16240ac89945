import Foundation
import Herald
import Logging
import PostgresNIO
import ServiceLifecycle
import Synchronization

/// A Herald broker on PostgreSQL: topics, events, consumer groups and their deliveries in tables of one
/// schema (see ``PostgresBrokerOptions/schema``), so that several processes share them.
///
/// **Offsets never skip a late commit.** Each partition has a counter row (`partitions.next_offset`). A
/// publish locks the counter rows of its partitions (in partition order), takes its offsets from them,
/// inserts its events and raises the counters in one transaction; the row lock is held until that
/// transaction ends. A second publish to the partition waits for the lock, so it reads the counter only
/// after the first committed (and then numbers after it) or rolled back (and then reuses its offsets).
/// Offsets are therefore committed in offset order: whenever a reader sees offset *n*, every offset
/// below *n* that will ever exist is already visible. A consumer reading from its cursor can move the
/// cursor past what it read without ever stepping over an event a slower transaction commits later. The
/// price is that publishes to one partition commit one after another; batches and more partitions are
/// how to publish faster, and the transactional outbox (not a lock held through a business transaction)
/// is how to publish from inside one.
///
/// **Competing consumers** take deliveries in a transaction: due redeliveries first (`FOR UPDATE SKIP
/// LOCKED`, so two consumers never take the same row), then new events from a partition whose cursor
/// row they lock with `SKIP LOCKED`. A delivery is a row with its deadline, attempts and delivery id;
/// acknowledging deletes it. **Waking** is by LISTEN/NOTIFY on one channel per schema, and a consumer
/// that heard nothing looks again after ``PostgresBrokerOptions/pollInterval``. **Acknowledgements** of
/// subscriptions are written in batches (``PostgresBrokerOptions/confirmAcknowledgements``).
public final class PostgresBroker: BrokerAdmin, Sendable {
    /// How the broker connects.
    public let options: PostgresBrokerOptions
    let primary: PostgresClient
    let replica: PostgresClient?
    let tables: PostgresTables
    let logger: Logger
    /// Names this broker instance's members apart from other processes' in `deliveries.member`.
    let instance = String(UUID().uuidString.prefix(8)).lowercased()
    let wakeups: PostgresWakeups
    /// Writes the acknowledgements of subscriptions in batches.
    let acks: PostgresAckWriter
    /// Vacuums `deliveries` after many acknowledgements.
    let vacuum: DeliveriesVacuum
    // Mutex: the broker is shared by every subscription and caller; held only to read or change the
    // fields, never across a query.
    let state = Mutex(State())
    private let clients = Mutex<Task<Void, Never>?>(nil)

    struct State {
        var isClosed = false
        var isDraining = false
        var topics: [String: TopicConfiguration] = [:]
        var lastMember: UInt64 = 0
        var members: [UInt64: PostgresMember] = [:]
        /// The groups this instance subscribed (what an idle wait without names waits for).
        var knownGroups: Set<GroupReference> = []
        /// Turns the partition a take starts from.
        var rotation = 0
    }

    private init(options: PostgresBrokerOptions, primary: PostgresClient, replica: PostgresClient?, logger: Logger) {
        self.options = options
        self.primary = primary
        self.replica = replica
        self.tables = PostgresTables(schema: options.schema)
        self.logger = logger
        let tables = PostgresTables(schema: options.schema)
        let wakeups = PostgresWakeups(schema: options.schema)
        self.wakeups = wakeups
        let vacuum = DeliveriesVacuum(threshold: options.vacuumDeliveriesAfter, table: tables.deliveries, client: primary, logger: logger)
        self.vacuum = vacuum
        self.acks = PostgresAckWriter(logger: logger) { tokens, topic, group in
            _ = try await Self.writeAcknowledgements(
                tokens, topic: topic, group: group, client: primary, tables: tables, wakeups: wakeups, vacuum: vacuum, logger: logger)
        }
    }

    /// Connects to `url` with every other option at its default.
    ///
    /// - Throws: as ``connect(_:logger:)``.
    public static func connect(_ url: String, logger: Logger = Logger(label: "herald.postgres")) async throws -> PostgresBroker {
        try await connect(PostgresBrokerOptions(primary: try PostgresURL(url)), logger: logger)
    }

    /// Connects, creates or migrates the schema, and starts listening for notifications. ``close()``
    /// disconnects.
    ///
    /// - Throws: ``BrokerError/invalidConfiguration(topic:setting:value:rule:)`` for an invalid option;
    ///   ``BrokerError/unavailable(_:)`` when the database cannot be reached within
    ///   ``PostgresBrokerOptions/connectTimeout`` or its schema is newer than this library.
    public static func connect(_ options: PostgresBrokerOptions, logger: Logger = Logger(label: "herald.postgres")) async throws -> PostgresBroker {
        guard PostgresBrokerOptions.isValidSchema(options.schema) else {
            throw BrokerError.invalidConfiguration(
                topic: "-", setting: "schema", value: "'\(options.schema)'", rule: "must be 1 to 40 lowercase letters, digits or _, starting with a letter")
        }
        guard options.maximumConnections >= 2 else {
            throw BrokerError.invalidConfiguration(
                topic: "-", setting: "maximumConnections", value: "\(options.maximumConnections)", rule: "must be at least 2 (one listens)")
        }
        var primaryConfiguration = options.primary.clientConfiguration
        primaryConfiguration.options.maximumConnections = options.maximumConnections
        primaryConfiguration.options.connectTimeout = .seconds(5)
        let primary = PostgresClient(configuration: primaryConfiguration, backgroundLogger: logger)
        let replica = options.replica.map { url in
            var configuration = url.clientConfiguration
            configuration.options.maximumConnections = max(2, options.maximumConnections / 2)
            configuration.options.connectTimeout = .seconds(5)
            return PostgresClient(configuration: configuration, backgroundLogger: logger)
        }
        let broker = PostgresBroker(options: options, primary: primary, replica: replica, logger: logger)
        broker.clients.withLock { task in
            task = Task {
                await withDiscardingTaskGroup { group in
                    group.addTask { await primary.run() }
                    if let replica { group.addTask { await replica.run() } }
                }
            }
        }
        do {
            try await broker.database("creating the schema '\(options.schema)'") {
                // The client retries a refused connection for ever; a broker that cannot start says so.
                try await withThrowingTaskGroup(of: Bool.self) { group in
                    group.addTask {
                        try await PostgresSchema(name: options.schema).migrate(on: primary, logger: logger)
                        return true
                    }
                    group.addTask {
                        try await Task.sleep(for: options.connectTimeout)
                        return false
                    }
                    defer { group.cancelAll() }
                    guard try await group.next() == true else {
                        throw BrokerError.unavailable(
                            "PostgreSQL at \(options.primary.host):\(options.primary.port) could not be reached within \(options.connectTimeout); check that it runs and the URL"
                        )
                    }
                }
            }
        } catch {
            broker.clients.withLock { $0?.cancel() }
            throw error
        }
        broker.wakeups.start(on: primary, pollInterval: options.pollInterval, logger: logger)
        return broker
    }

    /// Ends every subscription and disconnects. Later calls fail with ``BrokerError/closed()``. Safe to call
    /// more than once.
    public func close() async {
        let members: [PostgresMember]? = state.withLock { state in
            guard !state.isClosed else { return nil }
            state.isClosed = true
            return Array(state.members.values)
        }
        guard let members else { return }
        await acks.flush()
        for member in members {
            await releaseHeld(by: member)
            member.signal.notify()
        }
        await wakeups.stop()
        await vacuum.stop()
        let task = clients.withLock { $0 }
        task?.cancel()
        await task?.value
    }

    /// Runs until graceful shutdown, then closes the broker: this process's subscriptions end first and
    /// the broker waits, up to ``PostgresBrokerOptions/shutdownGracePeriod``, for their subscribers to
    /// settle what they hold and leave.
    public func run() async throws {
        guard (try? await gracefulShutdown()) != nil else {
            await close()
            return
        }
        let members = state.withLock { state -> [PostgresMember] in
            state.isDraining = true
            return Array(state.members.values)
        }
        for member in members { member.signal.notify() }
        let deadline = ContinuousClock.now + options.shutdownGracePeriod
        while ContinuousClock.now < deadline, !state.withLock({ $0.members.isEmpty }) {
            try? await Task.sleep(for: .milliseconds(20))
        }
        await close()
    }

    /// Fails once the broker is closed.
    func checkOpen() throws(BrokerError) {
        if state.withLock({ $0.isClosed }) { throw .closed() }
    }

    /// Runs `body`, reporting a database failure as ``BrokerError/unavailable(_:)`` naming `operation`
    /// (a ``BrokerError`` passes as it is).
    func database<T>(_ operation: @autoclosure () -> String, _ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch {
            let cause = Self.cause(of: error)
            if let brokerError = cause as? BrokerError { throw brokerError }
            if cause is CancellationError { throw CancellationError() }
            throw BrokerError.unavailable("\(operation()) failed in PostgreSQL: \(Self.describe(error))")
        }
    }

    /// What a transaction's body threw, out of the `PostgresTransactionError`s wrapping it; any other
    /// error as it is.
    static func cause(of error: any Error) -> any Error {
        var cause = error
        while let wrapped = cause as? PostgresTransactionError, let inner = wrapped.closureError { cause = inner }
        return cause
    }

    /// Runs `body` in a transaction on the primary, again (up to 3 times) when PostgreSQL aborted it for a
    /// deadlock or a serialization failure.
    func transaction<T: Sendable>(_ operation: @autoclosure () -> String, _ body: (PostgresConnection) async throws -> T) async throws -> T {
        var attempt = 0
        while true {
            attempt += 1
            do {
                return try await database(operation()) {
                    try await primary.withTransaction(logger: logger) { connection in try await body(connection) }
                }
            } catch let error as BrokerError where attempt < 3 && error.message.contains("SQLSTATE 40") {
                continue
            }
        }
    }

    /// What a PostgreSQL error says (PostgresNIO's own description hides the server's message).
    static func describe(_ error: any Error) -> String {
        if let error = error as? PSQLError {
            if let transaction = error.underlying as? PostgresTransactionError {
                return describe(transaction.closureError ?? transaction.commitError ?? transaction.rollbackError ?? error)
            }
            if let info = error.serverInfo {
                let message = info[.message] ?? "a server error"
                let code = info[.sqlState].map { " (SQLSTATE \($0))" } ?? ""
                return message + code
            }
            return "\(error.code)"
        }
        if let error = error as? PostgresTransactionError {
            return describe(error.closureError ?? error.commitError ?? error.rollbackError ?? error)
        }
        return "\(error)"
    }
}

/// The qualified names of Herald's tables in one schema (a validated identifier, safe in SQL text).
struct PostgresTables: Sendable {
    let schema: String
    var topics: String { "\(schema).topics" }
    var partitions: String { "\(schema).partitions" }
    var events: String { "\(schema).events" }
    var groups: String { "\(schema).groups" }
    var groupPartitions: String { "\(schema).group_partitions" }
    var deliveries: String { "\(schema).deliveries" }
    var deliveryIDs: String { "\(schema).delivery_ids" }
}
