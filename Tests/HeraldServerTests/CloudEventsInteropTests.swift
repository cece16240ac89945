import Foundation
import NIOCore
import NIOHTTP1
import Testing

/// Whether the CloudEvents SDK interop runs: Python with the `cloudevents` package
/// (`HERALD_CLOUDEVENTS_PYTHON`, set by `scripts/test.sh`); under `HERALD_REQUIRE_SERVICES=1` a missing
/// one fails instead of skipping.
private enum CloudEventsPython {
    static var path: String? {
        ProcessInfo.processInfo.environment["HERALD_CLOUDEVENTS_PYTHON"].flatMap { $0.isEmpty ? nil : $0 }
    }
    static var isRequired: Bool { ProcessInfo.processInfo.environment["HERALD_REQUIRE_SERVICES"] == "1" }
    static var shouldRun: Bool { path != nil || isRequired }
}

/// The CloudEvents Python SDK publishes to a real `herald serve` in binary, structured and batch mode
/// and reads back what Herald delivers: every attribute, extension and the data survive the round trip.
@Suite("Server: CloudEvents Python SDK interop", .enabled(if: CloudEventsPython.shouldRun))
struct CloudEventsInteropTests {
    private static var script: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Interop/cloudevents_interop.py").path
    }

    @Test("binary, structured and batch from the SDK; every attribute, extension and the data read back by the SDK")
    func roundTrip() async throws {
        let python = try #require(
            CloudEventsPython.path, "HERALD_REQUIRE_SERVICES=1 but HERALD_CLOUDEVENTS_PYTHON is not set (python3 with cloudevents); run scripts/test.sh")
        try await withTemporaryDirectory { directory in
            try await withServeProcess(dataDirectory: directory) { server, _ in
                let created = try await server.send(
                    .POST, "/topics", headers: [("Content-Type", "application/json")], body: ByteBuffer(string: #"{"name":"interop","partitions":2}"#))
                #expect(created.status == 201)
                let (status, output) = try await Self.run(python, [Self.script, server.base, "interop"])
                #expect(status == 0, "\(output)")
                #expect(output.hasPrefix("OK 7"), "\(output)")
            }
        }
    }

    /// Runs a program to its end on a thread of its own; its exit status and its output (both streams).
    static func run(_ executable: String, _ arguments: [String]) async throws -> (Int32, String) {
        try await withCheckedThrowingContinuation { continuation in
            Thread {
                let process = Process()
                process.executableURL = URL(fileURLWithPath: executable)
                process.arguments = arguments
                let pipe = Pipe()
                process.standardOutput = pipe
                process.standardError = pipe
                do {
                    try process.run()
                    let data = pipe.fileHandleForReading.readDataToEndOfFile()
                    process.waitUntilExit()
                    continuation.resume(returning: (process.terminationStatus, String(decoding: data, as: UTF8.self)))
                } catch {
                    continuation.resume(throwing: error)
                }
            }.start()
        }
    }
}
