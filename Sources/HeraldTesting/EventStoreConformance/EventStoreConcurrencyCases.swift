import Foundation
import Herald
import Synchronization

/// Optimistic concurrency under contention.
enum EventStoreConcurrencyCases {
    /// Which event won each revision.
    private final class Wins: Sendable {
        // Mutex: the writers record from their own tasks.
        private let winners = Mutex<[UInt64: String]>([:])

        /// Records `id` as the winner of `revision`; `false` if another already won it.
        func record(_ id: String, at revision: UInt64) -> Bool {
            winners.withLock { winners in
                guard winners[revision] == nil else { return false }
                winners[revision] = id
                return true
            }
        }

        var all: [UInt64: String] { winners.withLock { $0 } }
    }

    static let all: [EventStoreConformance.Case] = [
        .init("16 concurrent writers with exact revisions on one stream: exactly one wins each revision, the others get the conflict", contendedWriters)
    ]

    /// Each writer loops: read the last revision, append one event expecting it, retry on a conflict,
    /// until it has appended its share. Every revision must be won by exactly one append, and every
    /// losing attempt must have been told the revision that beat it.
    static func contendedWriters(_ environment: EventStoreConformance.Environment) async throws {
        try await environment.withStore { store in
            let stream = EventStoreConformance.stream("contended")
            let prefix = UUID().uuidString
            let writers = 16
            let perWriter = 5
            let wins = Wins()
            try await within(environment.waitLimit * 4, "16 contending writers") {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for writer in 0..<writers {
                        group.addTask {
                            var appended = 0
                            var attempts = 0
                            while appended < perWriter {
                                attempts += 1
                                guard attempts < 2_000 else {
                                    throw ConformanceFailure("writer \(writer) made no progress in 2,000 attempts")
                                }
                                let current = try await store.lastRevision(of: stream)
                                let expected: ExpectedRevision = current.map { .exact($0) } ?? .noStream
                                let event = try EventStoreConformance.events(prefix, (writer * 100 + appended)..<(writer * 100 + appended + 1))
                                do {
                                    let result = try await store.append(event, to: stream, expecting: expected)
                                    try check(!result.wasAlreadyAppended, "a fresh id is never taken for a retry")
                                    let won = wins.record(event[0].id, at: result.nextExpectedRevision)
                                    try check(won, "revision \(result.nextExpectedRevision) was won twice")
                                    try checkEqual(
                                        result.nextExpectedRevision, current.map { $0 + 1 } ?? 0, "the winner's revision follows the one it expected")
                                    appended += 1
                                } catch let conflict as WrongExpectedRevisionError {
                                    try checkEqual(conflict.expected, expected, "the conflict's expected revision")
                                    try check(
                                        conflict.actual != current,
                                        "a conflict reports the revision that beat the append (\(String(describing: conflict.actual))), not the one it expected"
                                    )
                                }
                            }
                        }
                    }
                    try await group.waitForAll()
                }
            }
            let stored = try await store.readStream(stream)
            try checkEqual(stored.map(\.revision), (0..<UInt64(writers * perWriter)).map { $0 }, "dense revisions, one per won append")
            let recorded = wins.all
            try checkEqual(stored.map(\.event.id), stored.map { recorded[$0.revision] ?? "-" }, "each revision holds its winner's event")
            try checkEqual(Set(stored.map(\.event.id)).count, writers * perWriter, "no event stored twice")
        }
    }
}
