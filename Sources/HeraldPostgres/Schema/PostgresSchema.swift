import Foundation
import Logging
import PostgresNIO

/// Herald's tables in one PostgreSQL schema, created and migrated by the library: each migration is a
/// numbered list of statements, applied in one transaction under a transaction-scoped advisory lock, so
/// that two processes starting at once apply it once (the second waits, then finds it applied).
///
/// The tables (version 1):
///
/// - `topics`: name, partition count, configuration (JSON).
/// - `partitions`: per topic and partition, `next_offset` (the counter row; see ``PostgresBroker``), the
///   retention start and the bytes held.
/// - `events`: the events, keyed by topic, partition and offset. No foreign key to `partitions`: its check
///   would cost a lookup per inserted event, and every insert already holds its partition's counter row
///   locked; deleting a topic deletes its events itself.
/// - `deduplication`: (`source`, `id`) → where the event was stored, within the topic's window (dropped
///   in version 3).
/// - `groups`, `group_partitions`: a consumer group's settings, epoch (raised by each seek), pause, and
///   per partition the cursor: every offset below it was handed out at least once.
/// - `deliveries`: the group's events below the cursor that are not yet acknowledged: in flight (with a
///   deadline and the delivery id its token carries) or waiting (for a redelivery time, or behind an
///   earlier event of its key under per-key order). An acknowledged event has no row.
///
/// Version 2 adds:
///
/// - `outbox`: events written in applications' transactions, waiting for a relay (see ``PostgresOutbox``).
/// - `inbox`, `inbox_horizons`: the events each inbox consumer handled, and the time before which it has
///   forgotten them (see ``PostgresInbox``).
///
/// Version 3 finds duplicates in `events` itself, by an index on (`topic`, `source`, `id`), and drops
/// `deduplication`: that table cost a second row (and two index entries) per published event and was
/// never purged. An event dropped by retention no longer marks its re-sent copies as duplicates. It also
/// drops the index `events_by_time`: a seek to a time searches the primary key instead (see
/// ``PostgresBroker/firstOffset(storedFrom:topic:partition:in:on:)``), so a publish updates two indexes,
/// not three.
///
/// Version 4 adds the event store (see ``PostgresEventStore``): `store_head` (the last global position, one
/// row), `store_streams` (each stream's last revision) and `store_events` (unique by stream and
/// revision, keyed by global position).
///
/// Version 5 adds `projection_checkpoints`: the position each ``PostgresProjectionRunner`` projection has
/// applied, written in the transaction of the read model's own writes.
///
/// Version 6 adds `timers` and `timer_sequence`: the pending timers of ``PostgresTimerStore``.
struct PostgresSchema: Sendable {
    /// The schema's name (validated: a plain identifier, safe in SQL text).
    let name: String

    /// The newest version this library knows.
    static var currentVersion: Int { migrations.count }

    /// Creates or migrates the schema to ``currentVersion``.
    ///
    /// - Throws: ``BrokerError`` when the database holds a newer version than this library knows, or a
    ///   PostgreSQL error.
    func migrate(on client: PostgresClient, logger: Logger) async throws {
        let name = name
        try await client.withTransaction(logger: logger) { connection in
            try await connection.perform("SELECT pg_advisory_xact_lock(hashtext(\("herald.schema." + name)))", logger: logger)
            try await connection.perform("CREATE SCHEMA IF NOT EXISTS \(unescaped: name)", logger: logger)
            try await connection.perform("CREATE TABLE IF NOT EXISTS \(unescaped: name).schema_version (version integer NOT NULL)", logger: logger)
            var found = 0
            for try await version in try await connection.query("SELECT version FROM \(unescaped: name).schema_version", logger: logger).decode(Int.self) {
                found = max(found, version)
            }
            guard found <= Self.currentVersion else {
                throw BrokerError.unavailable(
                    "the schema '\(name)' is at version \(found), newer than the \(Self.currentVersion) this Herald knows; upgrade Herald")
            }
            guard found < Self.currentVersion else { return }
            for version in (found + 1)...Self.currentVersion {
                for statement in Self.migrations[version - 1] {
                    try await connection.perform(PostgresQuery(unsafeSQL: statement.replacingOccurrences(of: "{S}.", with: "\(name).")), logger: logger)
                }
                logger.info("PostgreSQL schema migrated", metadata: ["herald.schema": "\(name)", "herald.version": "\(version)"])
            }
            try await connection.perform("DELETE FROM \(unescaped: name).schema_version", logger: logger)
            try await connection.perform("INSERT INTO \(unescaped: name).schema_version (version) VALUES (\(Self.currentVersion))", logger: logger)
        }
    }

    /// The columns of an event, as the tables that keep events (`events`, `outbox`, `store_events`)
    /// define them (see ``EventColumns``).
    static let eventColumns = """
        id text NOT NULL, source text NOT NULL, type text NOT NULL, subject text, time text, data_content_type text, data_schema text,
        extensions text, data bytea, size integer NOT NULL
        """

    /// The migrations, version 1 first; `{S}.` stands for the schema.
    static let migrations: [[String]] = [
        [
            """
            CREATE TABLE {S}.topics (
                name text PRIMARY KEY,
                partitions integer NOT NULL,
                configuration text NOT NULL,
                created_at timestamptz NOT NULL DEFAULT clock_timestamp()
            )
            """,
            """
            CREATE TABLE {S}.partitions (
                topic text NOT NULL REFERENCES {S}.topics (name) ON DELETE CASCADE,
                partition integer NOT NULL,
                next_offset bigint NOT NULL DEFAULT 0,
                start_offset bigint NOT NULL DEFAULT 0,
                bytes bigint NOT NULL DEFAULT 0,
                PRIMARY KEY (topic, partition)
            )
            """,
            """
            CREATE TABLE {S}.events (
                topic text NOT NULL,
                partition integer NOT NULL,
                "offset" bigint NOT NULL,
                \(eventColumns),
                stored_at timestamptz NOT NULL,
                PRIMARY KEY (topic, partition, "offset")
            )
            """,
            "CREATE INDEX events_by_time ON {S}.events (topic, partition, stored_at)",
            """
            CREATE TABLE {S}.deduplication (
                topic text NOT NULL REFERENCES {S}.topics (name) ON DELETE CASCADE,
                source text NOT NULL,
                id text NOT NULL,
                partition integer NOT NULL,
                "offset" bigint NOT NULL,
                stored_at timestamptz NOT NULL,
                PRIMARY KEY (topic, source, id)
            )
            """,
            "CREATE INDEX deduplication_by_time ON {S}.deduplication (topic, stored_at)",
            """
            CREATE TABLE {S}.groups (
                topic text NOT NULL REFERENCES {S}.topics (name) ON DELETE CASCADE,
                name text NOT NULL,
                options text NOT NULL,
                epoch bigint NOT NULL DEFAULT 0,
                paused boolean NOT NULL DEFAULT false,
                PRIMARY KEY (topic, name)
            )
            """,
            """
            CREATE TABLE {S}.group_partitions (
                topic text NOT NULL,
                "group" text NOT NULL,
                partition integer NOT NULL,
                cursor bigint NOT NULL,
                PRIMARY KEY (topic, "group", partition),
                FOREIGN KEY (topic, "group") REFERENCES {S}.groups (topic, name) ON DELETE CASCADE
            )
            """,
            """
            CREATE TABLE {S}.deliveries (
                topic text NOT NULL,
                "group" text NOT NULL,
                partition integer NOT NULL,
                "offset" bigint NOT NULL,
                in_flight boolean NOT NULL,
                visible_at timestamptz NOT NULL,
                attempts integer NOT NULL,
                delivery_id bigint NOT NULL DEFAULT 0,
                member text,
                key text,
                first_delivered_at timestamptz,
                failure_type text,
                failure_message text,
                first_failure_at timestamptz,
                last_failure_at timestamptz,
                PRIMARY KEY (topic, "group", partition, "offset"),
                FOREIGN KEY (topic, "group") REFERENCES {S}.groups (topic, name) ON DELETE CASCADE
            )
            """,
            "CREATE INDEX deliveries_by_time ON {S}.deliveries (topic, \"group\", visible_at)",
            "CREATE INDEX deliveries_by_key ON {S}.deliveries (topic, \"group\", partition, key, \"offset\") WHERE key IS NOT NULL",
            "CREATE SEQUENCE {S}.delivery_ids",
        ],
        [
            """
            CREATE TABLE {S}.outbox (
                sequence bigserial PRIMARY KEY,
                slot integer NOT NULL,
                topic text NOT NULL,
                \(eventColumns),
                enqueued_at timestamptz NOT NULL DEFAULT clock_timestamp()
            )
            """,
            "CREATE INDEX outbox_by_slot ON {S}.outbox (slot, sequence)",
            """
            CREATE TABLE {S}.inbox (
                consumer text NOT NULL,
                key text NOT NULL,
                fingerprint text NOT NULL,
                event_id text NOT NULL,
                handled_at timestamptz NOT NULL DEFAULT clock_timestamp(),
                PRIMARY KEY (consumer, key)
            )
            """,
            "CREATE INDEX inbox_by_time ON {S}.inbox (consumer, handled_at)",
            """
            CREATE TABLE {S}.inbox_horizons (
                consumer text PRIMARY KEY,
                forgotten_before timestamptz NOT NULL
            )
            """,
        ],
        [
            "CREATE INDEX events_by_id ON {S}.events (topic, source, id)",
            "DROP TABLE {S}.deduplication",
            "DROP INDEX {S}.events_by_time",
        ],
        [
            "CREATE TABLE {S}.store_head (id integer PRIMARY KEY CHECK (id = 1), position bigint NOT NULL)",
            "INSERT INTO {S}.store_head (id, position) VALUES (1, -1)",
            "CREATE TABLE {S}.store_streams (stream text PRIMARY KEY, revision bigint NOT NULL)",
            """
            CREATE TABLE {S}.store_events (
                position bigint PRIMARY KEY,
                stream text NOT NULL,
                revision bigint NOT NULL,
                \(eventColumns),
                recorded_at timestamptz NOT NULL,
                UNIQUE (stream, revision)
            )
            """,
        ],
        [
            "CREATE TABLE {S}.projection_checkpoints (name text PRIMARY KEY, position bigint NOT NULL, updated_at timestamptz NOT NULL)"
        ],
        [
            "CREATE SEQUENCE {S}.timer_sequence",
            """
            CREATE TABLE {S}.timers (
                timer_id text PRIMARY KEY,
                due float8 NOT NULL,
                seq bigint NOT NULL,
                topic text NOT NULL,
                \(eventColumns)
            )
            """,
            "CREATE INDEX timers_by_due ON {S}.timers (due, seq)",
        ],
    ]
}
