import Foundation
import HTTPTypes
import Herald
import Hummingbird
import NIOCore

/// The message browser's API: a topic's events by partition and offset (or the first at a time),
/// filtered by an ``EventFilter``, and one event with its life in each group (in flight to which member
/// until when, awaiting redelivery, its attempts and last failure where the backend tracks single
/// deliveries; acknowledged or pending from the committed offset; dead-lettered and redriven from what
/// the observer read). Needs the `read`
/// permission (or `admin`) on the topic.
///
/// - `GET /topics/{topic}/events?partition=0&from=0&limit=50&filter=…` (or `time=` instead of `from`)
/// - `GET /topics/{topic}/events/{partition}/{offset}`
struct EventBrowserRoutes: Sendable {
    let broker: any BrokerAdmin
    let authorizer: Authorizer
    let observer: TrafficObserver

    /// The most events one answer lists.
    static let maximumListed = 500
    /// The most events one filtered request reads to find its matches.
    static let maximumScanned = 20_000

    func register(on router: Router<some RequestContext>) {
        router.get("topics/:topic/events") { request, context in
            let topic = try context.parameters.require("topic")
            _ = try authorizer.authorize(request.headers, .read, topic: topic)
            return try await list(request, topic: topic)
        }
        router.get("topics/:topic/events/:partition/:offset") { request, context in
            let topic = try context.parameters.require("topic")
            _ = try authorizer.authorize(request.headers, .read, topic: topic)
            guard let partition = Int(try context.parameters.require("partition")), partition >= 0,
                let offset = Int64(try context.parameters.require("offset")), offset >= 0
            else { throw Problem.invalidRequest("position", "must be a partition and an offset, both numbers of 0 or more", topic: topic) }
            try await observer.warmUp()
            return try await show(topic: topic, partition: Partition(partition), offset: Offset(offset))
        }
    }

    private func list(_ request: Request, topic: String) async throws -> Response {
        let query = request.uri.queryParameters
        let description = try await brokerCall(topic) { try await broker.describeTopic(topic) }
        let partitionIndex = query.get("partition").flatMap { Int($0) } ?? 0
        guard let partition = description.partitions.first(where: { $0.partition.index == partitionIndex }) else {
            throw Problem.invalidRequest(
                "partition", "must be one of the topic's partitions, 0 to \(description.partitions.count - 1); it is \(partitionIndex)", topic: topic)
        }
        let limit = query.get("limit").flatMap { Int($0) } ?? 50
        guard (1...Self.maximumListed).contains(limit) else {
            throw Problem.invalidRequest("limit", "must be from 1 to \(Self.maximumListed); it is \(limit)", topic: topic)
        }
        let filter: EventFilter?
        do {
            filter = try query.get("filter").flatMap { $0.isEmpty ? nil : try EventFilter(parsing: $0) }
        } catch {
            throw Problem.invalidRequest("filter", "is not a filter: \(error)", topic: topic)
        }
        var from: Offset
        if let time = query.get("time") {
            guard let date = RFC3339.parse(time) else {
                throw Problem.invalidRequest("time", "must be an RFC 3339 instant such as 2026-12-01T00:00:00Z; it is '\(time.prefix(100))'", topic: topic)
            }
            from = try await firstOffset(atOrAfter: date, topic: topic, partition: partition)
        } else if let text = query.get("from") {
            guard let value = Int64(text), value >= 0 else {
                throw Problem.invalidRequest("from", "must be an offset of 0 or more; it is '\(text.prefix(40))'", topic: topic)
            }
            from = Offset(value)
        } else {
            // The newest page by default.
            from = Offset(max(partition.startOffset.value, partition.endOffset.value - Int64(limit)))
        }
        from = max(from, partition.startOffset)
        var listed: [JSONValue] = []
        var scanned = 0
        var next = from
        while listed.count < limit, scanned < Self.maximumScanned, next < partition.endOffset {
            let wanted = filter == nil ? limit - listed.count : min(500, Self.maximumScanned - scanned)
            let page = try await brokerCall(topic) { try await broker.read(topic: topic, partition: partition.partition, from: next, limit: wanted) }
            guard !page.isEmpty else { break }
            for stored in page {
                next = Offset(stored.offset.value + 1)
                scanned += 1
                if filter?.matches(stored.event) ?? true {
                    listed.append(try Self.document(stored, topic: topic))
                    if listed.count == limit { break }
                }
            }
        }
        return try JSONResponse.make(
            JSONValue.object([
                "topic": .string(topic), "partition": .integer(Int64(partition.partition.index)), "from": .integer(from.value),
                "next": .integer(next.value), "startOffset": .integer(partition.startOffset.value), "endOffset": .integer(partition.endOffset.value),
                "scanned": .integer(Int64(scanned)), "events": .array(listed),
                "filter": filter.map { .string($0.description) } ?? .null,
            ]))
    }

    /// The first offset whose event was stored at or after `date`: a binary search reading one event a
    /// step (stored times grow with the offset).
    private func firstOffset(atOrAfter date: Date, topic: String, partition: PartitionDescription) async throws -> Offset {
        var low = partition.startOffset.value
        var high = partition.endOffset.value
        while low < high {
            let middle = low + (high - low) / 2
            let page = try await brokerCall(topic) { try await broker.read(topic: topic, partition: partition.partition, from: Offset(middle), limit: 1) }
            guard let stored = page.first else { break }
            if stored.storedAt < date {
                low = stored.offset.value + 1
            } else {
                high = middle
            }
        }
        return Offset(low)
    }

    private func show(topic: String, partition: Partition, offset: Offset) async throws -> Response {
        let page = try await brokerCall(topic) { try await broker.read(topic: topic, partition: partition, from: offset, limit: 1) }
        guard let stored = page.first, stored.offset == offset else {
            throw Problem(
                status: .notFound, code: "notFound", title: "No such event",
                detail: "topic '\(topic)' holds no event at partition \(partition.index), offset \(offset.value) (retention may have removed it)", topic: topic)
        }
        let groups = try await brokerCall(topic) { try await broker.describeGroups(of: topic) }
        let sightings = await observer.deadLetters(at: CorrelationIndex.Position(topic: topic, partition: partition, offset: offset))
        let copies = await observer.redrivenCopies(of: stored.event.id, in: topic).filter { $0.partition != partition || $0.offset != offset }
        var life: [JSONValue] = []
        for group in groups {
            let lag = group.lag.partitions.first { $0.partition == partition }
            let handled = (lag?.committedOffset ?? 0) > offset
            var entry: [String: JSONValue] = [
                "group": .string(group.group),
                "state": .string(handled ? "acknowledged" : "pending"),
                "committedOffset": .integer(lag?.committedOffset.value ?? 0),
                "partitionInFlight": .integer(Int64(lag?.inFlight ?? 0)),
                "partitionAwaitingRedelivery": .integer(Int64(lag?.awaitingRedelivery ?? 0)),
                "members": .array(group.members.map { .object(["id": .integer(Int64($0.id)), "inFlight": .integer(Int64($0.inFlight))]) }),
            ]
            // Backends that track single deliveries say more: to which member, until when, how often.
            if let delivery = try await brokerCall(
                topic, { try await broker.deliveryState(group: group.group, on: topic, partition: partition, offset: offset) })
            {
                entry["attempts"] = .integer(Int64(delivery.attempts))
                switch delivery.status {
                case .inFlight(let member, let deadline):
                    entry["state"] = .string("in flight")
                    entry["member"] = .integer(Int64(member))
                    entry["deadline"] = .string(RFC3339.format(deadline))
                case .awaitingRedelivery(let due):
                    entry["state"] = .string("awaiting redelivery")
                    entry["due"] = .string(RFC3339.format(due))
                case .acknowledged:
                    entry["state"] = .string("acknowledged")
                case .notDelivered:
                    entry["state"] = .string("pending")
                }
                if let failure = delivery.lastFailure { entry["lastFailure"] = .string(failure.description) }
                if let at = delivery.lastFailureAt { entry["lastFailureAt"] = .string(RFC3339.format(at)) }
            }
            if let sighting = sightings.last(where: { $0.group == group.group }) {
                entry["state"] = .string("dead-lettered")
                entry["attempts"] = .integer(Int64(sighting.attempts))
                entry["reason"] = .string(sighting.reason)
                entry["deadLetter"] = .string("\(sighting.deadLetterTopic) \(sighting.partition.index):\(sighting.offset.value)")
                entry["deadLetteredAt"] = .string(RFC3339.format(sighting.at))
                if let copy = copies.last(where: { $0.offset > offset || $0.partition != partition }) {
                    entry["state"] = .string("redriven")
                    entry["redrivenTo"] = .string("\(copy.topic) \(copy.partition.index):\(copy.offset.value)")
                }
            }
            life.append(.object(entry))
        }
        guard case .object(var members) = try Self.document(stored, topic: topic) else {
            throw Problem.invalidRequest("event", "is not an object", topic: topic)
        }
        members["groups"] = .array(life)
        return try JSONResponse.make(JSONValue.object(members))
    }

    /// `stored` as the browser lists it: where, when stored, and the CloudEvents JSON envelope.
    static func document(_ stored: StoredEvent, topic: String) throws -> JSONValue {
        let envelope = try JSONValue(parsing: try CloudEventJSON.encode(stored.event), limits: JSONLimits(maximumDepth: 256, maximumBytes: 64 << 20))
        return .object([
            "topic": .string(topic), "partition": .integer(Int64(stored.partition.index)), "offset": .integer(stored.offset.value),
            "storedAt": .string(RFC3339.format(stored.storedAt)), "event": envelope,
        ])
    }
}
