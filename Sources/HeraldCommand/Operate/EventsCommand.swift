import ArgumentParser
import Foundation
import NIOHTTP1

/// `herald events`: the message browser — a topic's stored events by partition and offset or time,
/// filtered; or one event with its life in each group.
struct EventsCommand: OperatorCommand {
    static let configuration = CommandConfiguration(
        commandName: "events", abstract: "Browse a topic's stored events (by partition and offset or time, filtered), or show one with its life in each group.",
        discussion: """
            --filter takes clauses joined by 'and', each 'name operator value': name is an attribute (id, type, source, \
            subject, time, datacontenttype), an extension (correlationid, …) or a path into the JSON data (data.order.id); \
            the operators are == != ~= (contains) ^= (starts with). For example: --filter 'type == coffee.order.placed.v1 and data.drink ~= latte'. \
            With --offset, prints that one event and, per group, whether it is acknowledged, pending or dead-lettered.
            """)
    @OptionGroup var connection: ServerOptions
    @Argument(help: "The topic.") var topic: String
    @Option(help: "The partition.") var partition = 0
    @Option(help: "The first offset to read (default: the newest page).") var from: Int64?
    @Option(help: "Start at the first event stored at or after this RFC 3339 time instead.") var time: String?
    @Option(help: "A filter expression (see above).") var filter: String?
    @Option(help: "At most this many events (1 to 500).") var limit = 50
    @Option(help: "Show the one event at this offset of --partition, with its life in each group.") var offset: Int64?
    @Flag(help: "Print the JSON answer.") var json = false

    func validate() throws {
        if !(1...500).contains(limit) { throw ValidationError("--limit must be from 1 to 500; it is \(limit)") }
        if from != nil, time != nil { throw ValidationError("--from and --time both name where to start; give one") }
    }

    func run() async throws {
        try await withSession { session in
            let base = "/topics/\(pathSegment(topic))/events"
            if let offset {
                let answer = try await session.json(.GET, "\(base)/\(partition)/\(offset)")
                if json { return print(prettyJSON(answer)) }
                print(prettyJSON(answer["event"] ?? [:]))
                let rows = (answer["groups"] as? [[String: Any]] ?? []).map { group in
                    ["\(group["group"] ?? "")", "\(group["state"] ?? "")", group["reason"].map { "\($0)" } ?? "committed to \(group["committedOffset"] ?? 0)"]
                }
                return print(TextTable(header: ["group", "state", "detail"], rows: rows).render())
            }
            var query = ["partition=\(partition)", "limit=\(limit)"]
            if let from { query.append("from=\(from)") }
            if let time { query.append("time=\(queryValue(time))") }
            if let filter { query.append("filter=\(queryValue(filter))") }
            let answer = try await session.json(.GET, "\(base)?\(query.joined(separator: "&"))")
            if json { return print(prettyJSON(answer)) }
            let rows = (answer["events"] as? [[String: Any]] ?? []).map { item in
                let event = item["event"] as? [String: Any] ?? [:]
                return ["\(item["offset"] ?? "")", "\(event["type"] ?? "")", "\(event["source"] ?? "")", "\(event["subject"] ?? "-")", "\(event["id"] ?? "")"]
            }
            print(TextTable(header: ["offset", "type", "source", "subject", "id"], rows: rows).render())
            print("read \(answer["scanned"] ?? 0) events; the next page starts at offset \(answer["next"] ?? 0) of \(answer["endOffset"] ?? 0)")
        }
    }
}

/// Percent-encodes a value for a URL query (every character but the unreserved ones).
func queryValue(_ value: String) -> String {
    value.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? value
}
