import ArgumentParser
import Foundation
import NIOHTTP1

/// `herald trace`: a flow's events by correlation id, as the tree of what caused what.
struct TraceCommand: OperatorCommand {
    static let configuration = CommandConfiguration(
        commandName: "trace", abstract: "Show a flow by correlation id: its events across services, oldest first, indented under their cause.",
        discussion: "Without an id, lists the correlation ids seen last.")
    @OptionGroup var connection: ServerOptions
    @Argument(help: "The correlation id (the id of the event that started the flow).") var correlationID: String?
    @Flag(help: "Print the JSON answer.") var json = false

    func run() async throws {
        try await withSession { session in
            guard let correlationID else {
                let recent = try await session.json(.GET, "/traces")
                if json { return print(prettyJSON(recent)) }
                for id in recent["correlationIds"] as? [String] ?? [] { print(id) }
                return
            }
            let trace = try await session.json(.GET, "/traces/\(pathSegment(correlationID))")
            if json { return print(prettyJSON(trace)) }
            for event in trace["events"] as? [[String: Any]] ?? [] {
                let depth = event["depth"] as? Int ?? 0
                let indent = String(repeating: "  ", count: depth)
                print(
                    "\(event["time"] as? String ?? "-")  \(indent)\(event["type"] ?? "")  from \(event["source"] ?? "")  in \(event["topic"] ?? "") \(event["partition"] ?? 0):\(event["offset"] ?? 0)"
                )
            }
            let services = trace["services"] as? [String] ?? []
            print("\((trace["events"] as? [Any])?.count ?? 0) events across \(services.count) services: \(services.joined(separator: ", "))")
        }
    }
}
