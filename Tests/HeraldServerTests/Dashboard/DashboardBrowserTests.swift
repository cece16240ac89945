import Foundation
import Herald
import HeraldLog
import HeraldServer
import NIOCore
import Testing

/// Whether the dashboard's browser tests run: Python with selenium, Chromium and chromedriver
/// (`HERALD_SELENIUM_PYTHON`, set by `scripts/test.sh`); under `HERALD_REQUIRE_SERVICES=1` a missing
/// one fails instead of skipping.
private enum BrowserDriver {
    static var python: String? {
        ProcessInfo.processInfo.environment["HERALD_SELENIUM_PYTHON"].flatMap { $0.isEmpty ? nil : $0 }
    }
    static var shouldRun: Bool { python != nil || ProcessInfo.processInfo.environment["HERALD_REQUIRE_SERVICES"] == "1" }
}

/// The dashboard in a real headless browser (Chromium, driven by selenium) against a real `herald serve`:
/// what an operator sees and does, with a screenshot of each page saved under
/// `.build/dashboard-screenshots` (or `HERALD_SCREENSHOTS`).
@Suite("Dashboard: in a headless browser", .enabled(if: BrowserDriver.shouldRun), .serialized)
struct DashboardBrowserTests {
    static let adminToken = "dashboard-admin-token"
    static let readToken = "dashboard-read-token"

    private static var script: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("dashboard_browser.py").path
    }

    private static var screenshots: String {
        if let path = ProcessInfo.processInfo.environment["HERALD_SCREENSHOTS"] { return path }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        return root.appendingPathComponent(".build/dashboard-screenshots").path
    }

    /// A configuration with an admin token and a read-only one.
    private static func writeConfiguration(in directory: String) throws -> String {
        let path = "\(directory)/herald.json"
        let document = """
            {"access": {"tokens": [
              {"name": "operator", "sha256": "\(TokenDigest.sha256(of: adminToken))", "grants": [{"topics": "*", "permissions": ["admin", "publish", "consume"]}]},
              {"name": "viewer", "sha256": "\(TokenDigest.sha256(of: readToken))", "grants": [{"topics": "*", "permissions": ["read"]}]}
            ]}}
            """
        try document.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test(
        "with traffic flowing: the overview's counts, a redrive from the page, refused to a read-only token, the message browser, a confirmed seek, the flow map and the traces of the demo"
    )
    func operatorJourney() async throws {
        let python = try #require(BrowserDriver.python, "HERALD_REQUIRE_SERVICES=1 but HERALD_SELENIUM_PYTHON is not set; run scripts/test.sh")
        try await withTemporaryDirectory { directory in
            let data = "\(directory)/data"
            let demo = try await runProcess(ServeProcess.executable.path, ["demo", "--data-dir", data])
            #expect(demo.status == 0, "\(demo.output.suffix(2_000))\(demo.error.suffix(2_000))")
            let configuration = try Self.writeConfiguration(in: directory)
            let server = try await ServeProcess.start(dataDirectory: data, extraArguments: ["--config", configuration], allowAnonymous: false)
            let run = try await runProcess(python, [Self.script, "demo", server.base, Self.adminToken, Self.readToken, "\(Self.screenshots)/demo"])
            await server.stop()
            print(run.output)
            #expect(run.status == 0, "\(run.output)\(run.error.suffix(3_000))")
            for check in [
                "overview: counted 25 events", "read-only redrive refused", "admin redrive", "message browser", "seek confirmed", "flow map",
                "trace evt-A-1001", "saga trace",
            ] {
                #expect(run.output.contains("ok: \(check)"), "\(run.output)")
            }
        }
    }

    @Test("every page loads in under 300 ms with 100 topics and 1,000,000 events stored (median of three fresh loads, measured in the browser)")
    func pagesLoadFastOnALargeStore() async throws {
        let python = try #require(BrowserDriver.python, "HERALD_REQUIRE_SERVICES=1 but HERALD_SELENIUM_PYTHON is not set; run scripts/test.sh")
        try await withTemporaryDirectory { directory in
            let data = "\(directory)/data"
            let filled = ContinuousClock.now
            try await Self.fill(data, topics: 100, eventsPerTopic: 10_000)
            let filling = ContinuousClock.now - filled
            let configuration = try Self.writeConfiguration(in: directory)
            let server = try await ServeProcess.start(dataDirectory: data, extraArguments: ["--config", configuration], allowAnonymous: false)
            let run = try await runProcess(
                python, [Self.script, "timing", server.base, Self.adminToken, Self.readToken, "\(Self.screenshots)/large", "flow-t000-3000"])
            await server.stop()
            #expect(run.status == 0, "\(run.output)\(run.error.suffix(3_000))")
            for line in run.output.split(separator: "\n") where line.hasPrefix("page answered") { print("dashboard: \(line)") }
            let last = try #require(run.output.split(separator: "\n").last, "\(run.output)")
            let document = try JSONSerialization.jsonObject(with: Data(last.utf8)) as? [String: [String: [Double]]]
            let timings = try #require(document?["millisecondsToDrawn"], "\(run.output)")
            #expect(timings.count == 6, "\(timings)")
            for (view, samples) in timings.sorted(by: { $0.key < $1.key }) {
                let median = samples.sorted()[samples.count / 2]
                print("dashboard \(view): \(samples.map { Int($0) }) ms to drawn (median \(Int(median)) ms), 100 topics, 1,000,000 events")
                #expect(median < 300, "the \(view) page took \(samples) ms")
            }
            print("dashboard: 1,000,000 events written in \(filling)")
        }
    }

    /// `topics` topics of `eventsPerTopic` events each (2 partitions), written straight to an embedded log
    /// in `directory`: flows of three events (an order, its payment caused by it, a receipt caused by the
    /// payment) from three services; a group `worker` on `t000` that acknowledged 30 events and
    /// dead-lettered one.
    private static func fill(_ directory: String, topics: Int, eventsPerTopic: Int) async throws {
        let broker = try await LogBroker.open(LogBrokerConfiguration(dataDirectory: directory))
        let types = ["load.order.placed.v1", "load.payment.captured.v1", "load.receipt.sent.v1"]
        let started = Date()
        for index in 0..<topics {
            let topic = String(format: "t%03d", index)
            try await broker.createTopic(TopicConfiguration(name: topic, partitions: 2))
            for batch in stride(from: 0, to: eventsPerTopic, by: 1_000) {
                var events: [Event] = []
                for number in batch..<min(eventsPerTopic, batch + 1_000) {
                    let flow = "flow-\(topic)-\(number / 3)"
                    var extensions = ["correlationid": flow]
                    if number % 3 != 0 { extensions["causationid"] = "\(topic)-\(number - 1)" }
                    events.append(
                        try Event(
                            id: "\(topic)-\(number)", source: "/load/service-\(number % 3)", type: types[number % 3], subject: flow,
                            time: started.addingTimeInterval(Double(number) / 1_000), dataContentType: "application/json", extensions: extensions,
                            data: ByteBuffer(
                                string: #"{"order":"\#(flow)","amountCents":\#(number % 997),"note":"a load event of the dashboard's timing test"}"#)))
                }
                // A flow's events share a partition (their subject is the key): causes come first.
                _ = try await broker.publish(events, to: topic)
            }
        }
        let subscription = try await broker.subscribe(to: "t000", group: "worker", options: SubscriptionOptions(prefetch: 40, maximumDeliveries: 1))
        var settled = 0
        while settled < 31, let delivery = try await subscription.next() {
            if settled == 30 {
                try await delivery.reject(reason: "the dashboard's timing test dead-letters one event")
            } else {
                try await delivery.ack()
            }
            settled += 1
        }
        await subscription.close()
        try await broker.close()
    }
}
