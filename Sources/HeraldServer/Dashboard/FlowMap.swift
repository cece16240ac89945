import Foundation

/// The flow of events learned from traffic: which sources publish which event types to which topics,
/// which groups consume each topic, and which event types a service published in reaction to which
/// (from `causationid`). Counts and last-seen times on every edge; bounded in the number of edges.
struct FlowMap: Sendable {
    /// A source publishing a type to a topic.
    struct Publication: Hashable, Sendable, Codable {
        var source: String
        var type: String
        var topic: String
    }

    /// A service (the reacting event's source) publishing `reaction` because of an event of type `cause`.
    struct Reaction: Hashable, Sendable, Codable {
        var cause: String
        var service: String
        var reaction: String
    }

    /// A group consuming a topic.
    struct Consumption: Hashable, Sendable, Codable {
        var topic: String
        var group: String
    }

    /// How often and when last an edge was seen.
    struct Tally: Sendable, Codable, Hashable {
        var count: Int64
        var lastSeen: Date
    }

    /// The most edges of each kind kept; a new edge past it is counted in ``dropped``.
    static let maximumEdges = 10_000

    private(set) var publications: [Publication: Tally] = [:]
    private(set) var reactions: [Reaction: Tally] = [:]
    private(set) var consumptions: Set<Consumption> = []
    /// Edges not kept because a kind was full.
    private(set) var dropped: Int64 = 0

    /// Records an event of `type` from `source` stored in `topic`.
    mutating func published(source: String, type: String, topic: String, at date: Date) {
        if !Self.count(Publication(source: source, type: type, topic: topic), in: &publications, at: date) { dropped += 1 }
    }

    /// Records that `service` published `reaction` because of an event of type `cause`.
    mutating func reacted(cause: String, service: String, reaction: String, at date: Date) {
        if !Self.count(Reaction(cause: cause, service: service, reaction: reaction), in: &reactions, at: date) { dropped += 1 }
    }

    /// Records that `group` consumes `topic`.
    mutating func consumes(topic: String, group: String) {
        guard consumptions.count < Self.maximumEdges || consumptions.contains(Consumption(topic: topic, group: group)) else {
            dropped += 1
            return
        }
        consumptions.insert(Consumption(topic: topic, group: group))
    }

    /// Counts `edge` in `edges`; `false` when it is new and the kind is full.
    private static func count<Edge: Hashable>(_ edge: Edge, in edges: inout [Edge: Tally], at date: Date) -> Bool {
        if var tally = edges[edge] {
            tally.count += 1
            tally.lastSeen = max(tally.lastSeen, date)
            edges[edge] = tally
            return true
        }
        guard edges.count < maximumEdges else { return false }
        edges[edge] = Tally(count: 1, lastSeen: date)
        return true
    }

    /// The services (event sources) seen, sorted.
    var services: [String] { Set(publications.keys.map(\.source)).sorted() }
    /// The event types seen, sorted.
    var types: [String] { Set(publications.keys.map(\.type)).sorted() }
    /// The topics seen (published to or consumed), sorted.
    var topics: [String] { Set(publications.keys.map(\.topic)).union(consumptions.map(\.topic)).sorted() }
}

extension FlowMap {
    /// The map with only the topics `visible` allows (and the edges through them).
    func restricted(to visible: (String) -> Bool) -> FlowMap {
        var copy = self
        copy.publications = publications.filter { visible($0.key.topic) }
        copy.consumptions = consumptions.filter { visible($0.topic) }
        let types = Set(copy.publications.keys.map(\.type))
        copy.reactions = reactions.filter { types.contains($0.key.cause) && types.contains($0.key.reaction) }
        return copy
    }
}
