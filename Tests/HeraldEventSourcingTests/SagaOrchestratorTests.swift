import Foundation
import Herald
import HeraldEventSourcing
import HeraldTesting
import Logging
import NIOCore
import Testing

/// A coffee order: take the payment, reserve a cup, brew; refund and release when brewing fails or
/// takes longer than a minute.
private let coffee = SagaDefinition(
    name: "coffee",
    startedBy: "cafe.order.placed",
    steps: [
        SagaStep(
            "pay", completedBy: ["cafe.payment.captured"], failedBy: ["cafe.payment.declined"],
            command: { try command("cafe.payment.capture", $0) }, compensation: { try command("cafe.payment.refund", $0) }),
        SagaStep(
            "reserve", completedBy: ["cafe.cup.reserved"],
            command: { try command("cafe.cup.reserve", $0) }, compensation: { try command("cafe.cup.release", $0) }),
        SagaStep(
            "brew", completedBy: ["cafe.drink.ready"], failedBy: ["cafe.barista.failed"], timeout: .seconds(60),
            command: { try command("cafe.drink.brew", $0) }),
    ])

private func command(_ type: String, _ context: SagaContext) throws -> SagaCommand {
    SagaCommand(
        topic: "commands", event: try Event(id: context.commandID, source: "/cafe/saga", type: type, data: ByteBuffer(string: context.facts["start"] ?? "")))
}

/// An event of order `order`, as a service would publish it (correlated with the order).
private func reply(_ type: String, order: String, id: String? = nil) throws -> Event {
    var event = try Event(id: id ?? "\(type)-\(order)", source: "/cafe/services", type: type)
    try event.setExtension("correlationid", to: order)
    return event
}

private struct Cafe {
    let broker = InMemoryBroker()
    let store = InMemoryEventStore()
    let clock = ManualClock()
    let timers: TimerService
    let saga: SagaOrchestrator

    init() async throws {
        timers = TimerService(store: InMemoryTimerStore(), broker: broker, clock: clock)
        saga = SagaOrchestrator(coffee, store: store, broker: broker, timers: timers, listeningTo: ["cafe"])
        for topic in ["commands", "cafe", "saga-timeouts"] { try await broker.createTopic(TopicConfiguration(name: topic)) }
    }

    /// The types of the commands sent so far, in order.
    func commands() async throws -> [String] {
        try await broker.read(topic: "commands", partition: Partition(0), from: Offset(0), limit: 100).map(\.event.type)
    }

    func place(_ order: String) async throws -> SagaState? {
        try await saga.handle(try Event(id: order, source: "/cafe/till", type: "cafe.order.placed", data: ByteBuffer(string: "flat white")))
    }
}

@Suite("Sagas: orchestration")
struct SagaOrchestratorTests {
    @Test("every step completes: commands in order, the instance completes")
    func happyPath() async throws {
        let cafe = try await Cafe()
        _ = try await cafe.place("A-1")
        _ = try await cafe.saga.handle(try reply("cafe.payment.captured", order: "A-1"))
        _ = try await cafe.saga.handle(try reply("cafe.cup.reserved", order: "A-1"))
        let state = try #require(try await cafe.saga.handle(try reply("cafe.drink.ready", order: "A-1")))
        #expect(state.status == .completed)
        #expect(state.completed == ["pay", "reserve", "brew"])
        #expect(try await cafe.commands() == ["cafe.payment.capture", "cafe.cup.reserve", "cafe.drink.brew"])
        #expect(try await cafe.timers.store.pendingCount() == 0, "the brew timeout was cancelled when the drink was ready")
    }

    @Test("a failing step compensates the completed ones in reverse order")
    func compensatesInReverse() async throws {
        let cafe = try await Cafe()
        _ = try await cafe.place("B-2")
        _ = try await cafe.saga.handle(try reply("cafe.payment.captured", order: "B-2"))
        _ = try await cafe.saga.handle(try reply("cafe.cup.reserved", order: "B-2"))
        let state = try #require(try await cafe.saga.handle(try reply("cafe.barista.failed", order: "B-2")))
        #expect(state.status == .compensated)
        #expect(
            try await cafe.commands() == ["cafe.payment.capture", "cafe.cup.reserve", "cafe.drink.brew", "cafe.cup.release", "cafe.payment.refund"])
        let refund = try await cafe.broker.read(topic: "commands", partition: Partition(0), from: Offset(4), limit: 1).first?.event
        #expect(refund?.id == "B-2:coffee:pay:undo")
        #expect(refund?.extensionValue("correlationid") == "B-2")
        #expect(refund?.extensionValue("causationid") == "cafe.barista.failed-B-2", "a compensation is caused by the failure")
        let first = try await cafe.broker.read(topic: "commands", partition: Partition(0), from: Offset(0), limit: 1).first?.event
        #expect(first?.extensionValue("causationid") == "B-2", "the first command is caused by the order")
    }

    @Test("a step that times out compensates, on the timer service's clock")
    func timeoutCompensates() async throws {
        let cafe = try await Cafe()
        _ = try await cafe.place("C-3")
        _ = try await cafe.saga.handle(try reply("cafe.payment.captured", order: "C-3"))
        _ = try await cafe.saga.handle(try reply("cafe.cup.reserved", order: "C-3"))
        #expect(try await cafe.timers.fireDue() == 0, "not yet")
        cafe.clock.advance(by: .seconds(61))
        #expect(try await cafe.timers.fireDue() == 1)
        let timeout = try #require(try await cafe.broker.read(topic: "saga-timeouts", partition: Partition(0), from: Offset(0), limit: 1).first?.event)
        let state = try #require(try await cafe.saga.handle(timeout))
        #expect(state.status == .compensated)
        #expect(state.trace.contains("step brew timed out"))
        #expect(try await cafe.commands().suffix(2) == ["cafe.cup.release", "cafe.payment.refund"])
    }

    @Test("duplicates and late or early events do not break an instance")
    func duplicatesAndReordering() async throws {
        let cafe = try await Cafe()
        _ = try await cafe.place("D-4")
        // A completion for a later step, before its step: not for the current step, nothing changes.
        let early = try #require(try await cafe.saga.handle(try reply("cafe.cup.reserved", order: "D-4", id: "early")))
        #expect(early.step == 0 && early.completed.isEmpty)
        let paid = try reply("cafe.payment.captured", order: "D-4")
        let afterPaid = try #require(try await cafe.saga.handle(paid))
        let revision = try await cafe.store.lastRevision(of: coffee.stream(for: "D-4"))
        // The same event again: the state and its stream do not change; the step's command is sent again
        // with the same id (the first send may have been lost).
        #expect(try await cafe.saga.handle(paid) == afterPaid)
        #expect(try await cafe.store.lastRevision(of: coffee.stream(for: "D-4")) == revision)
        let reserveCommands = try await cafe.broker.read(topic: "commands", partition: Partition(0), from: Offset(0), limit: 100).filter {
            $0.event.type == "cafe.cup.reserve"
        }
        #expect(Set(reserveCommands.map(\.event.id)) == ["D-4:coffee:reserve"])
        _ = try await cafe.saga.handle(try reply("cafe.cup.reserved", order: "D-4"))
        _ = try await cafe.saga.handle(try reply("cafe.drink.ready", order: "D-4"))
        // Late: a barista failure and a payment after the end change nothing.
        let final = try #require(try await cafe.saga.handle(try reply("cafe.barista.failed", order: "D-4")))
        #expect(final.status == .completed)
        #expect(try await cafe.saga.handle(try reply("cafe.payment.captured", order: "D-4", id: "again"))?.status == .completed)
        #expect(!(try await cafe.commands().contains("cafe.payment.refund")))
    }

    @Test("two orchestrators handling one instance at once: each event changes it once")
    func concurrentHandlers() async throws {
        let cafe = try await Cafe()
        let other = SagaOrchestrator(coffee, store: cafe.store, broker: cafe.broker, timers: cafe.timers, listeningTo: ["cafe"])
        _ = try await cafe.place("E-5")
        let paid = try reply("cafe.payment.captured", order: "E-5")
        async let first = cafe.saga.handle(paid)
        async let second = other.handle(paid)
        let results = try await [first, second]
        #expect(results.allSatisfy { $0?.completed == ["pay"] })
        #expect(try await cafe.store.lastRevision(of: coffee.stream(for: "E-5")) == 1, "started, then paid: two changes")
    }

    @Test("events of no instance are ignored")
    func unknownInstances() async throws {
        let cafe = try await Cafe()
        #expect(try await cafe.saga.handle(try reply("cafe.payment.captured", order: "nobody")) == nil)
        #expect(try await cafe.saga.handle(try Event(id: "x", source: "/elsewhere", type: "other.event")) == nil)
    }
}

@Suite("Sagas: orchestration as a service")
struct SagaServiceTests {
    @Test("run reads the saga's topics and sends the commands", .timeLimit(.minutes(1)))
    func runs() async throws {
        let cafe = try await Cafe()
        let commands = try await cafe.broker.subscribe(to: "commands", group: "barista", options: SubscriptionOptions(startPosition: .earliest))
        let running = Task { try await cafe.saga.run() }
        _ = try await cafe.broker.publish(try Event(id: "F-6", source: "/cafe/till", type: "cafe.order.placed"), to: "cafe")
        var iterator = commands.makeAsyncIterator()
        let first = try #require(try await iterator.next())
        #expect(first.event.type == "cafe.payment.capture")
        _ = try await cafe.broker.publish(try reply("cafe.payment.captured", order: "F-6"), to: "cafe")
        let second = try #require(try await iterator.next())
        #expect(second.event.id == "F-6:coffee:reserve")
        running.cancel()
        await commands.close()
    }
}
