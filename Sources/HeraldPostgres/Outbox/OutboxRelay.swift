import Foundation
import Herald
import Logging
import Metrics
import PostgresNIO
import ServiceLifecycle

/// Moves the rows of a ``PostgresOutbox`` to a broker: a ServiceLifecycle `Service` that runs until
/// graceful shutdown (finishing the batch in hand) or cancellation.
///
/// **Per-key order, one relay per slot.** The relay holds a PostgreSQL session advisory lock on each slot
/// it serves, on one connection kept for its lifetime. Another relay cannot take a locked slot; when a
/// relay stops or dies, its connection closes, its locks go, and a standby takes the slots over. Within
/// a slot the relay publishes rows in sequence order and publishes nothing of a slot whose earlier row
/// failed, so one key's events reach the broker in the order they were written.
///
/// **At least once, never lost.** A row is deleted only after the broker confirmed it. A relay that dies
/// between the two publishes the row again when the slot is next served; the event keeps its `source`
/// and `id`, so the target's de-duplication window (every Herald broker has one) stores it once. Under
/// normal operation (no crash, no lost connection) each row is published exactly once. A publish the
/// broker refuses (an unknown topic, say) leaves the row in place and is retried with backoff, logged
/// each time and counted in `herald_outbox_publish_failures_total`; fix the cause, and the rows follow.
public final class OutboxRelay: Service, Sendable {
    /// The payload of the notification writers send when they enqueue (not a valid topic name, so it
    /// never wakes a broker's subscriber).
    static let wakeupTopic = " outbox"

    /// The outbox read.
    public let outbox: PostgresOutbox
    /// Where events go.
    public let target: any EventSink
    /// How the relay works.
    public let options: OutboxRelayOptions
    private let client: PostgresClient
    private let logger: Logger
    private let wakeups: PostgresWakeups
    private let signal = AsyncSignal()
    private let lockClass: Int32
    private let relayed: Counter
    private let failures: Counter

    /// Creates a relay from `outbox` to `target` using connections of `client` (which the caller runs).
    ///
    /// - Parameters:
    ///   - outbox: the outbox to empty.
    ///   - client: a client of the database holding the outbox; the relay keeps one of its connections.
    ///   - target: where events go: any Herald broker (embedded log, NATS, PostgreSQL) or other sink.
    ///   - options: batch size, polling, slots and retry delays.
    ///   - logger: where the relay reports failures.
    ///   - metrics: where `herald_outbox_relayed_events_total` and `herald_outbox_publish_failures_total`
    ///     go; default `MetricsSystem.factory`.
    /// - Throws: ``BrokerError/invalidConfiguration(topic:setting:value:rule:)`` for an option out of range.
    public init(
        outbox: PostgresOutbox, client: PostgresClient, target: any EventSink, options: OutboxRelayOptions = OutboxRelayOptions(),
        logger: Logger = Logger(label: "herald.outbox"), metrics: any MetricsFactory = MetricsSystem.factory
    ) throws(BrokerError) {
        guard (1...10_000).contains(options.batchSize) else {
            throw .invalidConfiguration(topic: "-", setting: "batchSize", value: "\(options.batchSize)", rule: "must be 1 to 10000")
        }
        guard (1...PostgresOutbox.slotCount).contains(options.maximumSlots) else {
            throw .invalidConfiguration(
                topic: "-", setting: "maximumSlots", value: "\(options.maximumSlots)", rule: "must be 1 to \(PostgresOutbox.slotCount)")
        }
        guard options.pollInterval > .zero, options.retryDelay > .zero, options.maximumRetryDelay >= options.retryDelay else {
            throw .invalidConfiguration(
                topic: "-", setting: "pollInterval/retryDelay/maximumRetryDelay",
                value: "\(options.pollInterval)/\(options.retryDelay)/\(options.maximumRetryDelay)",
                rule: "must be positive, and maximumRetryDelay at least retryDelay")
        }
        self.outbox = outbox
        self.client = client
        self.target = target
        self.options = options
        self.logger = logger
        self.wakeups = PostgresWakeups(schema: outbox.schema)
        self.lockClass = Self.lockClass(of: outbox.schema)
        let dimensions = [("schema", outbox.schema)]
        self.relayed = Counter(label: "herald_outbox_relayed_events_total", dimensions: dimensions, factory: metrics)
        self.failures = Counter(label: "herald_outbox_publish_failures_total", dimensions: dimensions, factory: metrics)
    }

    /// Relays until graceful shutdown or cancellation; a lost connection is re-opened after
    /// ``OutboxRelayOptions/retryDelay``.
    public func run() async throws {
        wakeups.register(0, topic: Self.wakeupTopic, signal: signal)
        defer { wakeups.unregister(0, topic: Self.wakeupTopic) }
        await withDiscardingTaskGroup { group in
            // The listener is a child: it ends with the relay, however the relay ends.
            group.addTask { await self.wakeups.listen(on: self.client, pollInterval: self.options.pollInterval, logger: self.logger) }
            await withGracefulShutdownHandler {
                await relayUntilStopped()
            } onGracefulShutdown: {
                self.signal.notify()
            }
            group.cancelAll()
        }
    }

    /// Serves connections one after another until cancellation or graceful shutdown.
    private func relayUntilStopped() async {
        while !Task.isCancelled, !Task.isShuttingDownGracefully {
            do {
                try await client.withConnection { connection in
                    try await self.serve(on: connection)
                }
            } catch {
                if Task.isCancelled || Task.isShuttingDownGracefully { return }
                logger.error(
                    "the outbox relay lost its connection; it reconnects",
                    metadata: ["herald.error": "\(PostgresBroker.describe(error))", "herald.schema": "\(outbox.schema)"])
                await signal.wait(until: .now + options.retryDelay)
            }
        }
    }

    /// One connection's life: lock slots, relay batches, unlock when leaving.
    private func serve(on connection: PostgresConnection) async throws {
        var state = RelayState()
        do {
            while !Task.isCancelled, !Task.isShuttingDownGracefully {
                let now = ContinuousClock.now
                if state.held.count < options.maximumSlots, now >= state.nextAcquisition {
                    try await acquireSlots(&state, on: connection)
                    state.nextAcquisition = now + options.pollInterval
                }
                let sent = try await relayBatch(&state, on: connection)
                if sent < options.batchSize {
                    let wake = [state.nextAcquisition, now + options.pollInterval, state.earliestRetry].compactMap { $0 }.min() ?? now + options.pollInterval
                    await signal.wait(until: wake)
                }
            }
        } catch {
            _ = try? await connection.query("SELECT pg_advisory_unlock_all()", logger: logger)
            throw error
        }
        // The connection goes back to the pool: its session locks must not stay with it.
        try await connection.perform("SELECT pg_advisory_unlock_all()", logger: logger)
    }

    /// Locks free slots, up to ``OutboxRelayOptions/maximumSlots``.
    private func acquireSlots(_ state: inout RelayState, on connection: PostgresConnection) async throws {
        let free = (0..<PostgresOutbox.slotCount).filter { !state.held.contains($0) }.map { Int32($0) }
        if options.maximumSlots == PostgresOutbox.slotCount {
            for try await slot in try await connection.query(
                "SELECT s FROM unnest(\(free)::integer[]) AS s WHERE pg_try_advisory_lock(\(lockClass), s)", logger: logger
            ).decode(Int32.self) {
                state.held.insert(Int(slot))
            }
            return
        }
        for slot in free.shuffled() where state.held.count < options.maximumSlots {
            let rows = try await connection.query("SELECT pg_try_advisory_lock(\(lockClass), \(slot))", logger: logger).collect()
            if try rows.first?.decode(Bool.self) == true { state.held.insert(Int(slot)) }
        }
    }

    /// Reads one batch of the held slots' rows, publishes it by topic in sequence order and deletes what
    /// the target confirmed. Returns how many rows were read.
    private func relayBatch(_ state: inout RelayState, on connection: PostgresConnection) async throws -> Int {
        let now = ContinuousClock.now
        let serving = state.held.filter { slot in state.blocked[slot].map { $0.until <= now } ?? true }.sorted().map { Int32($0) }
        guard !serving.isEmpty else { return 0 }
        var rows: [OutboxRow] = []
        var failedSlots: Set<Int> = []
        for try await row in try await connection.query(
            """
            SELECT sequence, slot, topic, \(unescaped: EventColumns.eventNames.joined(separator: ", ")) FROM \(unescaped: outbox.table)
            WHERE slot = ANY(\(serving)::integer[]) ORDER BY sequence LIMIT \(Int64(options.batchSize))
            """, logger: logger
        ) {
            do {
                rows.append(try OutboxRow(row))
            } catch {
                // A row Herald did not write: its slot stops here (what follows it keeps its order) until
                // someone repairs or deletes the row.
                let columns = row.makeRandomAccess()
                let sequence = (try? columns["sequence"].decode(Int64.self)) ?? -1
                let slot = (try? columns["slot"].decode(Int32.self)) ?? -1
                failedSlots.insert(Int(slot))
                failures.increment()
                logger.error(
                    "an outbox row is not a valid event; its slot waits until the row is repaired or deleted",
                    metadata: ["herald.outbox.sequence": "\(sequence)", "herald.error": "\(error)"])
            }
        }
        guard !rows.isEmpty || !failedSlots.isEmpty else { return 0 }
        let read = rows.count + failedSlots.count
        rows.removeAll { failedSlots.contains($0.slot) }
        var sent: [Int64] = []
        var topics: [String] = []
        var byTopic: [String: [OutboxRow]] = [:]
        for row in rows {
            if byTopic[row.topic] == nil { topics.append(row.topic) }
            byTopic[row.topic, default: []].append(row)
        }
        for topic in topics {
            let pending = (byTopic[topic] ?? []).filter { !failedSlots.contains($0.slot) }
            guard !pending.isEmpty else { continue }
            if await publish(pending, to: topic) {
                sent += pending.map(\.sequence)
                continue
            }
            // Find the slots at fault, publishing each slot's rows on their own.
            var bySlot: [Int: [OutboxRow]] = [:]
            for row in pending { bySlot[row.slot, default: []].append(row) }
            for (slot, slotRows) in bySlot.sorted(by: { $0.key < $1.key }) {
                if await publish(slotRows, to: topic) {
                    sent += slotRows.map(\.sequence)
                } else {
                    failedSlots.insert(slot)
                }
            }
        }
        for slot in failedSlots {
            let failures = (state.blocked[slot]?.failures ?? 0) + 1
            let delay = min(options.maximumRetryDelay, options.retryDelay * (1 << min(failures - 1, 20)))
            state.blocked[slot] = (now + delay, failures)
        }
        for slot in Set(rows.map(\.slot)).subtracting(failedSlots) { state.blocked[slot] = nil }
        if !sent.isEmpty {
            try await connection.perform("DELETE FROM \(unescaped: outbox.table) WHERE sequence = ANY(\(sent)::bigint[])", logger: logger)
            relayed.increment(by: sent.count)
        }
        return read
    }

    /// Publishes rows to `topic`; whether the target confirmed them all.
    private func publish(_ rows: [OutboxRow], to topic: String) async -> Bool {
        do {
            _ = try await target.send(rows.map(\.event), to: topic)
            return true
        } catch {
            failures.increment()
            logger.error(
                "the outbox relay could not publish; the rows stay in the outbox and are tried again",
                metadata: [
                    "herald.topic": "\(topic)", "herald.error": "\(error)", "herald.outbox.first": "\(rows.first?.sequence ?? 0)",
                    "herald.event.id": "\(rows.first?.event.id ?? "")", "herald.events": "\(rows.count)",
                ])
            return false
        }
    }

    /// The first key of the relay's advisory locks: a hash of the schema name, so that outboxes of two
    /// schemas in one database lock apart.
    static func lockClass(of schema: String) -> Int32 {
        var hash: UInt32 = 0x811C_9DC5
        for byte in "herald.outbox.\(schema)".utf8 { hash = (hash ^ UInt32(byte)) &* 0x0100_0193 }
        return Int32(bitPattern: hash)
    }
}

/// What one connection of a relay holds: its slots, and the slots waiting out a failure.
private struct RelayState {
    var held: Set<Int> = []
    var blocked: [Int: (until: ContinuousClock.Instant, failures: Int)] = [:]
    var nextAcquisition = ContinuousClock.now

    /// When the first blocked slot may be tried again.
    var earliestRetry: ContinuousClock.Instant? { blocked.values.map(\.until).min() }
}
