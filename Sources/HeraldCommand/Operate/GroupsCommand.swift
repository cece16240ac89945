import ArgumentParser
import Foundation
import NIOHTTP1

/// `herald groups`: a topic's consumer groups, with lag; seek, pause, resume.
struct GroupsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "groups", abstract: "List a topic's consumer groups with their lag, describe one, seek, pause, resume.",
        subcommands: [List.self, Describe.self, Seek.self, Pause.self, Resume.self], defaultSubcommand: List.self)

    struct List: OperatorCommand {
        static let configuration = CommandConfiguration(abstract: "List a topic's groups: members, pending, in flight.")
        @OptionGroup var connection: ServerOptions
        @Argument(help: "The topic.") var topic: String
        @Flag(help: "Print the JSON answer.") var json = false

        func run() async throws {
            try await withSession { session in
                let answer = try await session.json(.GET, "/topics/\(pathSegment(topic))/groups")
                if json { return print(prettyJSON(answer)) }
                let rows = (answer["groups"] as? [[String: Any]] ?? []).map { group in
                    [
                        "\(group["group"] ?? "")", "\((group["members"] as? [Any])?.count ?? 0)", "\(group["pending"] ?? 0)", "\(group["inFlight"] ?? 0)",
                        group["paused"] as? Bool == true ? "paused" : "running", "\(group["deadLetterTopic"] ?? "")",
                    ]
                }
                print(TextTable(header: ["group", "members", "pending", "in flight", "state", "dead letters in"], rows: rows).render())
            }
        }
    }

    struct Describe: OperatorCommand {
        static let configuration = CommandConfiguration(abstract: "Show a group: settings, members, lag per partition.")
        @OptionGroup var connection: ServerOptions
        @Argument(help: "The topic.") var topic: String
        @Argument(help: "The group.") var group: String

        func run() async throws {
            try await withSession { session in
                print(prettyJSON(try await session.json(.GET, "/topics/\(pathSegment(topic))/groups/\(pathSegment(group))")))
            }
        }
    }

    struct Seek: OperatorCommand {
        static let configuration = CommandConfiguration(abstract: "Move a group's position: to the start or end, an offset, or a time.")
        @OptionGroup var connection: ServerOptions
        @Argument(help: "The topic.") var topic: String
        @Argument(help: "The group.") var group: String
        @Option(help: "earliest or latest.") var to: String?
        @Option(help: "This offset in every partition.") var offset: Int64?
        @Option(help: "The first event at or after this RFC 3339 time, in every partition.") var time: String?

        func validate() throws {
            let given = [to != nil, offset != nil, time != nil].filter { $0 }.count
            if given != 1 { throw ValidationError("give exactly one of --to, --offset and --time (\(given) given)") }
            if let to, to != "earliest", to != "latest" { throw ValidationError("--to must be earliest or latest, not '\(to)'") }
        }

        func run() async throws {
            let body: [String: Any] = to.map { ["to": $0] } ?? offset.map { ["offset": $0] } ?? ["time": time ?? ""]
            try await withSession { session in
                let answer = try await session.json(.POST, "/topics/\(pathSegment(topic))/groups/\(pathSegment(group))/seek", json: prettyJSON(body))
                print("group \(group) on \(topic): \(answer["pending"] ?? 0) pending")
            }
        }
    }

    struct Pause: OperatorCommand {
        static let configuration = CommandConfiguration(
            abstract: "Pause a group: it hands out nothing, new or redelivered, until resumed (kept across restarts).")
        @OptionGroup var connection: ServerOptions
        @Argument(help: "The topic.") var topic: String
        @Argument(help: "The group.") var group: String

        func run() async throws {
            try await withSession { session in
                let answer = try await session.json(.POST, "/topics/\(pathSegment(topic))/groups/\(pathSegment(group))/pause")
                print("group \(group) on \(topic): paused, \(answer["pending"] ?? 0) pending")
            }
        }
    }

    struct Resume: OperatorCommand {
        static let configuration = CommandConfiguration(abstract: "Resume a paused group: its consumers get deliveries again at once.")
        @OptionGroup var connection: ServerOptions
        @Argument(help: "The topic.") var topic: String
        @Argument(help: "The group.") var group: String

        func run() async throws {
            try await withSession { session in
                let answer = try await session.json(.POST, "/topics/\(pathSegment(topic))/groups/\(pathSegment(group))/resume")
                print("group \(group) on \(topic): running, \(answer["pending"] ?? 0) pending")
            }
        }
    }
}
