import Foundation
import Herald
import Hummingbird
import NIOCore

/// The flow map learned from traffic and the traces by correlation id. Needs the `read` permission (or
/// `admin`) on some topic; only the topics the token may read are shown.
///
/// - `GET /flow` (JSON), `GET /flow/mermaid` (a Mermaid flowchart), `GET /flow/asyncapi` (AsyncAPI 3.0)
/// - `GET /traces/{correlationId}`: the flow's events, oldest first, each with its depth in the tree of
///   what caused what; `GET /traces` lists the correlation ids seen last
struct FlowRoutes: Sendable {
    let broker: any BrokerAdmin
    let authorizer: Authorizer
    let observer: TrafficObserver

    /// The most events one trace reads.
    static let maximumTraced = 1_000

    func register(on router: Router<some RequestContext>) {
        router.get("flow") { request, _ in
            let principal = try authorizer.authorize(request.headers, .read, topic: nil)
            return try JSONResponse.make(try await visibleFlow(principal).document)
        }
        router.get("flow/mermaid") { request, _ in
            let principal = try authorizer.authorize(request.headers, .read, topic: nil)
            let text = try await visibleFlow(principal).mermaid
            return Response(status: .ok, headers: [.contentType: "text/vnd.mermaid; charset=utf-8"], body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
        }
        router.get("flow/asyncapi") { request, _ in
            let principal = try authorizer.authorize(request.headers, .read, topic: nil)
            return try JSONResponse.make(try await visibleFlow(principal).asyncAPI)
        }
        router.get("traces") { request, _ in
            _ = try authorizer.authorize(request.headers, .read, topic: nil)
            try await observer.warmUp()
            let recent = await observer.correlations.recent(100)
            return try JSONResponse.make(JSONValue.object(["correlationIds": .array(recent.map(JSONValue.string))]))
        }
        router.get("traces/:correlation") { request, context in
            let principal = try authorizer.authorize(request.headers, .read, topic: nil)
            let correlation = try context.parameters.require("correlation")
            return try await trace(correlation, principal: principal)
        }
    }

    private func visibleFlow(_ principal: Principal) async throws -> FlowMap {
        try await observer.warmUp()
        let flow = await observer.flow
        return flow.restricted { principal.allows(.read, topic: $0) }
    }

    private func trace(_ correlation: String, principal: Principal) async throws -> Response {
        try await observer.warmUp()
        let index = await observer.correlations
        let positions = index.positions(of: correlation).filter { principal.allows(.read, topic: $0.topic) }.prefix(Self.maximumTraced)
        guard !positions.isEmpty else {
            throw Problem(
                status: .notFound, code: "notFound", title: "No such flow",
                detail:
                    "no event with correlation id '\(correlation.prefix(200))' has been seen (the server indexes what it read since it started: the newest events of each partition, then every new one)"
            )
        }
        var candidates: [TracedEvent] = []
        for position in positions {
            let page = try await brokerCall(position.topic) {
                try await broker.read(topic: position.topic, partition: position.partition, from: position.offset, limit: 1)
            }
            guard let stored = page.first, stored.offset == position.offset else { continue }
            candidates.append(TracedEvent(topic: position.topic, partition: position.partition, offset: position.offset, event: stored.event))
        }
        let flow = FlowTrace(correlationID: correlation, candidates: candidates)
        var rows: [JSONValue] = []
        var visited = Set<TracedEvent>()
        func walk(_ traced: TracedEvent, depth: Int) {
            guard visited.insert(traced).inserted, depth < 64 else { return }
            rows.append(Self.row(traced, depth: depth))
            for effect in flow.effects(of: traced) { walk(effect, depth: depth + 1) }
        }
        for root in flow.roots { walk(root, depth: 0) }
        for traced in flow.events where !visited.contains(traced) { walk(traced, depth: 0) }
        let services = Set(flow.events.map(\.event.source)).sorted()
        return try JSONResponse.make(
            JSONValue.object([
                "correlationId": .string(correlation), "events": .array(rows), "services": .array(services.map(JSONValue.string)),
                "truncated": .bool(index.truncated(correlation) || positions.count == Self.maximumTraced),
            ]))
    }

    private static func row(_ traced: TracedEvent, depth: Int) -> JSONValue {
        let event = traced.event
        return .object([
            "depth": .integer(Int64(depth)), "id": .string(event.id), "type": .string(event.type), "source": .string(event.source),
            "subject": event.subject.map(JSONValue.string) ?? .null, "time": event.time.map { .string(RFC3339.format($0)) } ?? .null,
            "topic": .string(traced.topic), "partition": .integer(Int64(traced.partition.index)), "offset": .integer(traced.offset.value),
            "causationId": traced.causationID.map(JSONValue.string) ?? .null,
        ])
    }
}
