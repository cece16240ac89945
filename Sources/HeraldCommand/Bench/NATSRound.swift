/// One round of `herald bench --nats`: Herald's NATS scenarios, then the C client's on the same server.
struct NATSRound {
    /// Herald's throughput rows.
    var herald: [BenchResult] = []
    /// Herald's latency rows.
    var latencies: [(String, LatencyScenario.Result)] = []
    /// The C client's figures; `nil` when it did not run.
    var client: NATSClientReference.Figures?

    /// Per scenario (in the first round's order), the row with the median rate among the rounds.
    static func median(_ rounds: [[BenchResult]]) -> [BenchResult] {
        guard let first = rounds.first else { return [] }
        return first.map { row in
            let rows = rounds.compactMap { $0.first { $0.scenario == row.scenario } }.sorted { $0.eventsPerSecond < $1.eventsPerSecond }
            return rows[rows.count / 2]
        }
    }

    /// Per label (in the first round's order), the result with the median p99 among the rounds.
    static func median(_ rounds: [[(String, LatencyScenario.Result)]]) -> [(String, LatencyScenario.Result)] {
        guard let first = rounds.first else { return [] }
        return first.map { label, _ in
            let results = rounds.compactMap { $0.first { $0.0 == label }?.1 }.sorted { $0.p99 < $1.p99 }
            return (label, results[results.count / 2])
        }
    }
}
