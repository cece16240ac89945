import Foundation
import HeraldNATS
import NIOCore

extension BenchCommand {
    /// Runs the NATS C client's workload (``NATSClientReference``) with this run's sizes; `nil`, with the
    /// reason printed, when it cannot run here.
    func runNATSClientReference(url: String) -> NATSClientReference.Figures? {
        let reference = NATSClientReference(
            url: url, events: events, singleEvents: singleEvents, size: size, partitions: partitions,
            rate: latencyRate, seconds: latencySeconds, source: natsReferenceSource
        )
        do {
            return try reference.run()
        } catch {
            print("NATS C client reference skipped: \(error)")
            return nil
        }
    }

    /// Runs Herald's NATS scenarios and (unless `--no-nats-reference`) the C client's `--nats-rounds` times,
    /// alternating; returns the median of every figure (latencies: the round with the median p99) and each
    /// round's figures.
    func runNATSRounds(
        url: String, payload: ByteBuffer
    ) async throws -> (
        results: [BenchResult], latencies: [(String, LatencyScenario.Result)], reference: NATSClientReference.Figures?, rounds: [NATSRound]
    ) {
        let factory = BrokerFactory(label: "NATS JetStream") {
            try await NATSRun(url: url, label: "HERALD_BENCH").connect(logger: Self.silent)
        } close: { broker in
            if let broker = broker as? NATSBroker { await NATSRun.finish(broker) }
        }
        var rounds: [NATSRound] = []
        for _ in 0..<natsRounds {
            var round = NATSRound()
            round.herald = try await publishThenConsume(factory, payload: payload)
            round.herald.append(try await concurrentSinglePublishes(factory, payload: payload, publishers: 4))
            if latencyRate > 0 { round.latencies = try await measureLatency(factory) }
            if natsReference {
                round.client = runNATSClientReference(url: url)
                if round.client == nil { break }
            }
            rounds.append(round)
        }
        var results = NATSRound.median(rounds.map(\.herald))
        var latencies = NATSRound.median(rounds.map(\.latencies))
        let clients = rounds.compactMap(\.client)
        var reference: NATSClientReference.Figures?
        if !clients.isEmpty {
            var figures = NATSClientReference.Figures()
            for key in clients[0].throughput.keys {
                let rows = clients.compactMap { $0.throughput[key] }.sorted { $0.eventsPerSecond < $1.eventsPerSecond }
                figures.throughput[key] = rows[rows.count / 2]
            }
            figures.latency = NATSRound.median(clients.compactMap { $0.latency.map { [("client", $0)] } }).first?.1
            figures.pullLatency = NATSRound.median(clients.compactMap { $0.pullLatency.map { [("client", $0)] } }).first?.1
            results += figures.throughput.values.sorted { $0.scenario < $1.scenario }
            if let latency = figures.latency { latencies.append(("NATS C client: push consumer, acking each", latency)) }
            if let latency = figures.pullLatency { latencies.append(("NATS C client: durable pull consumers, acking each", latency)) }
            reference = figures
        }
        return (results, latencies, reference, rounds)
    }

    /// Herald's NATS figures beside the C client's, as ratios (of the medians, with each round's ratio when
    /// there were several).
    func printNATSClientComparison(
        _ results: [BenchResult], latencies: [(String, LatencyScenario.Result)], reference: NATSClientReference.Figures, rounds: [NATSRound]
    ) {
        let pairs: [(herald: String, client: String, what: String)] = [
            ("publish, batches of \(batch)", "publish-async", "async publish, \(4_000) acks pending, Herald's headers"),
            ("publish, batches of \(batch)", "publish-async-bare", "async publish, \(4_000) acks pending, no headers"),
            ("publish, batches of \(batch), 4 publishers", "publish-async", "async publish, \(4_000) acks pending, Herald's headers"),
            ("consume + ack, 1 group", "pull-ack", "pull 500, ack each"),
            ("consume + ack in batches, 1 group", "pull-ack", "pull 500, ack each"),
            ("publish one by one, 4 publishers", "publish-sync", "sync publish, 4 threads"),
        ]
        var rows: [[String]] = []
        for pair in pairs {
            guard let herald = results.first(where: { $0.scenario == "NATS JetStream: \(pair.herald)" }),
                let client = reference.throughput[pair.client]
            else { continue }
            let perRound = rounds.compactMap { round -> String? in
                guard let herald = round.herald.first(where: { $0.scenario == "NATS JetStream: \(pair.herald)" }),
                    let client = round.client?.throughput[pair.client]
                else { return nil }
                return String(format: "%.2f", herald.eventsPerSecond / max(client.eventsPerSecond, 1))
            }
            rows.append([
                pair.herald, String(format: "%.0f", herald.eventsPerSecond), pair.what, String(format: "%.0f", client.eventsPerSecond),
                String(format: "%.2f", herald.eventsPerSecond / max(client.eventsPerSecond, 1)),
                Self.cpuPerEvent(herald, client),
                perRound.count > 1 ? perRound.joined(separator: " ") : "",
            ])
        }
        if let herald = latencies.first(where: { $0.0 == "NATS JetStream" })?.1 {
            let perRound = rounds.compactMap { round -> String? in
                guard let herald = round.latencies.first(where: { $0.0 == "NATS JetStream" })?.1 else { return nil }
                return String(format: "%.1f", herald.p99.millisecondsValue)
            }
            let clients: [(String, LatencyScenario.Result?)] = [
                ("push consumer, ack each", reference.latency), ("durable pull consumers, ack each", reference.pullLatency),
            ]
            for (what, client) in clients {
                guard let client else { continue }
                rows.append([
                    "end-to-end p99 at \(latencyRate)/s", String(format: "%.2f ms", herald.p99.millisecondsValue), what,
                    String(format: "%.2f ms", client.p99.millisecondsValue),
                    String(format: "%.2f", herald.p99.millisecondsValue / max(client.p99.millisecondsValue, 0.001)), "",
                    perRound.count > 1 ? "Herald p99 ms: " + perRound.joined(separator: " ") : "",
                ])
            }
        }
        print("")
        if rounds.count > 1 { print("medians of \(rounds.count) rounds, Herald and the C client alternating") }
        print(
            TextTable(
                header: [
                    "Herald on NATS", "events/s", "NATS C client, same server", "events/s", "ratio", "CPU µs/event Herald / C", "ratio per round",
                ],
                rows: rows
            )
            .render()
        )
    }

    /// Each side's process CPU time per event (every thread; the server's is neither's), as `Herald / C`.
    private static func cpuPerEvent(_ herald: BenchResult, _ client: BenchResult) -> String {
        guard let heraldCPU = herald.cpuSeconds, let clientCPU = client.cpuSeconds, herald.events > 0, client.events > 0 else { return "" }
        return String(format: "%.2f / %.2f", heraldCPU / Double(herald.events) * 1e6, clientCPU / Double(client.events) * 1e6)
    }
}
