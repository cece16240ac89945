import Foundation
import HTTPTypes
import Herald
import Hummingbird
import NIOCore

/// The admin API: topics (list, create, describe, delete) and consumer groups (list, describe, seek, dead
/// letters). A change needs the `admin` permission on the topic it names, a look `read` (or `admin`); the
/// topic list shows the topics the token may read.
///
/// - `GET /topics`, `POST /topics` (a topic's settings as the config file spells them: 201 when created,
///   200 when the same topic exists, 409 when a different one does)
/// - `GET /topics/{topic}`, `DELETE /topics/{topic}`
/// - `GET /topics/{topic}/groups`, `GET /topics/{topic}/groups/{group}`
/// - `POST /topics/{topic}/groups/{group}/seek` with `{"to": "earliest"}`, `{"offset": 42}`,
///   `{"offsets": {"0": 42}}` or `{"time": "2026-12-01T00:00:00Z"}`
/// - `POST /topics/{topic}/groups/{group}/pause`, `POST …/resume` (no body; 501 from a backend that cannot)
struct AdminRoutes: Sendable {
    let broker: any BrokerAdmin
    let authorizer: Authorizer

    func register(on router: Router<some RequestContext>) {
        router.get("topics") { request, _ in try await listTopics(request) }
        router.post("topics") { request, _ in try await createTopic(request) }
        router.get("topics/:topic") { request, context in
            let topic = try context.parameters.require("topic")
            _ = try authorizer.authorize(request.headers, .read, topic: topic)
            return try JSONResponse.make(AdminDocuments.Topic(try await brokerCall(topic) { try await broker.describeTopic(topic) }))
        }
        router.delete("topics/:topic") { request, context in
            let topic = try context.parameters.require("topic")
            _ = try authorizer.authorize(request.headers, .admin, topic: topic)
            try await brokerCall(topic) { try await broker.deleteTopic(topic) }
            return Response(status: .noContent)
        }
        router.get("topics/:topic/groups") { request, context in
            let topic = try context.parameters.require("topic")
            _ = try authorizer.authorize(request.headers, .read, topic: topic)
            let groups = try await brokerCall(topic) { try await broker.describeGroups(of: topic) }
            return try JSONResponse.make(AdminDocuments.GroupList(groups: groups.map(AdminDocuments.Group.init)))
        }
        router.get("topics/:topic/groups/:group") { request, context in
            let topic = try context.parameters.require("topic")
            let group = try context.parameters.require("group")
            _ = try authorizer.authorize(request.headers, .read, topic: topic)
            return try JSONResponse.make(AdminDocuments.Group(try await brokerCall(topic) { try await broker.describeGroup(group, on: topic) }))
        }
        router.post("topics/:topic/groups/:group/seek") { request, context in
            try await seek(request, context: context)
        }
        router.post("topics/:topic/groups/:group/pause") { request, context in
            try await setPaused(true, request, context: context)
        }
        router.post("topics/:topic/groups/:group/resume") { request, context in
            try await setPaused(false, request, context: context)
        }
    }

    private func setPaused(_ paused: Bool, _ request: Request, context: some RequestContext) async throws -> Response {
        let topic = try context.parameters.require("topic")
        let group = try context.parameters.require("group")
        _ = try authorizer.authorize(request.headers, .admin, topic: topic)
        try await brokerCall(topic) {
            if paused {
                try await broker.pause(group: group, on: topic)
            } else {
                try await broker.resume(group: group, on: topic)
            }
        }
        return try JSONResponse.make(AdminDocuments.Group(try await brokerCall(topic) { try await broker.describeGroup(group, on: topic) }))
    }

    private func listTopics(_ request: Request) async throws -> Response {
        let principal = try authorizer.authorize(request.headers, .read, topic: nil)
        let topics = try await brokerCall(nil) { try await broker.topics() }
        let visible = topics.filter { principal.allows(.read, topic: $0.name) }.sorted { $0.name < $1.name }
        return try JSONResponse.make(AdminDocuments.TopicList(topics: visible.map(AdminDocuments.TopicSettings.init)))
    }

    private func createTopic(_ request: Request) async throws -> Response {
        let body = try await JSONRequest.body(of: request, upTo: JSONRequest.maximumBytes, topic: nil)
        let configuration: TopicConfiguration
        do {
            let document = try JSONValue(parsing: body, limits: JSONLimits(maximumDepth: 8, maximumBytes: JSONRequest.maximumBytes))
            configuration = try ConfigurationKeyReader(path: "the request body").topic(document, at: nil)
        } catch let error as ServerConfigurationError {
            throw Problem.invalidRequest(error.key ?? "body", error.message, topic: nil)
        } catch {
            throw Problem.invalidRequest("body", "must be a JSON object of topic settings: \(error)", topic: nil)
        }
        _ = try authorizer.authorize(request.headers, .admin, topic: configuration.name)
        let existed = try await brokerCall(configuration.name) { try await broker.topics() }.contains { $0.name == configuration.name }
        try await brokerCall(configuration.name) { try await broker.createTopic(configuration) }
        let description = try await brokerCall(configuration.name) { try await broker.describeTopic(configuration.name) }
        return try JSONResponse.make(AdminDocuments.Topic(description), status: existed ? .ok : .created)
    }

    private func seek(_ request: Request, context: some RequestContext) async throws -> Response {
        let topic = try context.parameters.require("topic")
        let group = try context.parameters.require("group")
        _ = try authorizer.authorize(request.headers, .admin, topic: topic)
        let body = try await JSONRequest.decode(AdminDocuments.SeekRequest.self, from: request, topic: topic)
        let target = try Self.target(of: body, topic: topic)
        try await brokerCall(topic) { try await broker.seek(group: group, on: topic, to: target) }
        return try JSONResponse.make(AdminDocuments.Group(try await brokerCall(topic) { try await broker.describeGroup(group, on: topic) }))
    }

    /// The seek target a body names.
    ///
    /// - Throws: a 400 ``Problem`` unless exactly one member is set, and valid.
    static func target(of body: AdminDocuments.SeekRequest, topic: String) throws(Problem) -> SeekTarget {
        let set = [body.to != nil, body.offset != nil, body.offsets != nil, body.time != nil].filter { $0 }.count
        guard set == 1 else { throw Problem.invalidRequest("body", "must set exactly one of to, offset, offsets and time; it sets \(set)", topic: topic) }
        if let to = body.to {
            switch to {
            case "earliest": return .earliest
            case "latest": return .latest
            default: throw Problem.invalidRequest("to", "must be earliest or latest; it is '\(to.prefix(100))'", topic: topic)
            }
        }
        if let offset = body.offset {
            guard offset >= 0 else { throw Problem.invalidRequest("offset", "must be 0 or more; it is \(offset)", topic: topic) }
            return .offset(Offset(offset))
        }
        if let offsets = body.offsets {
            var targets: [Partition: Offset] = [:]
            for (key, offset) in offsets {
                guard let index = Int(key), index >= 0, offset >= 0 else {
                    throw Problem.invalidRequest("offsets.\(key.prefix(20))", "must map a partition number to an offset of 0 or more", topic: topic)
                }
                targets[Partition(index)] = Offset(offset)
            }
            return .offsets(targets)
        }
        let text = body.time ?? ""
        let fractional = ISO8601DateFormatter()
        fractional.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        guard let date = ISO8601DateFormatter().date(from: text) ?? fractional.date(from: text) else {
            throw Problem.invalidRequest("time", "must be an RFC 3339 instant such as 2026-12-01T00:00:00Z; it is '\(text.prefix(100))'", topic: topic)
        }
        return .time(date)
    }
}

/// Runs a broker call, answering its ``Herald/BrokerError`` as the problem its code maps to.
func brokerCall<T: Sendable>(_ topic: String?, _ body: () async throws -> T) async throws -> T {
    do {
        return try await body()
    } catch let error as BrokerError {
        throw Problem(error, topic: topic)
    }
}
