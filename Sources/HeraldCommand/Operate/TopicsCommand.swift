import ArgumentParser
import Foundation
import NIOHTTP1

/// `herald topics`: list, create, describe and delete topics.
struct TopicsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "topics", abstract: "List, create, describe and delete topics.",
        subcommands: [List.self, Create.self, Describe.self, Delete.self], defaultSubcommand: List.self)

    struct List: OperatorCommand {
        static let configuration = CommandConfiguration(abstract: "List the topics with their settings.")
        @OptionGroup var connection: ServerOptions
        @Flag(help: "Print the JSON answer.") var json = false

        func run() async throws {
            try await withSession { session in
                let answer = try await session.json(.GET, "/topics")
                if json { return print(prettyJSON(answer)) }
                let topics = answer["topics"] as? [[String: Any]] ?? []
                let rows = topics.map { topic in
                    ["name", "partitions", "maximumEvents", "overflowPolicy"].map { "\(topic[$0] ?? "")" }
                }
                print(TextTable(header: ["topic", "partitions", "maximum events", "when full"], rows: rows).render())
            }
        }
    }

    struct Create: OperatorCommand {
        static let configuration = CommandConfiguration(abstract: "Create a topic (nothing changes if the same topic exists).")
        @OptionGroup var connection: ServerOptions
        @Argument(help: "The topic's name.") var name: String
        @Option(help: "Partitions.") var partitions = 1
        @Option(help: "The most events kept.") var maximumEvents: Int?
        @Option(help: "When full: rejectPublish or dropOldest.") var overflowPolicy: String?

        func run() async throws {
            var settings: [String: Any] = ["name": name, "partitions": partitions]
            if let maximumEvents { settings["maximumEvents"] = maximumEvents }
            if let overflowPolicy { settings["overflowPolicy"] = overflowPolicy }
            let body = prettyJSON(settings)
            try await withSession { session in
                let answer = try await session.json(.POST, "/topics", json: body)
                print("topic \(answer["name"] ?? name): \((answer["partitions"] as? [Any])?.count ?? partitions) partitions")
            }
        }
    }

    struct Describe: OperatorCommand {
        static let configuration = CommandConfiguration(abstract: "Show a topic: settings, retention, and per partition its offsets and size.")
        @OptionGroup var connection: ServerOptions
        @Argument(help: "The topic.") var name: String

        func run() async throws {
            try await withSession { session in print(prettyJSON(try await session.json(.GET, "/topics/\(pathSegment(name))"))) }
        }
    }

    struct Delete: OperatorCommand {
        static let configuration = CommandConfiguration(abstract: "Delete a topic with its events and its groups' positions.")
        @OptionGroup var connection: ServerOptions
        @Argument(help: "The topic.") var name: String
        @Flag(help: "Confirm: the events cannot be brought back.") var yes = false

        func validate() throws {
            if !yes { throw ValidationError("deleting '\(name)' removes its events for good; add --yes to confirm") }
        }

        func run() async throws {
            try await withSession { session in
                _ = try await session.send(.DELETE, "/topics/\(pathSegment(name))")
                print("topic \(name) deleted")
            }
        }
    }
}
