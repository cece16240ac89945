import Herald

/// Prints what the demo's flows left behind: the tree of one flow, and who had to know about whom,
/// both learned from the stored events' correlation and causation ids.
struct FlowReport {
    let broker: any Broker
    let topics: [String]

    /// The flows of `correlationIDs`.
    func traces(_ correlationIDs: [String]) async throws -> [FlowTrace] {
        var traces: [FlowTrace] = []
        for id in correlationIDs {
            traces.append(try await FlowTrace.collect(from: broker, topics: topics, correlationID: id))
        }
        return traces
    }

    /// For each service, the services whose events it reacted to in any of `traces`; `aliases` names
    /// sources that are part of another service (a saga's timers are the saga's).
    static func acquaintances(_ traces: [FlowTrace], aliases: [String: String] = [:]) -> [String: Set<String>] {
        var knows: [String: Set<String>] = [:]
        for trace in traces {
            for acquaintance in trace.acquaintances {
                let service = aliases[acquaintance.service] ?? acquaintance.service
                let others = Set(acquaintance.knows.map { aliases[$0] ?? $0 }).subtracting([service])
                guard !others.isEmpty else { continue }
                knows[service, default: []].formUnion(others)
            }
        }
        return knows
    }

    /// Prints `trace` under a heading.
    static func print(_ title: String, _ trace: FlowTrace) {
        Swift.print("")
        Swift.print("\(title) (correlation id \(trace.correlationID), \(trace.events.count) events):")
        Swift.print(trace.rendered().split(separator: "\n").map { "  \($0)" }.joined(separator: "\n"))
    }

    /// A table of who knew about whom in the two styles.
    static func comparison(choreographed: [String: Set<String>], orchestrated: [String: Set<String>]) -> String {
        let services = Set(choreographed.keys).union(orchestrated.keys).sorted()
        func list(_ set: Set<String>?) -> String { set.map { $0.sorted().joined(separator: ", ") } ?? "—" }
        return TextTable(
            header: ["service", "reacted to (choreographed)", "reacted to (orchestrated)"],
            rows: services.map { [$0, list(choreographed[$0]), list(orchestrated[$0])] }
        ).render()
    }
}
