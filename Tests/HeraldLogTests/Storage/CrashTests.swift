import Foundation
import Herald
import HeraldLog
import Testing

/// Kills a real writer process with SIGKILL at random moments and checks that nothing it acknowledged
/// was lost. `HERALD_CRASH_ITERATIONS` raises the number of kills (default 20) for a long soak.
@Suite("Crash safety")
struct CrashTests {
    private struct Acknowledgement: Hashable {
        var offset: Int64
        var writer: Int
        var run: Int
        var sequence: Int
        var value: String { "\(writer):\(run):\(sequence)" }
    }

    private static var writerExecutable: URL {
        if let path = ProcessInfo.processInfo.environment["HERALD_CRASH_WRITER"] {
            return URL(fileURLWithPath: path)
        }
        // The test bundle and the package's executables are built into the same directory.
        return URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("herald-crash-writer")
    }

    @Test("SIGKILL at random moments loses no acknowledged append")
    func killRepeatedly() async throws {
        let iterations = Int(ProcessInfo.processInfo.environment["HERALD_CRASH_ITERATIONS"] ?? "") ?? 20
        let executable = Self.writerExecutable
        try #require(
            FileManager.default.isExecutableFile(atPath: executable.path),
            "the crash writer is not built at \(executable.path); run `swift build` first"
        )
        var generator = SystemRandomNumberGenerator()
        try await withTemporaryDirectory { directory in
            var acknowledged: [Acknowledgement] = []
            var cutBytes: Int64 = 0
            for run in 0..<iterations {
                let lines = try await runAndKill(executable, arguments: [directory, String(run)], after: .milliseconds(Int.random(in: 20...400, using: &generator)))
                acknowledged += lines.compactMap(Self.parse)
                let (records, truncation) = try CrashTestLog.readAll(directory: directory)
                cutBytes += truncation?.bytes ?? 0
                try check(records, against: acknowledged, run: run)
            }
            print("crash test: \(iterations) kills, \(acknowledged.count) acknowledged appends, all present; recovery cut \(cutBytes) torn bytes in total")
            #expect(acknowledged.count > 0, "the writer acknowledged something in \(iterations) runs")
        }
    }

    private func check(_ records: [(offset: Offset, key: String?, value: String)], against acknowledged: [Acknowledgement], run: Int) throws {
        var byOffset: [Int64: String] = [:]
        for record in records { byOffset[record.offset.value] = record.value }
        #expect(byOffset.count == records.count, "offsets are unique (run \(run))")
        #expect(records.map(\.offset.value) == Array(0..<Int64(records.count)), "offsets are dense from 0 (run \(run))")
        for ack in acknowledged {
            #expect(byOffset[ack.offset] == ack.value, "acknowledged \(ack.value) at offset \(ack.offset) is present (after run \(run))")
        }
        let values = records.map(\.value)
        #expect(Set(values).count == values.count, "no record is stored twice (run \(run))")
        // Per key, (run, sequence) rises with the offset.
        var last: [String: (Int, Int)] = [:]
        for record in records {
            let parts = record.value.split(separator: ":").compactMap { Int($0) }
            guard parts.count == 3, let key = record.key else {
                Issue.record("unexpected record \(record.value) at \(record.offset)")
                continue
            }
            if let previous = last[key] {
                #expect(previous < (parts[1], parts[2]), "order of \(key) at offset \(record.offset) (run \(run))")
            }
            last[key] = (parts[1], parts[2])
        }
    }

    private static func parse(_ line: Substring) -> Acknowledgement? {
        let fields = line.split(separator: " ")
        guard fields.count == 5, fields[0] == "ACK", let offset = Int64(fields[1]), let writer = Int(fields[2]),
            let run = Int(fields[3]), let sequence = Int(fields[4])
        else { return nil }
        return Acknowledgement(offset: offset, writer: writer, run: run, sequence: sequence)
    }

    /// Starts the process, kills it with SIGKILL after `delay`, and returns every whole line it printed.
    private func runAndKill(_ executable: URL, arguments: [String], after delay: Duration) async throws -> [Substring] {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        // Drain the pipe while the writer runs so it never blocks on a full pipe.
        let reader = Task.detached { pipe.fileHandleForReading.readDataToEndOfFile() }
        try await Task.sleep(for: delay)
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        let data = await reader.value
        let text = String(decoding: data, as: UTF8.self)
        // A line cut by the kill has no newline: only whole lines count as acknowledged.
        guard let lastNewline = text.lastIndex(of: "\n") else { return [] }
        return text[..<lastNewline].split(separator: "\n")
    }
}
