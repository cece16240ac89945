import Foundation
import HTTPTypes
import Herald
import Hummingbird
import NIOCore

/// Dead-letter triage over HTTP, under `/topics/{topic}/groups/{group}/deadletters`:
///
/// - `GET …/categories`: the open dead letters grouped into failure categories, with counts, first and
///   last seen;
/// - `GET …?category=ID&limit=N`: open dead letters (of one category), each with its record and event;
/// - `GET …/{partition}/{offset}`: one, whether it is open, and its failure history (the dead letters it
///   was redriven from);
/// - `POST …/redrive` and `POST …/archive` with `{"category": ID}`, `{"positions": ["0:4"]}` or
///   `{"all": true}`, and `"dryRun": true` to see what would happen;
/// - `POST …/{partition}/{offset}/edit` with `{"event": {…}}`: publish an edited event in its place;
/// - `GET …/export`: every dead letter as JSON lines (`position`, `open`, `event`);
///   `POST …/import`: those lines into the group's dead-letter topic;
/// - `GET /audit`: the audit log.
///
/// Reading, exporting, redriving and archiving need `consume` or `admin` on the topic; editing and
/// importing need `admin`.
struct TriageRoutes: Sendable {
    let triage: DeadLetterTriage
    let authorizer: Authorizer
    let limits: ServerLimits

    /// The most dead letters one list answer holds.
    static let maximumListed = 10_000

    func register(on router: Router<some RequestContext>) {
        let base = "topics/:topic/groups/:group/deadletters"
        router.get("\(base)/categories") { request, context in
            let (topic, group, _) = try names(request, context, permission: .read)
            let result = try await triageCall(topic) { try await triage.categories(topic: topic, group: group) }
            return try JSONResponse.make(
                TriageDocuments.CategoryList(
                    categories: result.categories.map(TriageDocuments.Category.init), open: result.categories.reduce(0) { $0 + $1.count },
                    scanned: result.scanned, truncated: result.truncated))
        }
        router.get(RouterPath(base)) { request, context in
            let (topic, group, _) = try names(request, context, permission: .read)
            let limit = request.uri.queryParameters.get("limit").flatMap { Int($0) } ?? 100
            guard (1...Self.maximumListed).contains(limit) else {
                throw Problem.invalidRequest("limit", "must be from 1 to \(Self.maximumListed); it is \(limit)", topic: topic)
            }
            let category = request.uri.queryParameters.get("category")
            let letters = try await triageCall(topic) { try await triage.list(topic: topic, group: group, category: category, limit: limit) }
            return try JSONResponse.make(JSONValue.object(["deadLetters": .array(try letters.map(Self.document))]))
        }
        router.get("\(base)/:partition/:offset") { request, context in
            let (topic, group, _) = try names(request, context, permission: .read)
            let position = try Self.position(context, topic: topic)
            let shown = try await triageCall(topic) { try await triage.show(topic: topic, group: group, position: position) }
            var document = try Self.document(shown.letter)
            if case .object(var members) = document {
                members["open"] = .bool(shown.isOpen)
                members["history"] = .array(try shown.history.map(Self.document))
                document = .object(members)
            }
            return try JSONResponse.make(document)
        }
        for action in [TriageAuditEntry.Action.redrive, .archive] {
            router.post("\(base)/\(action.rawValue)") { request, context in
                let (topic, group, principal) = try names(request, context, permission: .consume)
                let (selection, dryRun, limit) = try await Self.selection(request, topic: topic)
                let report = try await triageCall(topic) {
                    action == .redrive
                        ? try await triage.redrive(topic: topic, group: group, selection: selection, dryRun: dryRun, limit: limit, actor: principal.name)
                        : try await triage.archive(topic: topic, group: group, selection: selection, dryRun: dryRun, limit: limit, actor: principal.name)
                }
                return try JSONResponse.make(report)
            }
        }
        router.post("\(base)/:partition/:offset/edit") { request, context in
            let (topic, group, principal) = try names(request, context, permission: .admin)
            let position = try Self.position(context, topic: topic)
            let (event, dryRun) = try await Self.editedEvent(request, topic: topic)
            let result = try await triageCall(topic) {
                try await triage.edit(topic: topic, group: group, position: position, replacement: event, dryRun: dryRun, actor: principal.name)
            }
            var members: [String: JSONValue] = ["report": try JSONValue(parsing: try JSONResponse.encode(result.report))]
            if let receipt = result.receipt {
                members["receipt"] = .object([
                    "id": .string(event.id), "partition": .integer(Int64(receipt.partition.index)), "offset": .integer(receipt.offset.value),
                    "duplicate": .bool(receipt.isDuplicate),
                ])
            }
            return try JSONResponse.make(JSONValue.object(members))
        }
        router.get("\(base)/export") { request, context in
            let (topic, group, _) = try names(request, context, permission: .read)
            let exported = try await triageCall(topic) { try await triage.export(topic: topic, group: group) }
            var lines: [ByteBuffer] = []
            var chunk = ByteBuffer()
            for (letter, isOpen) in exported.letters {
                let line = JSONValue.object([
                    "position": .string(letter.position.description), "open": .bool(isOpen),
                    "event": try JSONValue(parsing: CloudEventJSON.encode(letter.stored.event)),
                ])
                chunk.writeImmutableBuffer(try line.serialized())
                chunk.writeString("\n")
                if chunk.readableBytes >= 64 * 1024 {
                    lines.append(chunk)
                    chunk = ByteBuffer()
                }
            }
            if chunk.readableBytes > 0 { lines.append(chunk) }
            var headers: HTTPFields = [.contentType: "application/x-ndjson"]
            if exported.truncated, let truncated = HTTPField.Name("herald-truncated") { headers[truncated] = "true" }
            return Response(status: .ok, headers: headers, body: ResponseBody(contentsOf: lines))
        }
        router.post("\(base)/import") { request, context in
            let (topic, group, principal) = try names(request, context, permission: .admin)
            let events = try await Self.importedEvents(request, topic: topic, limits: limits)
            let report = try await triageCall(topic) { try await triage.importDeadLetters(events, topic: topic, group: group, actor: principal.name) }
            return try JSONResponse.make(report)
        }
        router.get("audit") { request, _ in
            let principal = try authorizer.authorize(request.headers, .read, topic: nil)
            let from = request.uri.queryParameters.get("from").flatMap { Int64($0) } ?? 0
            let limit = min(request.uri.queryParameters.get("limit").flatMap { Int($0) } ?? 100, Self.maximumListed)
            let entries = try await brokerCall(nil) { try await triage.auditEntries(from: max(0, from), limit: max(1, limit)) }
            let visible = entries.filter { principal.allows(.read, topic: $0.entry.topic) }
            return try JSONResponse.make(
                JSONValue.object([
                    "entries": .array(
                        try visible.map { item in
                            var document = try JSONValue(parsing: try JSONResponse.encode(item.entry))
                            if case .object(var members) = document {
                                members["offset"] = .integer(item.offset.value)
                                document = .object(members)
                            }
                            return document
                        })
                ]))
        }
    }

    /// The topic and group of the path, once the principal may do `permission` on the topic (`consume`
    /// also passes with `admin`, `read` with `consume`: a group's consumer may look at its dead letters).
    private func names(
        _ request: Request, _ context: some RequestContext, permission: AccessPermission
    ) throws -> (topic: String, group: String, principal: Principal) {
        let topic = try context.parameters.require("topic")
        let group = try context.parameters.require("group")
        let principal = try authorizer.authenticate(request.headers)
        if permission == .consume, principal.allows(.admin, topic: topic) { return (topic, group, principal) }
        if permission == .read, principal.allows(.consume, topic: topic) { return (topic, group, principal) }
        return (topic, group, try authorizer.authorize(request.headers, permission, topic: topic))
    }

    private static func position(_ context: some RequestContext, topic: String) throws -> DeadLetterPosition {
        let partition = try context.parameters.require("partition")
        let offset = try context.parameters.require("offset")
        guard let position = DeadLetterPosition("\(partition):\(offset)") else {
            throw Problem.invalidRequest("position", "'\(partition.prefix(20))/\(offset.prefix(20))' is not a partition and an offset", topic: topic)
        }
        return position
    }

    private static func selection(_ request: Request, topic: String) async throws -> (TriageSelection, Bool, Int?) {
        let body = try await JSONRequest.decode(TriageDocuments.SelectionRequest.self, from: request, topic: topic)
        if let limit = body.limit, limit < 1 { throw Problem.invalidRequest("limit", "must be at least 1; it is \(limit)", topic: topic) }
        let given = [body.positions != nil, body.category != nil, body.all == true].filter { $0 }.count
        guard given == 1 else {
            throw Problem.invalidRequest("body", "must select with exactly one of positions, category and all (true); it gives \(given)", topic: topic)
        }
        if let positions = body.positions {
            guard positions.count <= 100_000 else { throw Problem.invalidRequest("positions", "holds more than 100000", topic: topic) }
            let parsed = try positions.enumerated().map { index, text in
                guard let position = DeadLetterPosition(text) else {
                    throw Problem.invalidRequest("positions[\(index)]", "'\(text.prefix(40))' is not <partition>:<offset>", topic: topic, index: index)
                }
                return position
            }
            return (.positions(parsed), body.dryRun ?? false, body.limit)
        }
        if let category = body.category { return (.category(category), body.dryRun ?? false, body.limit) }
        return (.all, body.dryRun ?? false, body.limit)
    }

    private static func editedEvent(_ request: Request, topic: String) async throws -> (Event, Bool) {
        let body = try await JSONRequest.body(of: request, upTo: JSONRequest.maximumBytes, topic: topic)
        let document: JSONValue
        do {
            document = try JSONValue(parsing: body, limits: JSONLimits(maximumBytes: JSONRequest.maximumBytes))
        } catch {
            throw Problem.invalidRequest("body", "must be {\"event\": {…}} with the new event in the JSON event format: \(error)", topic: topic)
        }
        guard case .object(let members) = document, let event = members["event"] else {
            throw Problem.invalidRequest("event", "is required: the new event in the JSON event format", topic: topic)
        }
        var dryRun = false
        if let flag = members["dryRun"] {
            guard case .bool(let value) = flag else { throw Problem.invalidRequest("dryRun", "must be true or false", topic: topic) }
            dryRun = value
        }
        do {
            return (try CloudEventJSON.decode(try event.serialized()), dryRun)
        } catch let error as CloudEventError {
            throw Problem(error, topic: topic)
        }
    }

    /// The events of an import body: JSON lines, each an object with the exported `event`.
    private static func importedEvents(_ request: Request, topic: String, limits: ServerLimits) async throws -> [Event] {
        let body = try await JSONRequest.body(of: request, upTo: limits.maximumBodyBytes, topic: topic, limit: "limits.maximumBodyBytes")
        var events: [Event] = []
        for (index, line) in body.readableBytesView.split(separator: UInt8(ascii: "\n")).enumerated() {
            guard events.count < limits.maximumBatchEvents else {
                throw Problem.invalidRequest(
                    "body", "holds more than \(limits.maximumBatchEvents) lines (limits.maximumBatchEvents); send it in parts", topic: topic)
            }
            let document: JSONValue
            do {
                document = try JSONValue(parsing: ByteBuffer(bytes: line), limits: JSONLimits(maximumBytes: limits.maximumBodyBytes))
            } catch {
                throw Problem.invalidRequest("line \(index + 1)", "is not JSON: \(error)", topic: topic, index: index)
            }
            guard case .object(let members) = document, let event = members["event"] else {
                throw Problem.invalidRequest("line \(index + 1)", "must be an object with the exported event under \"event\"", topic: topic, index: index)
            }
            do {
                events.append(try CloudEventJSON.decode(try event.serialized()))
            } catch let error as CloudEventError {
                throw Problem(error, topic: topic)
            }
        }
        return events
    }

    /// A dead letter's record and its event (as stored: the original with the dead-letter attributes).
    static func document(_ letter: OpenDeadLetter) throws -> JSONValue {
        var members: [String: JSONValue] = ["event": try JSONValue(parsing: CloudEventJSON.encode(letter.deadLetter?.event ?? letter.stored.event))]
        if case .object(let record) = try JSONValue(parsing: try JSONResponse.encode(TriageDocuments.Record(letter))) {
            members.merge(record) { first, _ in first }
        }
        return .object(members)
    }
}

/// Runs a triage call, answering its errors as problems: ``TriageError`` by kind, ``Herald/BrokerError``
/// by its code.
func triageCall<T: Sendable>(_ topic: String, _ body: () async throws -> T) async throws -> T {
    do {
        return try await brokerCall(topic, body)
    } catch let error as TriageError {
        switch error {
        case .noDeadLetter, .unknownCategory:
            throw Problem(status: .notFound, code: "noSuchDeadLetter", title: "No such dead letter", detail: error.description, topic: topic)
        case .notOpen, .unreadable:
            throw Problem(status: .conflict, code: "deadLetterNotOpen", title: "The dead letter cannot be changed so", detail: error.description, topic: topic)
        case .notADeadLetter, .foreignDeadLetter:
            throw Problem(
                status: .badRequest, code: "invalidImport", title: "The import holds what is not a dead letter of this group", detail: error.description,
                topic: topic)
        case .editKeepsIdentity:
            throw Problem(
                status: .badRequest, code: "invalidEdit", title: "The edited event is not a new event", detail: error.description, attribute: "id", topic: topic
            )
        }
    }
}
