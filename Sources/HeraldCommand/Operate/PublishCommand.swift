import ArgumentParser
import Foundation
import NIOCore
import NIOFoundationCompat
import NIOHTTP1

/// `herald publish`: one event from arguments, or JSON lines of events from standard input.
struct PublishCommand: OperatorCommand {
    static let configuration = CommandConfiguration(
        commandName: "publish", abstract: "Publish an event from arguments, or JSON lines of events (the JSON event format) from standard input.",
        discussion: "With --type, one event is published from the options; without, each line of standard input is one event, sent in batches of 500.")
    @OptionGroup var connection: ServerOptions
    @Argument(help: "The topic.") var topic: String
    @Option(help: "The event's type (then the event comes from the options).") var type: String?
    @Option(help: "The event's source.") var source = "/herald/cli"
    @Option(help: "The event's id (default: a new UUID).") var id: String?
    @Option(help: "The event's subject (its partition key).") var subject: String?
    @Option(help: "The data, as text.") var data: String?
    @Option(help: "The data's media type.") var contentType = "application/json"

    func validate() throws {
        if type == nil, id != nil || subject != nil || data != nil {
            throw ValidationError("--id, --subject and --data describe an event given by options: add --type, or send JSON lines on standard input")
        }
    }

    func run() async throws {
        try await withSession { session in
            let path = "/topics/\(pathSegment(topic))/events"
            if let type {
                var event: [String: Any] = [
                    "specversion": "1.0", "id": id ?? UUID().uuidString, "source": source, "type": type, "datacontenttype": contentType,
                ]
                if let subject { event["subject"] = subject }
                if let data {
                    if contentType.contains("json"), let parsed = try? JSONSerialization.jsonObject(with: Data(data.utf8), options: [.fragmentsAllowed]) {
                        event["data"] = parsed
                    } else {
                        event["data"] = data
                    }
                }
                let body = try await session.send(.POST, path, json: prettyJSON(event), contentType: "application/cloudevents+json")
                print(String(buffer: body))
                return
            }
            var batch: [String] = []
            var published = 0
            var duplicates = 0
            func flush() async throws {
                guard !batch.isEmpty else { return }
                let body = try await session.send(
                    .POST, path, json: "[" + batch.joined(separator: ",") + "]", contentType: "application/cloudevents-batch+json")
                let receipts = ((try? JSONSerialization.jsonObject(with: Data(buffer: body))) as? [String: Any])?["receipts"] as? [[String: Any]] ?? []
                published += receipts.count
                duplicates += receipts.filter { $0["duplicate"] as? Bool == true }.count
                batch.removeAll(keepingCapacity: true)
                if StandardError.isTerminal { StandardError.write("\rpublished \(published)") }
            }
            while let line = readLine(strippingNewline: true) {
                if line.allSatisfy(\.isWhitespace) { continue }
                batch.append(line)
                if batch.count == 500 { try await flush() }
            }
            try await flush()
            if StandardError.isTerminal { StandardError.write("\n") }
            print("published \(published) events to \(topic) (\(duplicates) duplicates of events it held already)")
        }
    }
}
