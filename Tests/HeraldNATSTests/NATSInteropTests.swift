import Foundation
import Herald
import HeraldNATS
import NIOCore
import Testing

/// Herald and the official Python client (nats-py) on the same JetStream streams: each reads what the
/// other wrote, the CloudEvents attributes travelling as `ce-*` headers (binary content mode).
@Suite("NATS interop with nats-py", .enabled(if: InteropEnvironment.runs))
struct NATSInteropTests {
    @Test("events published by Herald are read by nats-py with their CloudEvents attributes as headers")
    func heraldToPython() async throws {
        let (url, python) = try InteropEnvironment.require()
        let prefix = "HERALD_INTEROP_\(UUID().uuidString.prefix(8))"
        let broker = try await NATSBroker.connect(NATSBrokerOptions(servers: [url], streamPrefix: prefix), logger: testLogger)
        defer { Task { await broker.close() } }
        try await broker.createTopic(TopicConfiguration(name: "greetings", partitions: 1))
        let time = try #require(ISO8601DateFormatter().date(from: "2026-11-23T10:15:00Z"))
        var sent: [Event] = []
        for index in 0..<3 {
            let event = try Event(
                id: "herald-\(index)",
                source: "/interop/herald",
                type: "org.example.herald.greeting.v1",
                subject: "greeting-\(index)",
                time: time,
                dataContentType: "application/json",
                extensions: ["traceparent": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", "tenant": "acme"],
                data: ByteBuffer(string: #"{"index":\#(index),"greeting":"hello from Herald"}"#)
            )
            sent.append(event)
        }
        _ = try await broker.publish(sent, to: "greetings")

        let lines = try await PythonScript.run(
            python, ["read", "--url", url, "--subject", "\(prefix.lowercased()).greetings.0", "--count", "3"]
        )
        #expect(lines.count == 3)
        for (line, event) in zip(lines, sent) {
            let headers = try #require(line["headers"] as? [String: String], "headers of \(line)")
            #expect(headers["ce-specversion"] == "1.0")
            #expect(headers["ce-id"] == event.id)
            #expect(headers["ce-source"] == event.source)
            #expect(headers["ce-type"] == event.type)
            #expect(headers["ce-subject"] == event.subject)
            #expect(headers["ce-time"].flatMap { RFC3339.parse($0) } == time, "ce-time \(headers["ce-time"] ?? "missing")")
            // The binding's header-name rule puts datacontenttype in ce-datacontenttype in binary mode.
            #expect(headers["ce-datacontenttype"] == "application/json")
            #expect(headers["ce-traceparent"] == event.extensionValue("traceparent"))
            #expect(headers["ce-tenant"] == "acme")
            let data = try #require((line["data"] as? String).flatMap { Data(base64Encoded: $0) })
            #expect(data == Data(event.data.map { Array($0.readableBytesView) } ?? []))
        }
    }

    @Test("CloudEvents published by nats-py in binary mode are consumed by Herald")
    func pythonToHerald() async throws {
        let (url, python) = try InteropEnvironment.require()
        let prefix = "HERALD_INTEROP_\(UUID().uuidString.prefix(8))"
        let broker = try await NATSBroker.connect(NATSBrokerOptions(servers: [url], streamPrefix: prefix), logger: testLogger)
        defer { Task { await broker.close() } }
        try await broker.createTopic(TopicConfiguration(name: "greetings", partitions: 1))
        let subscription = try await broker.subscribe(to: "greetings", group: "readers")

        let acks = try await PythonScript.run(
            python, ["publish", "--url", url, "--subject", "\(prefix.lowercased()).greetings.0", "--count", "3", "--source", "/interop/nats-py"]
        )
        #expect(acks.count == 3)
        #expect(acks.allSatisfy { ($0["duplicate"] as? Bool) == false })

        let received = try await withTimeout(.seconds(15), "3 deliveries of nats-py's events") {
            var deliveries: [Delivery] = []
            while deliveries.count < 3, let delivery = try await subscription.next() {
                try await delivery.ack()
                deliveries.append(delivery)
            }
            return deliveries
        }
        await subscription.close()

        #expect(received.map(\.event.id) == ["py-0", "py-1", "py-2"])
        #expect(received.map(\.offset.value) == [0, 1, 2])
        let expectedTime = ISO8601DateFormatter().date(from: "2026-11-23T12:00:00Z")
        for (index, delivery) in received.enumerated() {
            let event = delivery.event
            #expect(event.source == "/interop/nats-py")
            #expect(event.type == "org.example.python.greeting.v1")
            #expect(event.subject == "greeting-\(index)")
            #expect(event.time == expectedTime)
            #expect(event.dataContentType == "application/json")
            #expect(event.extensionValue("pythonextension") == "from-nats-py")
            let body = event.data.map { String(buffer: $0) }
            #expect(body == #"{"index": \#(index), "greeting": "hello from nats-py"}"#)
        }
        let lag = try await broker.lag(group: "readers", on: "greetings")
        #expect(lag.totalPending == 0)
    }
}

/// Whether the interop tests run: Python with nats-py (`HERALD_PYTHON`, set by `scripts/test.sh`) and a
/// server (`HERALD_NATS_URL`); under `HERALD_REQUIRE_SERVICES=1` a missing one fails them instead.
enum InteropEnvironment {
    static var python: String? {
        ProcessInfo.processInfo.environment["HERALD_PYTHON"].flatMap { $0.isEmpty ? nil : $0 }
    }

    static var runs: Bool { (python != nil && TestEnvironment.natsURL != nil) || TestEnvironment.requireServices }

    static func require() throws -> (url: String, python: String) {
        let url = try TestEnvironment.requireNATSURL()
        let python = try #require(python, "HERALD_REQUIRE_SERVICES=1 but HERALD_PYTHON is not set (python3 with nats-py); run scripts/test.sh")
        return (url, python)
    }
}

/// Runs `Tests/HeraldNATSTests/Interop/nats_interop.py` and parses its JSON lines.
enum PythonScript {
    static var path: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Interop/nats_interop.py").path
    }

    struct Failure: Error, CustomStringConvertible {
        var status: Int32
        var standardError: String
        var description: String { "nats_interop.py exited with status \(status): \(standardError)" }
    }

    /// Runs the script with `arguments` (reading its output on threads of its own, never blocking Swift
    /// concurrency) and returns each line of its output decoded as a JSON object.
    static func run(_ python: String, _ arguments: [String], timeout: Duration = .seconds(30)) async throws -> [[String: Any]] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [path] + arguments
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        let (exited, exit) = AsyncStream.makeStream(of: Void.self)
        process.terminationHandler = { _ in
            exit.yield()
            exit.finish()
        }
        try process.run()
        async let stdout = readAll(output.fileHandleForReading)
        async let stderr = readAll(errors.fileHandleForReading)
        do {
            _ = try await withTimeout(timeout, "nats_interop.py \(arguments.first ?? "")") {
                for await _ in exited { return true }
                return true
            }
        } catch {
            process.terminate()
            _ = await (stdout, stderr)
            throw error
        }
        let (out, err) = await (stdout, stderr)
        guard process.terminationStatus == 0 else {
            throw Failure(status: process.terminationStatus, standardError: String(decoding: err, as: UTF8.self))
        }
        return try String(decoding: out, as: UTF8.self).split(separator: "\n").map { line in
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8))
            return try #require(object as? [String: Any], "a JSON object per line, got \(line)")
        }
    }

    private static func readAll(_ handle: FileHandle) async -> Data {
        await withCheckedContinuation { continuation in
            Thread { continuation.resume(returning: handle.readDataToEndOfFile()) }.start()
        }
    }
}
