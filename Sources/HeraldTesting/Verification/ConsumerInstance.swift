import Herald
import Synchronization

/// One running instance of a consumer in a verification run: how a simulated crash reaches the task
/// running it.
final class ConsumerInstance: Sendable {
    /// The consumer group.
    let group: String
    /// Which instance of the group (0, or 1 with competing consumers).
    let index: Int
    // Atomic: set from inside a handler, read by the runner.
    private let crashed = Atomic<Bool>(false)
    /// Notified when a crash is requested.
    let crashSignal = AsyncSignal()

    init(group: String, index: Int) {
        self.group = group
        self.index = index
    }

    /// Asks the runner to kill this instance.
    func crash() {
        crashed.store(true, ordering: .relaxed)
        crashSignal.notify()
    }

    /// Whether a crash was requested.
    var isCrashed: Bool { crashed.load(ordering: .relaxed) }

    /// The instance whose consumer runs in this task (the subscriptions it makes belong to it).
    @TaskLocal static var current: ConsumerInstance?
}
