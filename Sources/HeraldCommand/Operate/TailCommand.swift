import ArgumentParser
import Foundation
import NIOHTTP1

/// `herald tail`: follows a topic as a consumer group of its own, printing each event.
struct TailCommand: OperatorCommand {
    static let configuration = CommandConfiguration(
        commandName: "tail", abstract: "Follow a topic: print each event as it arrives (pretty, or --json lines).",
        discussion:
            "Reads as the group --group (default herald-tail), which starts at the end unless --from-beginning, and acknowledges what it printed. Stops at --max-events, or on Ctrl-C."
    )
    @OptionGroup var connection: ServerOptions
    @Argument(help: "The topic.") var topic: String
    @Option(help: "The consumer group to read as.") var group = "herald-tail"
    @Flag(help: "Start a new group at the oldest event instead of the next one.") var fromBeginning = false
    @Flag(help: "Print each event as one line of the JSON event format.") var json = false
    @Option(help: "Stop after this many events.") var maxEvents: Int?

    func validate() throws {
        if let maxEvents, maxEvents < 1 { throw ValidationError("--max-events must be at least 1") }
    }

    func run() async throws {
        try await withSession { session in
            let base = "/topics/\(pathSegment(topic))/groups/\(pathSegment(group))"
            let start = fromBeginning ? "earliest" : "latest"
            var printed = 0
            while maxEvents.map({ printed < $0 }) ?? true {
                let want = min(100, (maxEvents ?? Int.max) - printed)
                let answer = try await session.json(
                    .POST, base + "/fetch", json: #"{"maxEvents":\#(want),"waitMilliseconds":5000,"group":{"startPosition":"\#(start)"}}"#)
                let deliveries = answer["deliveries"] as? [[String: Any]] ?? []
                for delivery in deliveries {
                    let event = delivery["event"] as? [String: Any] ?? [:]
                    if json {
                        if let data = try? JSONSerialization.data(withJSONObject: event, options: [.sortedKeys, .withoutEscapingSlashes]) {
                            print(String(decoding: data, as: UTF8.self))
                        }
                    } else {
                        let data =
                            event["data"].map { value -> String in
                                (try? JSONSerialization.data(withJSONObject: value, options: [.fragmentsAllowed, .sortedKeys])).map {
                                    String(decoding: $0, as: UTF8.self)
                                }
                                    ?? "\(value)"
                            } ?? (event["data_base64"] as? String).map { "base64:\($0)" } ?? ""
                        print(
                            "\(delivery["partition"] ?? 0):\(delivery["offset"] ?? 0)  \(event["type"] ?? "")  \(event["id"] ?? "")  \(event["subject"] ?? "-")  \(data)"
                        )
                    }
                }
                fflushStandardOutput()
                printed += deliveries.count
                let tokens = deliveries.compactMap { $0["token"] as? String }.map { #"{"token":"\#($0)","action":"ack"}"# }
                if !tokens.isEmpty {
                    _ = try await session.json(.POST, base + "/settle", json: #"{"settlements":[\#(tokens.joined(separator: ","))]}"#)
                }
            }
        }
    }
}

/// Flushes printed lines now (standard output is buffered when it is a pipe).
private func fflushStandardOutput() {
    fflush(nil)
}
