import ArgumentParser
import Foundation
import NIOCore
import NIOHTTP1

/// `herald flow`: the flow map the server learned from traffic, as a table, Mermaid or AsyncAPI.
struct FlowCommand: OperatorCommand {
    /// How the map is printed.
    enum Format: String, ExpressibleByArgument, CaseIterable {
        case table, mermaid, asyncapi, json
    }

    static let configuration = CommandConfiguration(
        commandName: "flow", abstract: "Print the flow learned from traffic: who publishes which event types where, who consumes, who reacts to what.",
        discussion: "--format mermaid prints a Mermaid flowchart, asyncapi an AsyncAPI 3.0 document of what was observed.")
    @OptionGroup var connection: ServerOptions
    @Option(help: "table, mermaid, asyncapi or json.") var format: Format = .table

    func run() async throws {
        try await withSession { session in
            switch format {
            case .mermaid:
                print(String(buffer: try await session.send(.GET, "/flow/mermaid")), terminator: "")
            case .asyncapi:
                print(prettyJSON(try await session.json(.GET, "/flow/asyncapi")))
            case .json:
                print(prettyJSON(try await session.json(.GET, "/flow")))
            case .table:
                let flow = try await session.json(.GET, "/flow")
                let published = (flow["publications"] as? [[String: Any]] ?? []).map { edge in
                    ["\(edge["source"] ?? "")", "\(edge["type"] ?? "")", "\(edge["topic"] ?? "")", "\(edge["count"] ?? 0)"]
                }
                print(TextTable(header: ["service", "publishes", "to topic", "events"], rows: published).render())
                let consumed = (flow["consumptions"] as? [[String: Any]] ?? []).map { ["\($0["topic"] ?? "")", "\($0["group"] ?? "")"] }
                print("")
                print(TextTable(header: ["topic", "consumed by group"], rows: consumed).render())
                let reactions = (flow["reactions"] as? [[String: Any]] ?? []).map { edge in
                    ["\(edge["service"] ?? "")", "\(edge["cause"] ?? "")", "\(edge["reaction"] ?? "")", "\(edge["count"] ?? 0)"]
                }
                print("")
                print(TextTable(header: ["service", "reacts to", "with", "times"], rows: reactions).render())
            }
        }
    }
}
