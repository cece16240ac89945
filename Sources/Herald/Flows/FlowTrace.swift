import struct Foundation.Date

/// A flow rebuilt afterwards from the events it left: every event with one `correlationid` (and the
/// event whose id it is, which started the flow), arranged by `causationid` into the tree of what
/// caused what. Works the same for a choreography (services reacting to each other's events) and an
/// orchestration (a saga's commands and the events that answer them), as long as publishers stamp
/// lineage (``Publisher`` does inside handlers).
public struct FlowTrace: Sendable {
    /// The flow's correlation id.
    public let correlationID: String
    /// The flow's events, oldest first (by `time`, then topic, partition and offset). An event stored
    /// twice (the same id in two topics, or redriven) appears once per copy.
    public let events: [TracedEvent]

    /// The events of `correlationID` among `candidates`.
    public init(correlationID: String, candidates: [TracedEvent]) {
        self.correlationID = correlationID
        self.events = candidates.filter { traced in
            traced.event.id == correlationID
                || traced.event.extensionValue(ExtensionAttributeName.correlationID.rawValue) == correlationID
        }
        .sorted(by: Self.chronological)
    }

    /// Reads `topics` from their first offsets (at most `limit` events each, in pages of 500) and keeps
    /// the events of `correlationID`.
    ///
    /// - Throws: ``BrokerError`` when a topic cannot be read.
    public static func collect(
        from broker: any Broker, topics: [String], correlationID: String, limit: Int = 100_000
    ) async throws -> FlowTrace {
        var candidates: [TracedEvent] = []
        let configurations = try await broker.topics()
        for topic in topics {
            guard let configuration = configurations.first(where: { $0.name == topic }) else {
                throw BrokerError.unknownTopic(topic)
            }
            for index in 0..<configuration.partitions {
                let partition = Partition(index)
                var next = Offset(0)
                var read = 0
                while read < limit {
                    let page = try await broker.read(topic: topic, partition: partition, from: next, limit: min(500, limit - read))
                    guard let last = page.last else { break }
                    read += page.count
                    next = Offset(last.offset.value + 1)
                    candidates += page.map { TracedEvent(topic: topic, partition: partition, offset: $0.offset, event: $0.event) }
                }
            }
        }
        return FlowTrace(correlationID: correlationID, candidates: candidates)
    }

    /// The events nothing in the flow caused (the start, and any whose cause is not among the events).
    public var roots: [TracedEvent] {
        let ids = Set(events.map(\.event.id))
        return events.filter { traced in traced.causationID.map { !ids.contains($0) || $0 == traced.event.id } ?? true }
    }

    /// The events `event` caused directly, oldest first.
    public func effects(of event: TracedEvent) -> [TracedEvent] {
        events.filter { $0.causationID == event.event.id && $0.event.id != event.event.id }
    }

    /// For each service (event source) that reacted to another's event in this flow, the services whose
    /// events it reacted to: who had to know about whom. Sorted by service.
    public var acquaintances: [ServiceAcquaintance] {
        var byID: [String: String] = [:]
        for traced in events { byID[traced.event.id] = traced.event.source }
        var knows: [String: Set<String>] = [:]
        for traced in events {
            guard let cause = traced.causationID, let causeSource = byID[cause], causeSource != traced.event.source else { continue }
            knows[traced.event.source, default: []].insert(causeSource)
        }
        return knows.keys.sorted().map { ServiceAcquaintance(service: $0, knows: knows[$0, default: []].sorted()) }
    }

    /// The tree as text, one event a line: type, source, subject, topic and offset, indented under its
    /// cause.
    public func rendered() -> String {
        var lines: [String] = []
        var visited: Set<String> = []
        func draw(_ traced: TracedEvent, prefix: String, isLast: Bool, isRoot: Bool) {
            let key = "\(traced.topic)/\(traced.partition.index)/\(traced.offset.value)"
            let branch = isRoot ? "" : (isLast ? "└─ " : "├─ ")
            let subject = traced.event.subject.map { " [\($0)]" } ?? ""
            lines.append("\(prefix)\(branch)\(traced.event.type)\(subject) from \(traced.event.source) on \(traced.topic)@\(traced.offset.value)")
            guard visited.insert(key).inserted else { return }
            let children = effects(of: traced)
            let childPrefix = isRoot ? prefix : prefix + (isLast ? "   " : "│  ")
            for (index, child) in children.enumerated() {
                draw(child, prefix: childPrefix, isLast: index == children.count - 1, isRoot: false)
            }
        }
        for root in roots { draw(root, prefix: "", isLast: true, isRoot: true) }
        return lines.joined(separator: "\n")
    }

    private static func chronological(_ a: TracedEvent, _ b: TracedEvent) -> Bool {
        let ta = a.event.time?.timeIntervalSince1970 ?? 0
        let tb = b.event.time?.timeIntervalSince1970 ?? 0
        if ta != tb { return ta < tb }
        if a.topic != b.topic { return a.topic < b.topic }
        if a.partition.index != b.partition.index { return a.partition.index < b.partition.index }
        return a.offset.value < b.offset.value
    }
}
