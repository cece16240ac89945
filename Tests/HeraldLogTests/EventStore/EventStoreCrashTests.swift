import Foundation
import Herald
import HeraldLog
import Testing

/// Kills a real writer process (four writers appending with expected revisions to an embedded event
/// store, a live projection beside them) with SIGKILL at random moments, and checks after each restart
/// that every acknowledged append is there once at its revisions, that every stream's revisions are dense,
/// and that the projection that ran live equals one rebuilt from zero. `HERALD_CRASH_ITERATIONS` raises the
/// number of kills (default 20).
@Suite("Crash safety: embedded event store")
struct EventStoreCrashTests {
    private struct Acknowledged {
        var stream: String
        var firstRevision: UInt64
        var position: UInt64
        var ids: [String]
    }

    @Test("SIGKILL at random moments: acknowledged appends present once, revisions dense, live projection equals a rebuild")
    func killRepeatedly() async throws {
        let iterations = Int(ProcessInfo.processInfo.environment["HERALD_CRASH_ITERATIONS"] ?? "") ?? 20
        let executable = ChildProcess.crashWriter
        try #require(
            FileManager.default.isExecutableFile(atPath: executable.path), "the crash writer is not built at \(executable.path); run `swift build` first")
        var generator = SystemRandomNumberGenerator()
        try await withTemporaryDirectory { directory in
            var acknowledged: [Acknowledged] = []
            var savedCheckpoints = 0
            var events = 0
            for run in 0..<iterations {
                let lines = try await ChildProcess.runAndKill(
                    executable, arguments: ["event-store", directory, String(run)], after: .milliseconds(Int.random(in: 50...300, using: &generator)))
                acknowledged += lines.compactMap(Self.parse)

                let (output, status) = try await ChildProcess.runToEnd(executable, arguments: ["event-store-check", directory])
                try #require(status == 0, "the check exited with \(status) after run \(run): \(output)")
                let check = output.split(separator: " ").map(String.init)
                try #require(check.count == 5 && check[0] == "CHECK", "the check printed '\(output)'")
                #expect(check[2] == "yes", "the saved live projection equals a rebuild through its position (run \(run))")
                #expect(check[3] == "yes", "the live projection caught up equals a rebuild of everything (run \(run))")
                if check[1] != "-" { savedCheckpoints += 1 }
                events = Int(check[4].trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0

                let store = try await LogEventStore.open(LogEventStoreConfiguration(directory: "\(directory)/store", segmentBytes: 256 * 1024))
                try await verify(store, against: acknowledged, run: run)
                try await store.close()
            }
            print(
                "event store crash test: \(iterations) kills, \(acknowledged.count) acknowledged appends all present once at their revisions, \(events) events, projection checkpoints saved before \(savedCheckpoints) kills"
            )
            #expect(acknowledged.count > 0, "the writers acknowledged something in \(iterations) runs")
        }
    }

    private func verify(_ store: LogEventStore, against acknowledged: [Acknowledged], run: Int) async throws {
        #expect(store.damages.isEmpty, "no damage after a kill (run \(run))")
        var repeated: [String] = []
        var positions: [String: UInt64] = [:]
        var byStream: [String: [RecordedEvent]] = [:]
        for stream in Set(acknowledged.map(\.stream)) {
            let events = try await store.readStream(stream)
            #expect(events.map(\.revision) == Array(0..<UInt64(events.count)), "stream \(stream)'s revisions are dense from 0 (run \(run))")
            for event in events where positions.updateValue(event.position, forKey: event.event.id) != nil {
                repeated.append(event.event.id)
            }
            byStream[stream] = events
        }
        #expect(repeated.isEmpty, "events stored more than once (run \(run))")
        var missing: [String] = []
        var misplaced: [String] = []
        for ack in acknowledged {
            let events = byStream[ack.stream] ?? []
            for (index, id) in ack.ids.enumerated() {
                let revision = Int(ack.firstRevision) + index
                if revision >= events.count || events[revision].event.id != id { missing.append("\(id) at revision \(revision) of \(ack.stream)") }
            }
            if ack.ids.last.flatMap({ positions[$0] }) != ack.position { misplaced.append("\(ack.ids.last ?? "") at position \(ack.position)") }
        }
        #expect(missing.isEmpty, "acknowledged events missing or at another revision after run \(run): \(missing.prefix(10))")
        #expect(misplaced.isEmpty, "acknowledged positions that hold another event after run \(run): \(misplaced.prefix(10))")
    }

    private static func parse(_ line: Substring) -> Acknowledged? {
        let parts = line.split(separator: " ")
        guard parts.count == 5, parts[0] == "ACK", let first = UInt64(parts[2]), let position = UInt64(parts[3]) else { return nil }
        return Acknowledged(stream: String(parts[1]), firstRevision: first, position: position, ids: parts[4].split(separator: ",").map(String.init))
    }
}
