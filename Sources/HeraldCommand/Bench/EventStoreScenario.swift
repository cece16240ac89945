import Foundation
import Herald
import NIOCore

/// The event-store scenarios of `herald bench`, on one backend: appends of single events and of batches
/// from 4 concurrent writers, each on streams of its own with `exact` expected revisions (every append
/// checks its revision), then reading every stream forwards and reading the global order.
struct EventStoreScenario {
    /// The backend's name, the rows' prefix.
    let label: String
    /// Events appended in batches (split over the writers).
    let events: Int
    /// Events appended one per append (split over the writers).
    let singleEvents: Int
    /// Events per batched append.
    let batch: Int
    let payload: ByteBuffer
    static let writers = 4

    /// The four rows: single appends, batched appends, stream reads, global-order reads.
    func run(on store: any EventStore) async throws -> [BenchResult] {
        let run = UUID().uuidString.prefix(8)
        let singlePer = max(1, singleEvents / Self.writers)
        let single = try await timed(events: singlePer * Self.writers) {
            try await appendFromWriters(store, streamPrefix: "single-\(run)", eventsPerWriter: singlePer, perAppend: 1)
        }
        let batchedPer = max(batch, events / Self.writers / batch * batch)
        let batched = try await timed(events: batchedPer * Self.writers) {
            try await appendFromWriters(store, streamPrefix: "batched-\(run)", eventsPerWriter: batchedPer, perAppend: batch)
        }
        var read = 0
        let reads = try await timed(events: batchedPer * Self.writers) {
            for writer in 0..<Self.writers {
                read += try await store.readStream("batched-\(run)-\(writer)", pageSize: 500).count
            }
        }
        guard read == batchedPer * Self.writers else {
            throw EventStoreError.unavailable("the bench read \(read) events back of \(batchedPer * Self.writers) appended")
        }
        let total = singlePer * Self.writers + batchedPer * Self.writers
        var globalRead = 0
        let global = try await timed(events: total) {
            var from: UInt64 = 0
            while globalRead < total {
                let page = try await store.readAll(from: from, limit: 500)
                guard let last = page.last else { break }
                globalRead += page.count
                from = last.position + 1
            }
        }
        return [
            BenchResult(
                scenario: "\(label): event store, append 1 event with exact revision, \(Self.writers) writers", events: single.events, duration: single.duration
            ),
            BenchResult(
                scenario: "\(label): event store, append batches of \(batch) with exact revision, \(Self.writers) writers", events: batched.events,
                duration: batched.duration),
            BenchResult(scenario: "\(label): event store, read streams forwards", events: reads.events, duration: reads.duration),
            BenchResult(scenario: "\(label): event store, read all streams in global order", events: globalRead, duration: global.duration),
        ]
    }

    /// Each writer appends `eventsPerWriter` events to its own stream, `perAppend` at a time, each append
    /// expecting the revision the previous one returned.
    private func appendFromWriters(_ store: any EventStore, streamPrefix: String, eventsPerWriter: Int, perAppend: Int) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for writer in 0..<Self.writers {
                group.addTask {
                    let stream = "\(streamPrefix)-\(writer)"
                    var expected = ExpectedRevision.noStream
                    var next = 0
                    while next < eventsPerWriter {
                        let count = min(perAppend, eventsPerWriter - next)
                        let events = try (next..<(next + count)).map { index in
                            try Event(id: "\(stream)-\(index)", source: "/herald/bench", type: "herald.bench.appended.v1", data: payload)
                        }
                        let result = try await store.append(events, to: stream, expecting: expected)
                        expected = .exact(result.nextExpectedRevision)
                        next += count
                    }
                }
            }
            try await group.waitForAll()
        }
    }

    private func timed(events: Int, _ body: () async throws -> Void) async throws -> (events: Int, duration: Duration) {
        let start = ContinuousClock.now
        try await body()
        return (events, ContinuousClock.now - start)
    }
}
