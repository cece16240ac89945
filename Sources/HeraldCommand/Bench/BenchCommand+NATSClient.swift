import Foundation

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

    /// Herald's NATS figures beside the C client's, as ratios.
    func printNATSClientComparison(
        _ results: [BenchResult], latencies: [(String, LatencyScenario.Result)], reference: NATSClientReference.Figures
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
            rows.append([
                pair.herald, String(format: "%.0f", herald.eventsPerSecond), pair.what, String(format: "%.0f", client.eventsPerSecond),
                String(format: "%.2f", herald.eventsPerSecond / max(client.eventsPerSecond, 1)),
            ])
        }
        if let herald = latencies.first(where: { $0.0 == "NATS JetStream" })?.1, let client = reference.latency {
            rows.append([
                "end-to-end p99 at \(latencyRate)/s", String(format: "%.2f ms", herald.p99.millisecondsValue), "push consumer, ack each",
                String(format: "%.2f ms", client.p99.millisecondsValue),
                String(format: "%.2f", herald.p99.millisecondsValue / max(client.p99.millisecondsValue, 0.001)),
            ])
        }
        print("")
        print(TextTable(header: ["Herald on NATS", "events/s", "NATS C client, same server", "events/s", "ratio"], rows: rows).render())
    }
}
