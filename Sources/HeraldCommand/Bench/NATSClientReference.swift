import Foundation

/// The NATS C client's run of the same JetStream workload, beside Herald's NATS scenarios in one
/// `herald bench --nats` run: builds `scripts/nats-reference/nats_reference.c` against Debian's
/// `libnats-dev` with the system's C compiler, runs it on the same server and reads the figures it prints
/// (a JSON object a line).
struct NATSClientReference {
    /// The figures of one run.
    struct Figures {
        /// Throughput rows, scenario names as the program prints them.
        var throughput: [String: BenchResult] = [:]
        /// End-to-end latency of the push consumer, when the program measured it.
        var latency: LatencyScenario.Result?
        /// End-to-end latency of durable pull consumers (as Herald's groups read), when measured.
        var pullLatency: LatencyScenario.Result?
    }

    /// Why the reference did not run.
    struct Unavailable: Error, CustomStringConvertible {
        var description: String
    }

    let url: String
    let events: Int
    let singleEvents: Int
    let size: Int
    let partitions: Int
    let rate: Int
    let seconds: Int
    let source: String

    /// The program's source, next to this repository's scripts (found from this file's place at build time).
    static var defaultSource: String {
        URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("scripts/nats-reference/nats_reference.c").path
    }

    /// Builds and runs the program.
    ///
    /// - Throws: ``Unavailable`` when the source, the compiler or `libnats` is missing, or the program failed.
    func run() throws -> Figures {
        guard FileManager.default.fileExists(atPath: source) else {
            throw Unavailable(description: "the C reference's source '\(source)' is missing; pass --nats-reference-source")
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("herald-nats-reference-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let binary = directory.appendingPathComponent("nats-reference").path
        let build = try Self.execute("/usr/bin/env", ["cc", "-O2", "-o", binary, source, "-lnats", "-lpthread"], in: directory)
        guard build.status == 0 else {
            throw Unavailable(
                description: "could not build the C reference (install a C compiler and libnats-dev: apt-get install gcc libnats-dev): \(build.error)")
        }
        let arguments = [url, events, singleEvents, size, partitions, rate, seconds].map { "\($0)" }
        let run = try Self.execute(binary, arguments, in: directory)
        guard run.status == 0 else {
            throw Unavailable(description: "the C reference failed (exit \(run.status)): \(run.error)")
        }
        return try Self.parse(run.output)
    }

    private struct Line: Decodable {
        var scenario: String
        var events: Int
        var seconds: Double?
        var cpuSeconds: Double?
        var p50: Int64?
        var p99: Int64?
        var p999: Int64?
        var max: Int64?
    }

    /// The figures of the program's output.
    static func parse(_ output: String) throws -> Figures {
        var figures = Figures()
        let decoder = JSONDecoder()
        for line in output.split(separator: "\n") where line.hasPrefix("{") {
            let parsed = try decoder.decode(Line.self, from: Data(line.utf8))
            let latency = LatencyScenario.Result(
                events: parsed.events,
                p50: .microseconds(parsed.p50 ?? 0),
                p99: .microseconds(parsed.p99 ?? 0),
                p999: .microseconds(parsed.p999 ?? 0),
                max: .microseconds(parsed.max ?? 0)
            )
            if parsed.scenario == "latency" {
                figures.latency = latency
            } else if parsed.scenario == "latency-pull" {
                figures.pullLatency = latency
            } else if let seconds = parsed.seconds {
                figures.throughput[parsed.scenario] = BenchResult(
                    scenario: "NATS C client: \(parsed.scenario)", events: parsed.events, duration: .nanoseconds(Int64(seconds * 1e9)),
                    cpuSeconds: parsed.cpuSeconds)
            }
        }
        return figures
    }

    /// Runs a program to its end; its standard error goes to a file in `directory` (so that neither pipe
    /// can fill up and stall it while the other is read).
    private static func execute(_ executable: String, _ arguments: [String], in directory: URL) throws -> (status: Int32, output: String, error: String) {
        let errorFile = directory.appendingPathComponent("stderr-\(UUID().uuidString)")
        _ = FileManager.default.createFile(atPath: errorFile.path, contents: nil)
        let errorHandle = try FileHandle(forWritingTo: errorFile)
        defer { try? errorHandle.close() }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = errorHandle
        try process.run()
        let outputData = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let errorText = (try? String(contentsOf: errorFile, encoding: .utf8)) ?? ""
        return (process.terminationStatus, String(decoding: outputData, as: UTF8.self), String(errorText.suffix(2_000)))
    }
}
