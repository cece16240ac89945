import ArgumentParser
import DequeModule
import Foundation
import Herald
import HeraldLog
import HeraldNATS
import HeraldPostgres
import Logging
import NIOCore
import Synchronization

/// `herald bench`: measures a broker in this process. Build in release mode for meaningful figures:
/// `swift run -c release herald bench`.
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure publish and consume+ack throughput of the embedded log or the in-memory broker.",
        discussion: """
            Scenarios, each on a fresh topic: (1) publish N events in batches, then consume and ack them all \
            with one group (one by one, then in batches with a second group); (2) publish N events in batches \
            from 4 concurrent publishers; (3) publish events one by one from 4 concurrent publishers. On the embedded log \
            each runs under the three durability policies, and the same run measures the machine's limit: \
            sequential writes of the same bytes with fdatasync after every batch. In memory, the reference is a \
            bare locked queue. Prints a table with ratios to the reference and, with --json, writes the \
            figures to a file. Run it with `swift run -c release herald bench`.
            """
    )

    @Option(help: "The backend: log (the embedded durable log) or memory.")
    var broker: BrokerChoice = .log

    @Option(help: "Events per batched scenario.")
    var events = 1_000_000

    @Option(help: "Events in the one-by-one scenario (4 publishers share them).")
    var singleEvents = 40_000

    @Option(help: "Payload bytes per event.")
    var size = 256

    @Option(help: "Partitions of the topic.")
    var partitions = 4

    @Option(help: "Events per publish call in the batched scenario.")
    var batch = 1_000

    @Option(help: "Unsettled deliveries the consumer may hold (prefetch).")
    var prefetch = 1_024

    @Option(help: "Events per second in the latency scenario (0 skips it).")
    var latencyRate = 10_000

    @Option(help: "Seconds the latency scenario publishes for.")
    var latencySeconds = 5

    @Option(help: "Instead of the other scenarios: build a backlog of this many events in the embedded log and report memory while one group reads it.")
    var backlog: Int?

    @Option(
        help:
            "Instead of the other scenarios: schedule this many durable timers in the embedded timer store, due over --timer-seconds, fire them into the embedded log and report the memory with all pending and each event's lateness from its due time to its delivery."
    )
    var timers: Int?

    @Option(help: "Seconds over which the --timers timers are due.")
    var timerSeconds = 10

    @Option(
        help:
            "Instead of the other scenarios: publish this many events over HTTP to a herald serve child process from 32 publishers, one per request, then ten times as many in batches of 100, with the same events published in process as the reference."
    )
    var http: Int?

    @Option(
        help:
            "Durability policies to run on the embedded log (repeatable): fsync, interval, os; fsync-journal or fsync-partitions run fsync before ack with the commit journal always or never used (fsync uses it automatically: with more partitions than twice the I/O threads). Default: fsync, interval, os."
    )
    var durability: [BenchDurability] = BenchDurability.defaults

    @Option(help: "I/O threads of the embedded log.")
    var ioThreads = LogBrokerConfiguration(dataDirectory: "").ioThreads

    @Option(
        name: .customLong("journal-checkpoint-mib"),
        help: "MiB of commit journal after which the embedded log syncs its segments and starts a new journal file."
    )
    var journalCheckpointMiB = Int(LogBrokerConfiguration(dataDirectory: "").journalCheckpointBytes / 1_048_576)

    @Option(help: "Where the embedded log writes (default: a temporary directory, removed afterwards).")
    var dataDir: String?

    @Option(
        help:
            "Also run every scenario on NATS JetStream at this URL, in the same run, for comparison (streams of a prefix of this run's own, deleted afterwards)."
    )
    var nats: String?

    @Flag(
        inversion: .prefixedNo,
        help:
            "With --nats: also run the same JetStream workload with the NATS C client (built from --nats-reference-source against libnats-dev) and print Herald's figures as ratios to it."
    )
    var natsReference = true

    @Option(
        help:
            "With --nats: run Herald's NATS scenarios and the C client's this many times, alternating, and report the median of each figure (one run on a shared machine varies by a fifth)."
    )
    var natsRounds = 1

    @Option(help: "The C source of the NATS client reference.")
    var natsReferenceSource = NATSClientReference.defaultSource

    @Option(
        help:
            "Also run every scenario on PostgreSQL at this URL, in the same run, with plain SQL doing the same work as the reference (a schema of this run's own, dropped afterwards)."
    )
    var postgres: String?

    @Option(
        help:
            "Events appended in batches (of --store-batch) in the event-store scenarios on each backend, 0 to skip them; the embedded log runs them with fsync before ack."
    )
    var storeEvents = 100_000

    @Option(help: "Events appended one per append in the event-store scenarios.")
    var storeSingleEvents = 8_000

    @Option(help: "Events per batched append in the event-store scenarios.")
    var storeBatch = 100

    @Option(help: "Write the results as JSON to this file.")
    var json: String?

    func validate() throws {
        if let http, http < HTTPScenario.publishers {
            throw ValidationError("--http \(http): at least \(HTTPScenario.publishers) events, one per publisher")
        }
        if timers != nil, backlog != nil || http != nil || nats != nil || postgres != nil {
            throw ValidationError("--timers runs on its own; drop --backlog, --http, --nats and --postgres")
        }
        if http != nil, backlog != nil || nats != nil || postgres != nil {
            throw ValidationError("--http runs on its own; drop --backlog, --nats and --postgres")
        }
        if let postgres {
            do { _ = try PostgresURL(postgres) } catch { throw ValidationError("--postgres: \(error)") }
        }
        guard natsRounds >= 1 else { throw ValidationError("--nats-rounds must be at least 1") }
        guard events > 0, singleEvents >= 4, size >= 0, partitions > 0, batch > 0, prefetch > 0 else {
            throw ValidationError("--events, --partitions, --batch and --prefetch must be positive, --single-events at least 4, --size not negative")
        }
    }

    func run() async throws {
        let payload = ByteBuffer(repeating: UInt8(ascii: "x"), count: size)
        #if DEBUG
        print("warning: this is a debug build; run `swift run -c release herald bench` for meaningful figures")
        #endif
        if let backlog {
            let root = dataDir ?? FileManager.default.temporaryDirectory.appendingPathComponent("herald-backlog-\(UUID().uuidString)").path
            defer { if dataDir == nil { try? FileManager.default.removeItem(atPath: root) } }
            print("herald bench: a backlog of \(backlog) events of \(size) bytes, \(partitions) partitions, embedded log")
            let result = try await BacklogScenario(events: backlog, size: size, partitions: partitions, directory: root).run()
            let mib = { (bytes: Int) in String(format: "%.1f MiB", Double(bytes) / 1_048_576) }
            print(
                "consumed \(result.events) events in \(String(format: "%.1f", result.consumeSeconds)) s; resident memory before consuming \(mib(result.residentBeforeConsuming)), largest while consuming \(mib(result.largestResidentWhileConsuming)) (growth \(mib(result.largestResidentWhileConsuming - result.residentBeforeConsuming)))"
            )
            return
        }
        if let http {
            try await runHTTP(events: http)
            return
        }
        if let timers {
            try await runTimers(timers)
            return
        }
        print("herald bench: \(events) events of \(size) bytes, \(partitions) partitions, \(broker.rawValue) broker")
        var results: [BenchResult] = []
        var latencies: [(String, LatencyScenario.Result)] = []
        var postgresReference: [BenchResult] = []
        var natsClientFigures: NATSClientReference.Figures?
        var natsRounds: [NATSRound] = []
        let reference: BenchResult
        switch broker {
        case .memory:
            let factory = BrokerFactory(label: "memory") {
                InMemoryBroker(logger: Self.silent)
            } close: { _ in
            }
            results += try await publishThenConsume(factory, payload: payload)
            results.append(try await concurrentSinglePublishes(factory, payload: payload, publishers: 4))
            reference = try lockedQueueReference(payload: payload)
        case .log:
            let root = dataDir ?? FileManager.default.temporaryDirectory.appendingPathComponent("herald-bench-\(UUID().uuidString)").path
            defer { if dataDir == nil { try? FileManager.default.removeItem(atPath: root) } }
            reference = try rawWriteReference(directory: root, payload: payload)
            for choice in BenchDurability.allCases where durability.contains(choice) {
                let (name, policy) = (choice.label, choice.policy)
                let factory = BrokerFactory(label: name) {
                    let directory = "\(root)/\(UUID().uuidString)"
                    return try await LogBroker.open(
                        LogBrokerConfiguration(
                            dataDirectory: directory, defaultDurability: policy, ioThreads: ioThreads, commitJournal: choice.commitJournal,
                            journalCheckpointBytes: Int64(journalCheckpointMiB) * 1_048_576
                        ),
                        logger: Self.silent
                    )
                } close: { broker in
                    if let log = broker as? LogBroker {
                        try? await log.close()
                        try? FileManager.default.removeItem(atPath: log.configuration.dataDirectory)
                    }
                }
                results += try await publishThenConsume(factory, payload: payload)
                results.append(try await concurrentSinglePublishes(factory, payload: payload, publishers: 4))
                if latencyRate > 0 {
                    latencies += try await measureLatency(factory)
                }
            }
            if storeEvents > 0, durability.contains(.fsync) {
                let directory = "\(root)/event-store-\(UUID().uuidString)"
                let store = try await LogEventStore.open(LogEventStoreConfiguration(directory: directory, ioThreads: ioThreads), logger: Self.silent)
                results += try await eventStoreScenario(BenchDurability.fsync.label, payload: payload).run(on: store)
                try await store.close()
                try? FileManager.default.removeItem(atPath: directory)
            }
            if let nats {
                if storeEvents > 0 {
                    let name = "HERALD_BENCH_ES_\(UUID().uuidString.prefix(8).replacingOccurrences(of: "-", with: ""))"
                    let store = try await NATSEventStore.connect(
                        NATSEventStoreOptions(servers: [nats], streamName: name, subjectPrefix: name.lowercased()), logger: Self.silent)
                    results += try await eventStoreScenario("NATS JetStream", payload: payload).run(on: store)
                    try? await store.deleteEverything()
                    await store.close()
                }
                let rounds = try await runNATSRounds(url: nats, payload: payload)
                results += rounds.results
                latencies += rounds.latencies
                natsClientFigures = rounds.reference
                natsRounds = rounds.rounds
            }
            if let postgres {
                let url = try PostgresURL(postgres)
                let factory = BrokerFactory(label: "PostgreSQL") {
                    try await PostgresBroker.connect(
                        PostgresBrokerOptions(primary: url, schema: PostgresRun.schema(label: "herald_bench")), logger: Self.silent)
                } close: { broker in
                    if let broker = broker as? PostgresBroker { await PostgresRun.finish(broker) }
                }
                results += try await publishThenConsume(factory, payload: payload)
                results.append(try await concurrentSinglePublishes(factory, payload: payload, publishers: 4))
                if latencyRate > 0 {
                    latencies += try await measureLatency(factory)
                }
                if storeEvents > 0 {
                    let schema = PostgresRun.schema(label: "herald_bench_es")
                    let store = try await PostgresEventStore.connect(url, schema: schema, logger: Self.silent)
                    results += try await eventStoreScenario("PostgreSQL", payload: payload).run(on: store)
                    await store.close()
                    await PostgresRun.finish(try await PostgresBroker.connect(PostgresBrokerOptions(primary: url, schema: schema), logger: Self.silent))
                }
                let sql = try await PostgresReference(url: url, events: events, batch: batch, payload: payload).run(logger: Self.silent)
                postgresReference = [sql.insert, sql.consume]
                results += postgresReference
            }
            if latencyRate > 0 {
                let floor = try SyncLatencyReference(directory: root, size: size, syncs: 5_000).run()
                latencies.append(("reference: fdatasync after appending \(size) bytes, one at a time", floor))
                let handOff = HandOffLatencyReference(rate: latencyRate, seconds: latencySeconds).run()
                latencies.append(("reference: one thread handing each due time to another (this machine's scheduling floor)", handOff))
            }
        }
        results.append(reference)
        print("")
        print(
            TextTable(
                header: ["scenario", "events", "seconds", "events/s", "MiB/s", "vs reference", "CPU µs/event"],
                rows: results.map { result in
                    [
                        result.scenario, "\(result.events)", String(format: "%.3f", result.seconds),
                        String(format: "%.0f", result.eventsPerSecond),
                        String(format: "%.1f", result.eventsPerSecond * Double(size) / 1_048_576),
                        String(format: "%.3f", result.eventsPerSecond / reference.eventsPerSecond),
                        result.cpuSeconds.map { String(format: "%.2f", $0 / Double(max(result.events, 1)) * 1e6) } ?? "",
                    ]
                }
            ).render()
        )
        print("\n\(reference.scenario)")
        printComparison(results, with: "NATS JetStream")
        if let natsClientFigures { printNATSClientComparison(results, latencies: latencies, reference: natsClientFigures, rounds: natsRounds) }
        printEventStoreComparison(results)
        printPostgresComparison(results, reference: postgresReference)
        if !latencies.isEmpty {
            print("")
            print(
                TextTable(
                    header: [
                        "latency at \(latencyRate) events/s for \(latencySeconds) s (end to end, or until the publish is acknowledged)", "events", "p50 ms",
                        "p99 ms", "p99.9 ms", "max ms",
                    ],
                    rows: latencies.map { name, result in
                        [
                            name, "\(result.events)", String(format: "%.2f", result.p50.millisecondsValue),
                            String(format: "%.2f", result.p99.millisecondsValue), String(format: "%.2f", result.p999.millisecondsValue),
                            String(format: "%.2f", result.max.millisecondsValue),
                        ]
                    }
                ).render()
            )
        }
        if let json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            let report = BenchReport(broker: broker.rawValue, eventSize: size, partitions: partitions, results: results)
            try encoder.encode(report).write(to: URL(fileURLWithPath: json))
            print("\nwrote \(json)")
        }
    }

    /// Prints each scenario's figure on every other backend as a ratio to `peer`'s (when it ran).
    private func printComparison(_ results: [BenchResult], with peer: String) {
        let peerResults = results.filter { $0.scenario.hasPrefix("\(peer): ") }
        guard !peerResults.isEmpty else { return }
        var rows: [[String]] = []
        for peerResult in peerResults {
            let scenario = String(peerResult.scenario.dropFirst(peer.count + 2))
            for result in results where result.scenario.hasSuffix(": \(scenario)") && result.scenario != peerResult.scenario {
                let backend = String(result.scenario.dropLast(scenario.count + 2))
                rows.append([
                    scenario, backend, String(format: "%.0f", result.eventsPerSecond), String(format: "%.0f", peerResult.eventsPerSecond),
                    String(format: "%.2f", result.eventsPerSecond / max(peerResult.eventsPerSecond, 1)),
                ])
            }
        }
        print("")
        print(TextTable(header: ["scenario", "backend", "events/s", "\(peer) events/s", "ratio"], rows: rows).render())
    }

    /// The timer scenario (`--timers`), printed.
    private func runTimers(_ count: Int) async throws {
        let root = dataDir ?? FileManager.default.temporaryDirectory.appendingPathComponent("herald-timers-\(UUID().uuidString)").path
        defer { if dataDir == nil { try? FileManager.default.removeItem(atPath: root) } }
        print("herald bench: \(count) durable timers due over \(timerSeconds) s, embedded timer store and log")
        let result = try await TimerScenario(timers: count, spread: .seconds(timerSeconds), directory: root).run()
        let mib = { (bytes: Int) in String(format: "%.1f MiB", Double(bytes) / 1_048_576) }
        print(
            "scheduled \(count) in \(String(format: "%.1f", result.scheduleSeconds)) s (\(String(format: "%.0f", Double(count) / result.scheduleSeconds))/s); resident memory with none pending \(mib(result.residentEmpty)), with \(count) pending \(mib(result.residentPending)), largest while firing \(mib(result.largestResidentWhileFiring))"
        )
        if result.scheduledPastFirstDue { print("warning: scheduling ran past the first due time; the first timers' lateness includes it") }
        let late = result.lateness
        print(
            "lateness from due time to delivery, \(late.events) events: p50 \(String(format: "%.2f", late.p50.millisecondsValue)) ms, p99 \(String(format: "%.2f", late.p99.millisecondsValue)) ms, p99.9 \(String(format: "%.2f", late.p999.millisecondsValue)) ms, max \(String(format: "%.2f", late.max.millisecondsValue)) ms"
        )
    }

    /// The event-store scenarios on one backend, with this run's sizes.
    private func eventStoreScenario(_ label: String, payload: ByteBuffer) -> EventStoreScenario {
        EventStoreScenario(label: label, events: storeEvents, singleEvents: storeSingleEvents, batch: storeBatch, payload: payload)
    }

    /// Prints each backend's event-store append rates beside its broker's publish rates in this run:
    /// single appends against single publishes, batched appends against batched publishes (both from 4
    /// concurrent writers); and its read rates.
    private func printEventStoreComparison(_ results: [BenchResult]) {
        func rate(_ scenario: String) -> Double? { results.first { $0.scenario == scenario }?.eventsPerSecond }
        let backends = results.compactMap { result -> String? in
            guard let range = result.scenario.range(of: ": event store, append 1 event") else { return nil }
            return String(result.scenario[..<range.lowerBound])
        }
        guard !backends.isEmpty else { return }
        let writers = EventStoreScenario.writers
        var rows: [[String]] = []
        for backend in backends {
            let pairs = [
                ("append 1 event with exact revision, \(writers) writers", "publish one by one, 4 publishers"),
                ("append batches of \(storeBatch) with exact revision, \(writers) writers", "publish, batches of \(batch), 4 publishers"),
            ]
            for (append, publish) in pairs {
                guard let appended = rate("\(backend): event store, \(append)") else { continue }
                let published = rate("\(backend): \(publish)")
                rows.append([
                    backend, append, String(format: "%.0f", appended), publish, published.map { String(format: "%.0f", $0) } ?? "-",
                    published.map { String(format: "%.2f", appended / max($0, 1)) } ?? "-",
                ])
            }
            for read in ["read streams forwards", "read all streams in global order"] {
                guard let value = rate("\(backend): event store, \(read)") else { continue }
                rows.append([backend, read, String(format: "%.0f", value), "", "", ""])
            }
        }
        print("")
        print(TextTable(header: ["event store", "scenario", "events/s", "broker on the same backend", "events/s", "ratio"], rows: rows).render())
    }

    /// Prints the PostgreSQL broker's figures as ratios to plain SQL doing the same work (when it ran):
    /// batched publishes against the batched insert, consuming against the SKIP LOCKED delete.
    private func printPostgresComparison(_ results: [BenchResult], reference: [BenchResult]) {
        guard reference.count == 2 else { return }
        let (insert, consume) = (reference[0], reference[1])
        let pairs: [(String, BenchResult)] = [
            ("publish, batches of \(batch)", insert), ("publish, batches of \(batch), 4 publishers", insert),
            ("consume + ack, 1 group", consume), ("consume + ack in batches, 1 group", consume),
        ]
        let rows = pairs.compactMap { scenario, sql -> [String]? in
            guard let herald = results.first(where: { $0.scenario == "PostgreSQL: \(scenario)" }) else { return nil }
            return [
                scenario, String(format: "%.0f", herald.eventsPerSecond), sql.scenario, String(format: "%.0f", sql.eventsPerSecond),
                String(format: "%.2f", herald.eventsPerSecond / max(sql.eventsPerSecond, 1)),
            ]
        }
        print("")
        print(TextTable(header: ["PostgreSQL broker", "events/s", "plain SQL on the same server", "events/s", "ratio"], rows: rows).render())
    }

    static let silent = Logger(label: "bench", factory: { _ in SwiftLogNoOpLogHandler() })

    /// The end-to-end row and the publish-acknowledged row of one backend.
    func measureLatency(_ factory: BrokerFactory) async throws -> [(String, LatencyScenario.Result)] {
        let broker = try await factory.make()
        let result = try await LatencyScenario(rate: latencyRate, seconds: latencySeconds, size: size, partitions: partitions).run(on: broker)
        await factory.close(broker)
        return [
            (factory.label, result.endToEnd), ("\(factory.label): publish acknowledged", result.published),
            ("\(factory.label): publish call started (the benchmark's own lateness)", result.started),
        ]
    }

    private func makeTopic(_ broker: any Broker, _ name: String) async throws {
        var configuration = TopicConfiguration(name: name, partitions: partitions, deduplicationWindow: .seconds(120))
        // Room for twice the events: a backend that splits the limit over partitions (NATS) must not
        // refuse a partition the key hash fills beyond its even share.
        configuration.maximumEvents = max(events, singleEvents) * 2
        configuration.maximumDeduplicationEntries = events
        configuration.maximumBytes = max(events * (size + 256) * 2, 64 * 1024 * 1024)
        try await broker.createTopic(configuration)
    }

    private func makeEvents(_ range: Range<Int>, payload: ByteBuffer) throws -> [Event] {
        try range.map { index in
            try Event(
                id: "bench-\(index)",
                source: "/herald/bench",
                type: "herald.bench.v1",
                subject: "key-\(index % 1024)",
                dataContentType: "application/octet-stream",
                data: payload
            )
        }
    }

    /// Publishes every event in batches, then consumes and acks them all with one group.
    func publishThenConsume(_ factory: BrokerFactory, payload: ByteBuffer) async throws -> [BenchResult] {
        let broker = try await factory.make()
        try await makeTopic(broker, "bench-batched")
        let clock = ContinuousClock()
        // Events are built before the clock starts: the figure is the broker's, not the event factory's.
        var prepared: [[Event]] = []
        for start in stride(from: 0, to: events, by: batch) {
            prepared.append(try makeEvents(start..<min(start + batch, events), payload: payload))
        }
        let publishStart = clock.now
        let publishCPU = ProcessCPUTime.seconds()
        for chunk in prepared {
            _ = try await broker.publish(chunk, to: "bench-batched")
        }
        let publishTime = clock.now - publishStart
        let publishCPUSeconds = ProcessCPUTime.seconds() - publishCPU
        prepared = []
        let concurrentTime = try await concurrentBatchPublishes(broker, payload: payload, publishers: 4)

        let subscription = try await broker.subscribe(
            to: "bench-batched",
            group: "bench",
            options: SubscriptionOptions(prefetch: prefetch)
        )
        let consumeStart = clock.now
        let consumeCPU = ProcessCPUTime.seconds()
        var consumed = 0
        let total = events
        while consumed < total, let delivery = try await subscription.next() {
            try await delivery.ack()
            consumed += 1
        }
        let consumeTime = clock.now - consumeStart
        let consumeCPUSeconds = ProcessCPUTime.seconds() - consumeCPU
        await subscription.close()
        let lag = try await broker.lag(group: "bench", on: "bench-batched")
        guard consumed == events, lag.totalPending == 0 else {
            await factory.close(broker)
            throw ValidationError("consumed \(consumed) of \(events), \(lag.totalPending) pending: the broker lost events")
        }

        // A second group reads the same backlog in batches: next(upTo:) and one Delivery.ack per batch.
        let batches = try await broker.subscribe(
            to: "bench-batched",
            group: "bench-batches",
            options: SubscriptionOptions(prefetch: prefetch, startPosition: .earliest)
        )
        let batchStart = clock.now
        let batchCPU = ProcessCPUTime.seconds()
        var batchConsumed = 0
        while batchConsumed < events {
            let deliveries = try await batches.next(upTo: prefetch)
            if deliveries.isEmpty { break }
            try await Delivery.ack(deliveries)
            batchConsumed += deliveries.count
        }
        let batchTime = clock.now - batchStart
        let batchCPUSeconds = ProcessCPUTime.seconds() - batchCPU
        await batches.close()
        let batchLag = try await broker.lag(group: "bench-batches", on: "bench-batched")
        await factory.close(broker)
        guard batchConsumed == events, batchLag.totalPending == 0 else {
            throw ValidationError("consumed \(batchConsumed) of \(events) in batches, \(batchLag.totalPending) pending: the broker lost events")
        }
        return [
            BenchResult(scenario: "\(factory.label): publish, batches of \(batch)", events: events, duration: publishTime, cpuSeconds: publishCPUSeconds),
            BenchResult(scenario: "\(factory.label): publish, batches of \(batch), 4 publishers", events: events / 4 * 4, duration: concurrentTime),
            BenchResult(scenario: "\(factory.label): consume + ack, 1 group", events: events, duration: consumeTime, cpuSeconds: consumeCPUSeconds),
            BenchResult(scenario: "\(factory.label): consume + ack in batches, 1 group", events: events, duration: batchTime, cpuSeconds: batchCPUSeconds),
            BenchResult(scenario: "\(factory.label): publish then consume + ack", events: events, duration: publishTime + consumeTime),
        ]
    }

    /// `publishers` concurrent publishers share the events, each publishing batches one after another, to
    /// a topic of their own; returns the time until the last batch was acknowledged.
    private func concurrentBatchPublishes(_ broker: any Broker, payload: ByteBuffer, publishers: Int) async throws -> Duration {
        try await makeTopic(broker, "bench-batched-concurrent")
        let share = events / publishers
        let prepared = try (0..<publishers).map { publisher in
            try stride(from: publisher * share, to: (publisher + 1) * share, by: batch).map { start in
                try makeEvents(start..<min(start + batch, (publisher + 1) * share), payload: payload)
            }
        }
        return try await Self.timeConcurrently(prepared) { chunk in
            _ = try await broker.publish(chunk, to: "bench-batched-concurrent")
        }
    }

    /// Runs one task per list, each handing its items to `publish` one after another; returns the time
    /// until the last one finished.
    private static func timeConcurrently<Item: Sendable>(
        _ lists: [[Item]],
        _ publish: @escaping @Sendable (Item) async throws -> Void
    ) async throws -> Duration {
        let clock = ContinuousClock()
        let start = clock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            for items in lists {
                group.addTask {
                    for item in items { try await publish(item) }
                }
            }
            try await group.waitForAll()
        }
        return clock.now - start
    }

    /// Four publishers, one event per call.
    func concurrentSinglePublishes(_ factory: BrokerFactory, payload: ByteBuffer, publishers: Int) async throws -> BenchResult {
        let broker = try await factory.make()
        try await makeTopic(broker, "bench-single")
        let share = (broker is InMemoryBroker ? events : singleEvents) / publishers
        let prepared = try (0..<publishers).map { publisher in
            try makeEvents(publisher * share..<(publisher + 1) * share, payload: payload)
        }
        let elapsed = try await Self.timeConcurrently(prepared) { event in
            _ = try await broker.publish(event, to: "bench-single")
        }
        await factory.close(broker)
        return BenchResult(scenario: "\(factory.label): publish one by one, \(publishers) publishers", events: share * publishers, duration: elapsed)
    }
}

extension BenchCommand {
    /// The reference: the same events appended in batches to a lock-protected deque, then popped one at a
    /// time with a second lock round trip standing in for the ack. No offsets, groups or de-duplication.
    fileprivate func lockedQueueReference(payload: ByteBuffer) throws -> BenchResult {
        let queue = Mutex(Deque<Event>())
        let acknowledged = Mutex(0)
        var prepared: [[Event]] = []
        for start in stride(from: 0, to: events, by: batch) {
            prepared.append(try makeEvents(start..<min(start + batch, events), payload: payload))
        }
        let clock = ContinuousClock()
        let start = clock.now
        for chunk in prepared {
            queue.withLock { $0.append(contentsOf: chunk) }
        }
        prepared = []
        var consumed = 0
        while queue.withLock({ $0.popFirst() }) != nil {
            acknowledged.withLock { $0 += 1 }
            consumed += 1
        }
        guard consumed == events else { throw ValidationError("reference queue lost events") }
        return BenchResult(
            scenario: "reference: a bare locked queue in this process, append in batches then one locked pop and one locked 'ack' per event",
            events: events,
            duration: clock.now - start
        )
    }
}

extension BenchCommand {
    /// The machine's limit for the log: the same payload bytes written sequentially to one file, a batch
    /// per write, each write followed by `fdatasync` (what fsync-before-ack must do at the least).
    fileprivate func rawWriteReference(directory: String, payload: ByteBuffer) throws -> BenchResult {
        let fileSystem = POSIXFileSystem()
        try fileSystem.createDirectory(directory)
        let file = try fileSystem.open("\(directory)/reference.bin", creating: true)
        defer { try? file.close() }
        var chunk = ByteBuffer()
        for _ in 0..<batch { chunk.writeImmutableBuffer(payload) }
        let clock = ContinuousClock()
        let start = clock.now
        var position: Int64 = 0
        for _ in stride(from: 0, to: events, by: batch) {
            try file.write(chunk, at: position)
            try file.sync()
            position += Int64(chunk.readableBytes)
        }
        return BenchResult(
            scenario: "reference: sequential writes of \(batch) × \(size) bytes, fdatasync after each",
            events: events,
            duration: clock.now - start
        )
    }
}

/// A durability policy the benchmark can run the embedded log under.
enum BenchDurability: String, ExpressibleByArgument, CaseIterable {
    case fsync
    /// Fsync before ack, always through the commit journal.
    case fsyncJournal = "fsync-journal"
    /// Fsync before ack with the commit journal off: each partition syncs its own segment.
    case fsyncPartitions = "fsync-partitions"
    case interval
    case os

    /// When the log uses its commit journal.
    var commitJournal: CommitJournalMode {
        switch self {
        case .fsyncJournal: .always
        case .fsyncPartitions: .never
        case .fsync, .interval, .os: .automatic
        }
    }

    /// What runs when `--durability` is not given.
    static let defaults: [BenchDurability] = [.fsync, .interval, .os]

    /// The name in the tables.
    var label: String {
        switch self {
        case .fsync: "fsync before ack"
        case .fsyncJournal: "fsync before ack, commit journal always"
        case .fsyncPartitions: "fsync before ack, commit journal never"
        case .interval: "fsync every 100 ms"
        case .os: "OS flushes"
        }
    }

    /// The policy it stands for.
    var policy: DurabilityPolicy {
        switch self {
        case .fsync, .fsyncJournal, .fsyncPartitions: .fsyncBeforeAcknowledge
        case .interval: .fsyncInterval(.milliseconds(100))
        case .os: .operatingSystem
        }
    }
}

/// Makes and releases the broker of one scenario.
struct BrokerFactory {
    let label: String
    let make: () async throws -> any Broker
    let close: (any Broker) async -> Void

    init(label: String, make: @escaping () async throws -> any Broker, close: @escaping (any Broker) async -> Void) {
        self.label = label
        self.make = make
        self.close = close
    }
}

/// One measured scenario.
struct BenchResult: Codable {
    var scenario: String
    var events: Int
    var seconds: Double
    var eventsPerSecond: Double
    /// The process's CPU seconds (every thread) while the scenario ran, where measured.
    var cpuSeconds: Double?

    init(scenario: String, events: Int, duration: Duration, cpuSeconds: Double? = nil) {
        self.scenario = scenario
        self.events = events
        self.cpuSeconds = cpuSeconds
        let components = duration.components
        self.seconds = Double(components.seconds) + Double(components.attoseconds) / 1e18
        self.eventsPerSecond = seconds > 0 ? Double(events) / seconds : 0
    }
}

/// The JSON the benchmark writes.
struct BenchReport: Codable {
    var broker: String
    var eventSize: Int
    var partitions: Int
    var results: [BenchResult]
}

extension BenchCommand {
    /// The HTTP scenarios (``HTTPScenario``) and their table.
    func runHTTP(events: Int) async throws {
        let root = dataDir ?? FileManager.default.temporaryDirectory.appendingPathComponent("herald-http-\(UUID().uuidString)").path
        defer { if dataDir == nil { try? FileManager.default.removeItem(atPath: root) } }
        print("herald bench --http: \(events) single events and \(events * 10) in batches of 100, \(size) bytes each, \(partitions) partitions, embedded log")
        let report = try await HTTPScenario(events: events, size: size, partitions: partitions, directory: root).run()
        let format = { (value: Double) in String(format: "%.2f", value) }
        var rows: [[String]] = []
        for (http, local) in zip(report.http, report.inProcess) {
            for result in [http, local] {
                rows.append([
                    result.name, String(Int(result.eventsPerSecond)), format(result.p50Milliseconds), format(result.p99Milliseconds),
                    format(result.eventsPerSecond / max(1, local.eventsPerSecond)),
                ])
            }
        }
        print(TextTable(header: ["scenario", "events/s", "p50 ms", "p99 ms", "vs in process"], rows: rows).render())
        let mib = { (bytes: Int) in String(format: "%.1f MiB", Double(bytes) / 1_048_576) }
        print("server resident memory: \(mib(report.serverResidentBefore)) before, \(mib(report.serverResidentAfter)) after")
    }
}
