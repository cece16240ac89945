import Foundation
import Herald
import HeraldLog
import NIOCore
import Testing

/// Kills a real publisher process (an embedded-log broker with fsync-before-ack) with SIGKILL at random
/// moments and checks that nothing it acknowledged was lost. `HERALD_CRASH_ITERATIONS` raises the number of kills (default 20) for a long soak.
@Suite("Crash safety")
struct CrashTests {
    private struct Acknowledgement: Hashable {
        var partition: Int
        var offset: Int64
        var writer: Int
        var run: Int
        var sequence: Int
        var value: String { "\(writer):\(run):\(sequence)" }
    }

    @Test("SIGKILL at random moments loses no acknowledged publish")
    func killRepeatedly() async throws {
        let iterations = Int(ProcessInfo.processInfo.environment["HERALD_CRASH_ITERATIONS"] ?? "") ?? 20
        let executable = ChildProcess.crashWriter
        try #require(
            FileManager.default.isExecutableFile(atPath: executable.path),
            "the crash writer is not built at \(executable.path); run `swift build` first"
        )
        var generator = SystemRandomNumberGenerator()
        try await withTemporaryDirectory { directory in
            var acknowledged: [Acknowledgement] = []
            var totalRecords = 0
            for run in 0..<iterations {
                let lines = try await ChildProcess.runAndKill(
                    executable, arguments: [directory, String(run)], after: .milliseconds(Int.random(in: 20...400, using: &generator)))
                acknowledged += lines.compactMap(Self.parse)
                let broker = try await LogBroker.open(LogBrokerConfiguration(dataDirectory: directory, segmentBytes: 256 * 1024))
                for partition in 0..<2 {
                    var records: [(offset: Offset, key: String?, value: String)] = []
                    var next = Offset(0)
                    while true {
                        let batch = try await broker.read(topic: "crash", partition: Partition(partition), from: next, limit: 10_000)
                        guard let last = batch.last else { break }
                        records += batch.map { ($0.offset, $0.event.subject, String(buffer: $0.event.data ?? ByteBuffer())) }
                        next = last.offset.next
                    }
                    try check(records, against: acknowledged.filter { $0.partition == partition }, run: run)
                    totalRecords += records.count
                }
                try await broker.close()
            }
            print(
                "crash test: \(iterations) kills, \(acknowledged.count) acknowledged publishes, all present exactly once at their receipts' offsets; \(totalRecords) events read back in total over the runs"
            )
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
        guard fields.count == 6, fields[0] == "ACK", let partition = Int(fields[1]), let offset = Int64(fields[2]),
            let writer = Int(fields[3]), let run = Int(fields[4]), let sequence = Int(fields[5])
        else { return nil }
        return Acknowledgement(partition: partition, offset: offset, writer: writer, run: run, sequence: sequence)
    }

    /// Starts the process, kills it with SIGKILL after `delay`, and returns every whole line it printed.
    /// Reading the pipe and waiting for the exit block, so they happen on a thread of their own, never on
    /// the Swift concurrency pool that other tests share.
}
