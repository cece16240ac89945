import Foundation
import Herald

/// Catch-up subscriptions: stored events, then live ones, with no gap and no duplicate at the switch.
enum EventStoreSubscriptionCases {
    static let all: [EventStoreConformance.Case] = [
        .init("a stream subscription catches up, then follows live while appends continue, losing and repeating nothing", streamCatchUpThenLive),
        .init("an all-streams subscription from a checkpoint delivers every later event once, in global order", allCatchUpFromCheckpoint),
    ]

    static func streamCatchUpThenLive(_ environment: EventStoreConformance.Environment) async throws {
        try await environment.withStore { store in
            let stream = EventStoreConformance.stream("live")
            let prefix = UUID().uuidString
            for chunk in 0..<5 {
                _ = try await store.append(try EventStoreConformance.events(prefix, chunk * 20..<chunk * 20 + 20), to: stream, expecting: .any)
            }
            let total = 300
            let writer = Task {
                // Appends continue while the subscriber catches up and after it has.
                for chunk in 5..<(total / 20) {
                    _ = try await store.append(try EventStoreConformance.events(prefix, chunk * 20..<chunk * 20 + 20), to: stream, expecting: .any)
                    if chunk % 3 == 0 { try await Task.sleep(for: .milliseconds(5)) }
                }
            }
            let received = try await within(environment.waitLimit, "\(total) events through a stream subscription") {
                var ids: [String] = []
                var revisions: [UInt64] = []
                for try await event in store.subscribe(to: stream) {
                    ids.append(event.event.id)
                    revisions.append(event.revision)
                    if ids.count == total { break }
                }
                return (ids, revisions)
            }
            try await writer.value
            try checkEqual(received.1, (0..<UInt64(total)).map { $0 }, "revisions delivered, in order, once each")
            try checkEqual(received.0, (0..<total).map { "\(prefix)-\($0)" }, "events delivered")

            // From a checkpoint: the event after it first.
            let resumed = try await within(environment.waitLimit, "a subscription after revision 249") {
                var revisions: [UInt64] = []
                for try await event in store.subscribe(to: stream, after: 249) {
                    revisions.append(event.revision)
                    if revisions.count == 50 { break }
                }
                return revisions
            }
            try checkEqual(resumed, (250..<300).map { UInt64($0) }, "a subscription after a checkpoint")
        }
    }

    static func allCatchUpFromCheckpoint(_ environment: EventStoreConformance.Environment) async throws {
        try await environment.withStore { store in
            let streams = (0..<3).map { EventStoreConformance.stream("fan\($0)") }
            let prefix = UUID().uuidString
            let before = try await store.append(try EventStoreConformance.events(prefix, 0..<1), to: streams[0], expecting: .any)
            let mine = Set(streams)
            let writer = Task {
                for index in 1..<121 {
                    _ = try await store.append(try EventStoreConformance.events(prefix, index..<(index + 1)), to: streams[index % 3], expecting: .any)
                }
            }
            let received = try await within(environment.waitLimit, "120 events through an all-streams subscription") {
                var seen: [RecordedEvent] = []
                for try await event in store.subscribeToAll(after: before.position) where mine.contains(event.stream) {
                    seen.append(event)
                    if seen.count == 120 { break }
                }
                return seen
            }
            try await writer.value
            try checkEqual(received.map(\.event.id), (1..<121).map { "\(prefix)-\($0)" }, "every later event once, in append order")
            try check(zip(received, received.dropFirst()).allSatisfy { $0.position < $1.position }, "positions increase")
            try check(received.allSatisfy { $0.position > before.position }, "nothing at or before the checkpoint")
        }
    }
}
