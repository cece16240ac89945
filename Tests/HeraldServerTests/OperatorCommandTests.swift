import Foundation
import HeraldServer
import NIOCore
import NIOHTTP1
import Testing

/// The operator's commands (`herald topics|groups|dlq|publish|tail`) against a real `herald serve` and
/// against a data directory, with the exit codes a script relies on.
@Suite("Operator commands")
struct OperatorCommandTests {
    private func herald(
        _ arguments: [String], input: String? = nil, environment: [String: String] = [:]
    ) async throws -> (
        status: Int32, output: String, error: String
    ) {
        try await runProcess(ServeProcess.executable.path, arguments, input: input, environment: environment)
    }

    @Test("topics, publish (arguments and JSON lines), tail, groups; usage, not found and unreachable exit codes")
    func topicsPublishTail() async throws {
        try await withTemporaryDirectory { directory in
            try await withServeProcess(dataDirectory: directory) { server, _ in
                let remote = ["--server", server.base]
                let created = try await herald(["topics", "create", "orders", "--partitions", "2"] + remote)
                #expect(created.status == 0 && created.output.contains("topic orders: 2 partitions"), "\(created)")
                let lines = (1...3).map { #"{"specversion":"1.0","id":"o-\#($0)","source":"/cli","type":"shop.order.placed.v1","data":{"n":\#($0)}}"# }
                let published = try await herald(["publish", "orders"] + remote, input: lines.joined(separator: "\n") + "\n")
                #expect(published.status == 0 && published.output.contains("published 3 events"), "\(published)")
                let single = try await herald(["publish", "orders", "--type", "shop.order.placed.v1", "--id", "o-4", "--data", #"{"n":4}"#] + remote)
                #expect(single.status == 0 && single.output.contains(#""id":"o-4""#), "\(single)")
                let tail = try await herald(["tail", "orders", "--from-beginning", "--max-events", "4", "--json"] + remote)
                #expect(tail.status == 0)
                let ids = tail.output.split(separator: "\n").compactMap { line in
                    ((try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any])?["id"] as? String
                }
                #expect(Set(ids) == ["o-1", "o-2", "o-3", "o-4"], "\(tail)")
                let groups = try await herald(["groups", "orders"] + remote)
                #expect(groups.status == 0 && groups.output.contains("herald-tail"), "\(groups)")
                let topics = try await herald(["topics", "--json"] + remote)
                #expect(topics.status == 0 && topics.output.contains(#""name" : "orders""#), "\(topics)")

                let missing = try await herald(["topics", "describe", "nowhere"] + remote)
                #expect(missing.status == 66 && missing.error.contains("nowhere"), "\(missing)")
                let conflicting = try await herald(["topics", "--data-dir", directory] + remote)
                #expect(conflicting.status == 64 && conflicting.error.contains("--server, --data-dir and --postgres name different brokers"), "\(conflicting)")
                let inUse = try await herald(["topics", "--data-dir", directory])
                #expect(inUse.status == 69 && inUse.error.contains("is open in process"), "\(inUse)")
            }
            // The server stopped: its directory opens here, and a server that is gone is unavailable.
            let local = try await herald(["topics", "--data-dir", directory])
            #expect(local.status == 0 && local.output.contains("orders"), "\(local)")
            let gone = try await herald(["topics", "--server", "http://127.0.0.1:1"])
            #expect(gone.status == 69, "\(gone)")
        }
    }

    @Test("dlq: categories, a dry run then a redrive with progress; a closed category is not found; conflicting selections are refused")
    func deadLetters() async throws {
        try await withTemporaryDirectory { directory in
            try await withServeProcess(dataDirectory: directory) { server, _ in
                let remote = ["--server", server.base]
                _ = try await herald(["topics", "create", "payments"] + remote)
                let lines = (1...30).map {
                    #"{"specversion":"1.0","id":"p-\#($0)","source":"/cli","type":"pay.charge.v1","data":{"n":\#($0)}}"#
                }
                _ = try await herald(["publish", "payments"] + remote, input: lines.joined(separator: "\n"))
                // Reject every delivery over HTTP: 30 dead letters of one failure with varying ids.
                let json = [("Content-Type", "application/json")]
                var rejected = 0
                while rejected < 30 {
                    let fetched = try await server.send(
                        .POST, "/topics/payments/groups/ledger/fetch", headers: json, body: ByteBuffer(string: #"{"maxEvents":30,"waitMilliseconds":1000}"#))
                    let deliveries = fetched.json["deliveries"] as? [[String: Any]] ?? []
                    let items = deliveries.map { delivery -> String in
                        let id = (delivery["event"] as? [String: Any])?["id"] as? String ?? ""
                        return
                            #"{"token":"\#(delivery["token"] as? String ?? "")","action":"reject","errorType":"CardDeclined","reason":"card for \#(id) declined"}"#
                    }
                    _ = try await server.send(
                        .POST, "/topics/payments/groups/ledger/settle", headers: json,
                        body: ByteBuffer(string: #"{"settlements":[\#(items.joined(separator: ","))]}"#))
                    rejected += deliveries.count
                }
                let categories = try await herald(["dlq", "categories", "payments", "ledger", "--json"] + remote)
                let list = ((try? JSONSerialization.jsonObject(with: Data(categories.output.utf8))) as? [String: Any])?["categories"] as? [[String: Any]] ?? []
                #expect(list.count == 1 && list.first?["count"] as? Int == 30, "\(categories)")
                let id = try #require(list.first?["id"] as? String)
                let dryRun = try await herald(["dlq", "redrive", "payments", "ledger", "--category", id, "--dry-run"] + remote)
                #expect(dryRun.status == 0 && dryRun.output.contains("would redrive 30"), "\(dryRun)")
                let redrive = try await herald(["dlq", "redrive", "payments", "ledger", "--category", id] + remote)
                #expect(redrive.status == 0 && redrive.output.contains("redrove 30 dead letters"), "\(redrive)")
                #expect(redrive.error.contains("redriving [") && redrive.error.contains("100%"), "a progress bar: \(redrive.error)")
                let again = try await herald(["dlq", "redrive", "payments", "ledger", "--category", id] + remote)
                #expect(again.status == 66, "nothing left in the category: \(again)")
                let both = try await herald(["dlq", "archive", "payments", "ledger", "--all", "--category", id] + remote)
                #expect(both.status == 64, "\(both)")
            }
        }
    }

    @Test("no token or an unknown one exits 77, a token without the permission exits 77, the right one 0")
    func authExitCodes() async throws {
        try await withTemporaryDirectory { directory in
            let token = "hrd_cli-test-token"
            let config = directory + "/herald.json"
            let entry = #"{"name":"publisher","sha256":"\#(TokenDigest.sha256(of: token))","grants":[{"topics":"*","permissions":["publish","admin"]}]}"#
            try Data(#"{"topics":[{"name":"orders"}],"access":{"tokens":[\#(entry)]}}"#.utf8).write(to: URL(fileURLWithPath: config))
            let server = try await ServeProcess.start(dataDirectory: directory + "/data", extraArguments: ["--config", config], allowAnonymous: false)
            let remote = ["--server", server.base]
            let anonymous = try await herald(["topics"] + remote)
            #expect(anonymous.status == 77 && anonymous.error.contains("401"), "\(anonymous)")
            let unknown = try await herald(["topics", "--token", "hrd_wrong"] + remote)
            #expect(unknown.status == 77, "\(unknown)")
            let allowed = try await herald(["topics"] + remote, environment: ["HERALD_TOKEN": token])
            #expect(allowed.status == 0 && allowed.output.contains("orders"), "\(allowed)")
            let forbidden = try await herald(["tail", "orders", "--max-events", "1", "--token", token] + remote)
            #expect(forbidden.status == 77 && forbidden.error.contains("403"), "consume is not granted: \(forbidden)")
            await server.stop()
        }
    }

    @Test("events (a filter, one event's life), flow (table and Mermaid) and trace, on the demo's data directory")
    func browseFlowTrace() async throws {
        try await withTemporaryDirectory { directory in
            let data = "\(directory)/data"
            let demo = try await herald(["demo", "--data-dir", data])
            #expect(demo.status == 0, "\(demo.error.suffix(2_000))")
            let filtered = try await herald(["events", "--data-dir", data, "orders", "--filter", "subject == A-1002"])
            #expect(filtered.status == 0 && filtered.output.contains("evt-A-1002") && !filtered.output.contains("evt-A-1001"), "\(filtered)")
            let bad = try await herald(["events", "--data-dir", data, "orders", "--filter", "subject =="])
            #expect(bad.status != 0 && bad.error.contains("expected"), "\(bad)")
            let flow = try await herald(["flow", "--data-dir", data])
            #expect(flow.status == 0, "\(flow)")
            for expected in ["/coffee/counter", "coffee.order.placed.v1", "/coffee/cashier", "coffee.payment.captured.v1", "reacts to"] {
                #expect(flow.output.contains(expected), "\(expected) in \(flow.output)")
            }
            let mermaid = try await herald(["flow", "--data-dir", data, "--format", "mermaid"])
            #expect(mermaid.status == 0 && mermaid.output.hasPrefix("flowchart LR"), "\(mermaid)")
            let trace = try await herald(["trace", "--data-dir", data, "evt-A-1001"])
            #expect(trace.status == 0, "\(trace)")
            let lines = trace.output.split(separator: "\n").map(String.init)
            #expect(lines.first?.contains("coffee.order.placed.v1") == true && trace.output.contains("coffee.drink.ready.v1"), "\(trace.output)")
            #expect(lines.last?.contains("3 events across 3 services") == true, "\(trace.output)")
            let unknown = try await herald(["trace", "--data-dir", data, "no-such-flow"])
            #expect(unknown.status != 0 && unknown.error.contains("no-such-flow"), "\(unknown)")
        }
    }
}
