import Herald
import Synchronization

/// What one verification run records as it goes: side effects, dependency calls, handlers in flight;
/// and where consumer crashes are played. Shared by the run's world, broker and dependencies.
final class RunJournal: Sendable {
    let plan: FaultPlan
    let clock: VirtualClock
    private struct State {
        var effects: [SideEffect] = []
        var dependencyCalls = 0
        var firstDependencyCall: Duration?
        var inFlight = 0
        var published: Set<String> = []
    }
    // Mutex: handlers of every consumer record here; the verifier reads after the run.
    private let state = Mutex(State())
    /// Notified whenever a handler finishes.
    let handlingFinished = AsyncSignal()

    init(plan: FaultPlan, clock: VirtualClock) {
        self.plan = plan
        self.clock = clock
    }

    /// Records a side effect of the handling in progress.
    func record(target: String, effect: String, key: String?) {
        let attribution = HandlingAttribution.current
        let effect = SideEffect(
            target: target, effect: effect, key: key, causedBy: attribution?.eventID ?? "-", causedAt: attribution?.storedAt ?? "-",
            group: attribution?.group ?? "-", at: clock.now.offset)
        state.withLock { $0.effects.append(effect) }
    }

    /// Whether `event` is published to `topic` for the first time in this run. An event published again
    /// under the same `source` and `id` is the same event — a handler run again after a crash or a lost
    /// ack — which consumers recognise by its id: not a second side effect. (One that a consumer acts on
    /// twice shows up in that consumer's own effects.)
    func isFirstPublish(of event: Event, to topic: String) -> Bool {
        state.withLock { $0.published.insert("\(topic) \(event.source) \(event.id)").inserted }
    }

    /// Plays a consumer crash right after `sideEffect` when the plan says so.
    func crashIfPlanned(after sideEffect: String, attempt: Int) throws(SimulatedCrash) {
        guard plan.plays(.consumerCrash), let attribution = HandlingAttribution.current else { return }
        let site = FaultSite(action: "crash after", subject: sideEffect, attempt: attempt)
        guard plan.strikes(site, for: .consumerCrash) else { return }
        attribution.instance?.crash()
        throw SimulatedCrash(after: sideEffect)
    }

    func noteDependencyCall() {
        let now = clock.now.offset
        state.withLock { state in
            state.dependencyCalls += 1
            if state.firstDependencyCall == nil { state.firstDependencyCall = now }
        }
    }

    /// Whether an outage (from the first dependency call, for the profile's duration) is on now.
    func isInOutage() -> Bool {
        guard let profile = plan.profile else { return false }
        let now = clock.now.offset
        return state.withLock { state in
            guard let start = state.firstDependencyCall else { return false }
            return now >= start && now < start + profile.duration
        }
    }

    func handlingStarted() { state.withLock { $0.inFlight += 1 } }

    func handlingEnded() {
        state.withLock { $0.inFlight -= 1 }
        handlingFinished.notify()
    }

    /// Handlers running now.
    var inFlight: Int { state.withLock { $0.inFlight } }
    /// Side effects so far, in order.
    var effects: [SideEffect] { state.withLock { $0.effects } }
    /// Dependency calls so far.
    var dependencyCalls: Int { state.withLock { $0.dependencyCalls } }
}
