import Foundation
import Herald
import HeraldLog
import NIOCore
import Testing

/// Schedules 1,000,000 timers (`HERALD_TIMER_CRASH_COUNT` changes it) in the embedded timer store, fires
/// them into an embedded log from a process killed with SIGKILL in the middle, fires the rest from a new
/// process, and checks that each timer's event is in the topic exactly once, published at or after its
/// due time.
@Suite("Crash safety: durable timers")
struct TimerCrashTests {
    @Test("timers fire exactly once, after their time, across a SIGKILL and restart in the middle")
    func killWhileFiring() async throws {
        let count = Int(ProcessInfo.processInfo.environment["HERALD_TIMER_CRASH_COUNT"] ?? "") ?? 1_000_000
        let executable = ChildProcess.crashWriter
        try #require(
            FileManager.default.isExecutableFile(atPath: executable.path), "the crash writer is not built at \(executable.path); run `swift build` first")
        try await withTemporaryDirectory { directory in
            let scheduled = try await ChildProcess.runToEnd(executable, arguments: ["timers-schedule", directory, String(count)])
            try #require(scheduled.output == "SCHEDULED \(count)\n", "scheduling printed '\(scheduled.output)'")

            // Kill the first firing process once it has fired some but (very likely) not all.
            let killed = try await ChildProcess.runAndKill(
                executable, arguments: ["timers-fire", directory], after: .milliseconds(Int.random(in: 2_000...5_000)))
            #expect(killed.isEmpty, "the killed run did not finish (it would print FIRED): \(killed)")
            let store = try await SQLiteTimerStore.open(path: "\(directory)/timers.sqlite")
            let pendingAfterKill = try await store.pendingCount()
            await store.close()
            #expect(pendingAfterKill > 0 && pendingAfterKill < count, "the kill came in the middle: \(pendingAfterKill) of \(count) pending")

            let rest = try await ChildProcess.runToEnd(executable, arguments: ["timers-fire", directory])
            try #require(rest.status == 0 && rest.output.hasPrefix("FIRED "), "the second run printed '\(rest.output)'")

            let broker = try await LogBroker.open(LogBrokerConfiguration(dataDirectory: "\(directory)/log"))
            var seen = Set<String>()
            var repeated = 0
            var early: [String] = []
            var next = Offset(0)
            while true {
                let batch = try await broker.read(topic: "fired", partition: Partition(0), from: next, limit: 10_000)
                guard let last = batch.last else { break }
                for stored in batch {
                    if !seen.insert(stored.event.id).inserted { repeated += 1 }
                    let due = Double(String(buffer: stored.event.data ?? ByteBuffer())).map { Date(timeIntervalSinceReferenceDate: $0) }
                    // The log stores times in whole milliseconds, rounded down.
                    if let due, stored.storedAt < due.addingTimeInterval(-0.001) { early.append(stored.event.id) }
                }
                next = last.offset.next
            }
            try await broker.close()
            #expect(seen.count == count, "every timer fired: \(seen.count) of \(count)")
            #expect(repeated == 0, "no timer fired twice: \(repeated) repeats")
            #expect(early.isEmpty, "no timer fired before its time: \(early.prefix(5))")
            print(
                "timer crash test: \(count) timers, \(count - pendingAfterKill) fired before the kill, the rest after the restart; each event once, none early")
        }
    }
}
