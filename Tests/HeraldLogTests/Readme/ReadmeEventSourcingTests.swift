import Foundation
import Herald
import HeraldEventSourcing
import HeraldLog
import Testing

struct CupOrdered: TypedEvent {
    static let eventType = "coffee.cup.ordered"
    var drink: String
}

struct CupPaid: TypedEvent {
    static let eventType = "coffee.cup.paid"
    var drink: String
    var cents: Int
}

/// A cup's state, rebuilt by replaying its stream `cup-<id>`.
struct Cup: Aggregate {
    static let category = "cup"
    var drink: String?
    var isPaid = false

    mutating func apply(_ recorded: RecordedEvent) throws {
        switch recorded.event.type {
        case CupOrdered.cloudEventType: drink = try recorded.event.decode(as: CupOrdered.self).drink
        case CupPaid.cloudEventType: isPaid = true
        default: break  // a newer writer's event type: ignore it
        }
    }
}

/// A read model over every stream: takings per drink.
struct Takings: Projection, Codable {
    static let name = "takings"
    var centsByDrink: [String: Int] = [:]

    mutating func apply(_ recorded: RecordedEvent) throws {
        guard recorded.event.type == CupPaid.cloudEventType else { return }
        let paid = try recorded.event.decode(as: CupPaid.self)
        centsByDrink[paid.drink, default: 0] += paid.cents
    }
}

@Test("README: event sourcing on the embedded log")
func eventSourcing() async throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("cafe-\(UUID())").path
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let store = try await LogEventStore.open(LogEventStoreConfiguration(directory: "\(directory)/events"))
    let cups = AggregateRepository<Cup>(store: store)

    // Decide on the loaded state; the append expects the loaded revision, and `update` loads and
    // decides again when another writer came first.
    try await cups.update("17") { cup in
        cup.drink == nil ? [try Event(CupOrdered(drink: "flat white"), source: "/till")] : []
    }
    try await cups.update("17") { cup in
        cup.isPaid ? [] : [try Event(CupPaid(drink: cup.drink ?? "", cents: 350), source: "/till")]
    }
    #expect(try await cups.load("17").state.isPaid)

    // A writer that decided on an old state gets the conflict, naming both revisions; nothing is written.
    let stale = try Event(CupPaid(drink: "flat white", cents: 350), source: "/till")
    await #expect(throws: WrongExpectedRevisionError(stream: "cup-17", expected: .exact(0), actual: 1)) {
        try await store.append([stale], to: Cup.stream(for: "17"), expecting: .exact(0))
    }

    // Read models are rebuilt from the global order: from zero, or as of a point in time.
    let checkpoints = try LogProjectionCheckpoints(directory: "\(directory)/projections")
    let takings = ProjectionRunner<Takings>(store: store, checkpoints: checkpoints)
    #expect(try await takings.rebuild().centsByDrink == ["flat white": 350])
    #expect(try await takings.rebuild(asOf: Date(timeIntervalSince1970: 0)).centsByDrink.isEmpty)
    try await store.close()
}
