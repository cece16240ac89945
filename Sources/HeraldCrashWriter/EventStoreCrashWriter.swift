import Foundation
import Herald
import HeraldEventSourcing
import HeraldLog

/// `event-store <data-directory> <run-id>`: four writers append to six streams of an embedded event store
/// with the revision each read (`exact`, or `noStream` for a new stream), 1 to 3 events at a time, while a
/// live projection (``StreamDigest``) runs beside them and saves its checkpoint every 7 events. Each
/// acknowledged append is printed once its append returned:
///
///     ACK <stream> <first revision> <position of the last event> <id>,<id>,…
///
/// A conflict (another writer took the revision) is retried with the new revision. Runs until killed.
struct EventStoreCrashWriter {
    let directory: String
    let runID: String

    func run() async throws {
        let store = try await LogEventStore.open(LogEventStoreConfiguration(directory: "\(directory)/store", segmentBytes: 256 * 1024))
        let checkpoints = try LogProjectionCheckpoints(directory: "\(directory)/projections")
        let runner = ProjectionRunner<StreamDigest>(store: store, checkpoints: checkpoints, saveEvery: 7)
        let output = FileHandle.standardOutput
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await runner.run() }
            for writer in 0..<4 {
                group.addTask {
                    var generator = SystemRandomNumberGenerator()
                    var sequence = 0
                    while true {
                        let stream = "account-\(Int.random(in: 0..<6, using: &generator))"
                        let count = Int.random(in: 1...3, using: &generator)
                        let events = try (0..<count).map { index in
                            try Event(id: "\(runID)-\(writer)-\(sequence)-\(index)", source: "/crash-writer", type: "crash.appended.v1")
                        }
                        sequence += 1
                        let current = try await store.lastRevision(of: stream)
                        do {
                            let result = try await store.append(events, to: stream, expecting: current.map(ExpectedRevision.exact) ?? .noStream)
                            let first = result.nextExpectedRevision + 1 - UInt64(count)
                            output.write(Data("ACK \(stream) \(first) \(result.position) \(events.map(\.id).joined(separator: ","))\n".utf8))
                        } catch is WrongExpectedRevisionError {
                            continue
                        }
                    }
                }
            }
            try await group.next()
        }
    }
}

/// `event-store-check <data-directory>`: after a kill, compares the live projection's saved model with a
/// rebuild from zero through its saved position, then lets the projection catch up to the head and
/// compares it with a rebuild of everything. Prints one line and exits:
///
///     CHECK <saved position or -> <saved equals rebuilt: yes|no> <caught up equals rebuilt: yes|no> <events>
struct EventStoreCrashCheck {
    let directory: String

    func run() async throws {
        let store = try await LogEventStore.open(LogEventStoreConfiguration(directory: "\(directory)/store", segmentBytes: 256 * 1024))
        let checkpoints = try LogProjectionCheckpoints(directory: "\(directory)/projections")
        let saved = try await checkpoints.load(StreamDigest.name)
        let savedModel = try saved.map { try JSONDecoder().decode(StreamDigest.self, from: $0.model) }
        var all: [RecordedEvent] = []
        var from: UInt64 = 0
        while true {
            let page = try await store.readAll(from: from, limit: 1_000)
            guard let last = page.last else { break }
            all += page
            from = last.position + 1
        }
        var throughSaved = StreamDigest()
        var everything = StreamDigest()
        for recorded in all {
            if let saved, recorded.position <= saved.position { try throughSaved.apply(recorded) }
            try everything.apply(recorded)
        }
        let savedMatches = savedModel.map { $0 == throughSaved } ?? true
        // Catch up as the next run would: from the saved checkpoint to the head.
        let runner = ProjectionRunner<StreamDigest>(store: store, checkpoints: checkpoints, saveEvery: 7)
        let caughtUp = try await catchUp(runner, to: all.last?.position)
        try await store.close()
        let line = "CHECK \(saved.map { String($0.position) } ?? "-") \(savedMatches ? "yes" : "no") \(caughtUp == everything ? "yes" : "no") \(all.count)\n"
        FileHandle.standardOutput.write(Data(line.utf8))
    }

    /// Runs `runner` until it has applied the event at `head`, and returns its model then.
    private func catchUp(_ runner: ProjectionRunner<StreamDigest>, to head: UInt64?) async throws -> StreamDigest {
        guard let head else { return try await runner.rebuild() }
        let reached = AsyncStream.makeStream(of: StreamDigest.self)
        let task = Task {
            try await runner.run { model, recorded in
                if recorded.position >= head { reached.continuation.yield(model) }
            }
        }
        defer { task.cancel() }
        // Already caught up: the saved model is the whole digest.
        if let saved = try await runner.checkpoints.load(StreamDigest.name), saved.position >= head {
            return try JSONDecoder().decode(StreamDigest.self, from: saved.model)
        }
        for await model in reached.stream { return model }
        return StreamDigest()
    }
}
