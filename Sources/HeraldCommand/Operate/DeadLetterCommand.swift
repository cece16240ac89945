import ArgumentParser
import Foundation
import NIOCore
import NIOFoundationCompat
import NIOHTTP1

/// `herald dlq`: dead-letter triage of a consumer group (see Docs/server.md).
struct DeadLetterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dlq", abstract: "Triage a group's dead letters: categories, show, redrive, archive, edit, export, import.",
        subcommands: [Categories.self, List.self, Show.self, Redrive.self, Archive.self, Edit.self, Export.self, Import.self],
        defaultSubcommand: Categories.self)

    /// The topic and group every subcommand names.
    struct Target: ParsableArguments {
        @Argument(help: "The topic.") var topic: String
        @Argument(help: "The consumer group.") var group: String

        var path: String { "/topics/\(pathSegment(topic))/groups/\(pathSegment(group))/deadletters" }

        /// The path of the dead letter at `position` (`<partition>:<offset>`).
        func path(of position: String) throws -> String {
            let parts = position.split(separator: ":")
            guard parts.count == 2, parts.allSatisfy({ Int64($0) != nil }) else {
                throw ValidationError("the position '\(position)' is not <partition>:<offset>")
            }
            return path + "/\(parts[0])/\(parts[1])"
        }
    }

    /// Which dead letters a redrive or archive means.
    struct Selection: ParsableArguments {
        @Option(help: "Every open dead letter of this category.") var category: String?
        @Option(parsing: .upToNextOption, help: "These positions (<partition>:<offset>).") var positions: [String] = []
        @Flag(help: "Every open dead letter.") var all = false
        @Flag(help: "Only say what would happen.") var dryRun = false

        func validate() throws {
            let given = [category != nil, !positions.isEmpty, all].filter { $0 }.count
            if given != 1 { throw ValidationError("select with exactly one of --category, --positions and --all (\(given) given)") }
        }

        func body(limit: Int? = nil, dryRun: Bool? = nil) -> String {
            var body: [String: Any] = ["dryRun": dryRun ?? self.dryRun]
            if let category { body["category"] = category }
            if !positions.isEmpty { body["positions"] = positions }
            if all { body["all"] = true }
            if let limit { body["limit"] = limit }
            return prettyJSON(body)
        }
    }

    struct Categories: OperatorCommand {
        static let configuration = CommandConfiguration(abstract: "The open dead letters by failure category.")
        @OptionGroup var connection: ServerOptions
        @OptionGroup var target: Target
        @Flag(help: "Print the JSON answer.") var json = false

        func run() async throws {
            try await withSession { session in
                let answer = try await session.json(.GET, target.path + "/categories")
                if json { return print(prettyJSON(answer)) }
                let rows = (answer["categories"] as? [[String: Any]] ?? []).map { category in
                    ["id", "count", "errorType", "eventType", "lastSeen", "pattern"].map { "\(category[$0] ?? "")" }
                }
                print(TextTable(header: ["category", "count", "error", "event type", "last seen", "message"], rows: rows).render())
                print("\(answer["open"] ?? 0) open dead letters")
            }
        }
    }

    struct List: OperatorCommand {
        static let configuration = CommandConfiguration(abstract: "List open dead letters, of one category if given.")
        @OptionGroup var connection: ServerOptions
        @OptionGroup var target: Target
        @Option(help: "Only this category.") var category: String?
        @Option(help: "At most this many.") var limit = 100
        @Flag(help: "Print the JSON answer.") var json = false

        func run() async throws {
            var query = "?limit=\(limit)"
            if let category { query += "&category=\(pathSegment(category))" }
            try await withSession { session in
                let answer = try await session.json(.GET, target.path + query)
                if json { return print(prettyJSON(answer)) }
                let rows = (answer["deadLetters"] as? [[String: Any]] ?? []).map { letter in
                    [
                        "\(letter["position"] ?? "")", "\((letter["event"] as? [String: Any])?["id"] ?? "")", "\(letter["attempts"] ?? "")",
                        "\(letter["redrives"] ?? 0)", "\(letter["errorType"] ?? ""): \(letter["message"] ?? "")",
                    ]
                }
                print(TextTable(header: ["position", "event id", "attempts", "redrives", "failure"], rows: rows).render())
            }
        }
    }

    struct Show: OperatorCommand {
        static let configuration = CommandConfiguration(abstract: "Show one dead letter: its event, failure and history.")
        @OptionGroup var connection: ServerOptions
        @OptionGroup var target: Target
        @Argument(help: "Its position, <partition>:<offset>.") var position: String

        func run() async throws {
            let path = try target.path(of: position)
            try await withSession { session in print(prettyJSON(try await session.json(.GET, path))) }
        }
    }

    struct Redrive: OperatorCommand {
        static let configuration = CommandConfiguration(
            abstract: "Send dead letters back to their topic; --dry-run first says what would happen.",
            discussion: "A large selection is redriven in steps of 1,000, with a progress bar; each step is one audit log entry.")
        @OptionGroup var connection: ServerOptions
        @OptionGroup var target: Target
        @OptionGroup var selection: Selection

        func run() async throws {
            try await withSession { session in
                let plan = try await session.json(.POST, target.path + "/redrive", json: selection.body(dryRun: true))
                let total = plan["count"] as? Int ?? 0
                if selection.dryRun {
                    print(
                        "would redrive \(total) dead letters: \(prettyJSON(["topics": plan["topics"] ?? [:], "categories": plan["categories"] ?? [:], "skipped": plan["skipped"] ?? [:]]))"
                    )
                    return
                }
                var progress = ProgressBar("redriving", total: total)
                var done = 0
                var duplicates = 0
                while done < total {
                    let step = try await session.json(.POST, target.path + "/redrive", json: selection.body(limit: 1_000, dryRun: false))
                    let count = step["count"] as? Int ?? 0
                    if count == 0 { break }
                    done += count
                    duplicates += step["duplicates"] as? Int ?? 0
                    progress.update(done)
                    if !selection.positions.isEmpty { break }
                }
                progress.finish()
                print("redrove \(done) dead letters (\(duplicates) already there from an earlier redrive)")
            }
        }
    }

    struct Archive: OperatorCommand {
        static let configuration = CommandConfiguration(abstract: "Set dead letters aside: kept, out of the counts.")
        @OptionGroup var connection: ServerOptions
        @OptionGroup var target: Target
        @OptionGroup var selection: Selection

        func run() async throws {
            try await withSession { session in
                let answer = try await session.json(.POST, target.path + "/archive", json: selection.body())
                print("\(selection.dryRun ? "would archive" : "archived") \(answer["count"] ?? 0) dead letters")
            }
        }
    }

    struct Edit: OperatorCommand {
        static let configuration = CommandConfiguration(
            abstract: "Replace a dead letter by an edited event (a new id) published to its topic; needs the admin permission.")
        @OptionGroup var connection: ServerOptions
        @OptionGroup var target: Target
        @Argument(help: "Its position, <partition>:<offset>.") var position: String
        @Option(help: "A file holding the edited event in the JSON event format.") var file: String
        @Flag(help: "Only say what would happen.") var dryRun = false

        func run() async throws {
            let path = try target.path(of: position) + "/edit"
            guard let data = FileManager.default.contents(atPath: file), let event = String(data: data, encoding: .utf8) else {
                throw ValidationError("cannot read --file \(file)")
            }
            try await withSession { session in
                let answer = try await session.json(.POST, path, json: #"{"dryRun":\#(dryRun),"event":\#(event)}"#)
                print(prettyJSON(answer))
            }
        }
    }

    struct Export: OperatorCommand {
        static let configuration = CommandConfiguration(abstract: "Write every dead letter as JSON lines (position, open, event).")
        @OptionGroup var connection: ServerOptions
        @OptionGroup var target: Target
        @Option(help: "Write to this file (default: standard output).") var output: String?

        func run() async throws {
            try await withSession { session in
                let body = try await session.send(.GET, target.path + "/export")
                let data = Data(buffer: body)
                if let output {
                    guard FileManager.default.createFile(atPath: output, contents: data) else { throw ValidationError("cannot write --output \(output)") }
                    StandardError.line("exported \(data.filter { $0 == UInt8(ascii: "\n") }.count) dead letters to \(output)")
                } else {
                    FileHandle.standardOutput.write(data)
                }
            }
        }
    }

    struct Import: OperatorCommand {
        static let configuration = CommandConfiguration(abstract: "Read exported JSON lines into the group's dead letters; needs admin.")
        @OptionGroup var connection: ServerOptions
        @OptionGroup var target: Target
        @Option(help: "The export file.") var file: String

        func run() async throws {
            guard let data = FileManager.default.contents(atPath: file) else { throw ValidationError("cannot read --file \(file)") }
            let lines = data.split(separator: UInt8(ascii: "\n"))
            try await withSession { session in
                var progress = ProgressBar("importing", total: lines.count)
                var stored = 0
                var duplicates = 0
                for start in stride(from: 0, to: lines.count, by: 1_000) {
                    var chunk = ByteBuffer()
                    for line in lines[start..<min(start + 1_000, lines.count)] {
                        chunk.writeBytes(line)
                        chunk.writeString("\n")
                    }
                    let answer = try await session.send(.POST, target.path + "/import", body: chunk, contentType: "application/x-ndjson")
                    let report = (try? JSONSerialization.jsonObject(with: Data(buffer: answer))) as? [String: Any] ?? [:]
                    stored += report["count"] as? Int ?? 0
                    duplicates += report["duplicates"] as? Int ?? 0
                    progress.update(min(start + 1_000, lines.count))
                }
                progress.finish()
                print("imported \(stored) dead letters (\(duplicates) were there already)")
            }
        }
    }
}
