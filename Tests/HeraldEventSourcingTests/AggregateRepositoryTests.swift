import Foundation
import Herald
import HeraldEventSourcing
import Logging
import Synchronization
import Testing

private struct ItemAdded: TypedEvent {
    static let eventType = "test.order.item-added"
    var item: String
}

private struct OrderPlaced: TypedEvent {
    static let eventType = "test.order.placed"
}

/// An order: items until it is placed; a placed order takes no more items.
private struct Order: SnapshottingAggregate {
    static let category = "order"
    static let snapshotVersion = 2
    var items: [String] = []
    var isPlaced = false
    var applied = 0

    mutating func apply(_ recorded: RecordedEvent) throws {
        applied += 1
        switch recorded.event.type {
        case ItemAdded.cloudEventType: items.append(try recorded.event.decode(as: ItemAdded.self).item)
        case OrderPlaced.cloudEventType: isPlaced = true
        default: break
        }
    }
}

private struct OrderAlreadyPlaced: Error {}

private let quiet = Logger(label: "herald.test", factory: { _ in SwiftLogNoOpLogHandler() })

private func added(_ item: String) throws -> Event {
    try Event(ItemAdded(item: item), source: "/test/orders")
}

@Suite("Aggregates: repositories")
struct AggregateRepositoryTests {
    @Test("an aggregate is rebuilt from its stream, and appends expect the loaded revision")
    func loadDecideAppend() async throws {
        let store = InMemoryEventStore()
        let repository = AggregateRepository<Order>(store: store)
        let empty = try await repository.load("A-1")
        #expect(empty.revision == nil)
        #expect(empty.expectedRevision == .noStream)
        try await repository.save([try added("latte"), try added("scone")], for: empty)
        let loaded = try await repository.load("A-1")
        #expect(loaded.state.items == ["latte", "scone"])
        #expect(loaded.revision == 1)
        #expect(loaded.replayedEvents == 2)
        #expect(try await store.lastRevision(of: "order-A-1") == 1)
    }

    @Test("a writer that decided on an old state gets the conflict; update decides again on the new one")
    func conflictsAreRetried() async throws {
        let store = InMemoryEventStore()
        let repository = AggregateRepository<Order>(store: store)
        let first = try await repository.load("A-2")
        let second = try await repository.load("A-2")
        try await repository.save([try added("tea")], for: first)
        await #expect(throws: WrongExpectedRevisionError.self) {
            try await repository.save([try added("cake")], for: second)
        }
        // update: the first attempt loses to a writer that slips in between its load and its append.
        let decisions = Mutex(0)
        try await repository.update("A-2") { order in
            let attempt = decisions.withLock { count -> Int in
                count += 1
                return count
            }
            if attempt == 1 {
                // Another writer appends after this load.
                _ = try await store.append([try added("rival")], to: "order-A-2", expecting: .exact(0))
            }
            return [try added("cake \(order.items.count)")]
        }
        let final = try await repository.load("A-2")
        #expect(decisions.withLock { $0 } == 2)
        #expect(final.state.items == ["tea", "rival", "cake 2"])
    }

    @Test("a command refused by the state appends nothing")
    func refusedCommand() async throws {
        let store = InMemoryEventStore()
        let repository = AggregateRepository<Order>(store: store)
        try await repository.update("A-3") { _ in [try added("mocha"), try Event(OrderPlaced(), source: "/test/orders")] }
        await #expect(throws: OrderAlreadyPlaced.self) {
            try await repository.update("A-3") { order in
                guard !order.isPlaced else { throw OrderAlreadyPlaced() }
                return [try added("more")]
            }
        }
        #expect(try await store.lastRevision(of: "order-A-3") == 1)
    }

    @Test("with snapshots every 10 events, loading replays only the events after the newest snapshot")
    func snapshotsShortenReplay() async throws {
        let store = InMemoryEventStore()
        let snapshots = InMemorySnapshotStore()
        let repository = AggregateRepository<Order>(store: store, snapshots: snapshots, snapshotEvery: 10)
        for index in 0..<25 {
            try await repository.update("A-4") { _ in [try added("item-\(index)")] }
        }
        let snapshot = try #require(try await snapshots.load(stream: "order-A-4"))
        #expect(snapshot.revision == 19)
        #expect(snapshot.version == Order.snapshotVersion)
        let loaded = try await repository.load("A-4")
        #expect(loaded.snapshotRevision == 19)
        #expect(loaded.replayedEvents == 5)
        #expect(loaded.revision == 24)
        #expect(loaded.state.items == (0..<25).map { "item-\($0)" })
    }

    @Test("a snapshot of an older version, or one that does not decode, is ignored: the stream is replayed from its start")
    func staleSnapshotsAreIgnored() async throws {
        let store = InMemoryEventStore()
        let snapshots = InMemorySnapshotStore()
        let repository = AggregateRepository<Order>(store: store, snapshots: snapshots, snapshotEvery: 1_000, logger: quiet)
        for index in 0..<3 {
            try await repository.update("A-5") { _ in [try added("item-\(index)")] }
        }
        let stale = Order(items: ["wrong"], isPlaced: true, applied: 0)
        snapshots.replace(Snapshot(stream: "order-A-5", revision: 2, version: 1, data: try JSONEncoder().encode(stale)))
        let fromOld = try await repository.load("A-5")
        #expect(fromOld.snapshotRevision == nil)
        #expect(fromOld.state.items == ["item-0", "item-1", "item-2"])
        snapshots.replace(Snapshot(stream: "order-A-5", revision: 2, version: Order.snapshotVersion, data: Data("not json".utf8)))
        let fromDamaged = try await repository.load("A-5")
        #expect(fromDamaged.snapshotRevision == nil)
        #expect(fromDamaged.replayedEvents == 3)
    }
}
