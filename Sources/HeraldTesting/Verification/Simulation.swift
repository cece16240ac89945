import Foundation
import Synchronization

/// Runs async code deterministically on simulated time: on one thread, jobs in a fixed order, and a
/// ``VirtualClock`` that jumps to the next deadline whenever everything waits on it, so days of timeouts,
/// backoff and ack deadlines pass in milliseconds and the same code gives the same interleaving on every
/// run. Everything that waits must wait on ``clock`` (pass it to brokers, consumers and middleware); a
/// wait on anything else (a real clock, a socket) stalls the simulation, which then cancels its work and
/// throws ``SimulationError/stalled(after:)``.
public struct Simulation: Sendable {
    /// The simulation's clock.
    public let clock = VirtualClock()
    /// Real seconds without progress, and with nobody asleep on the clock, after which the run counts as
    /// stalled. Default 10.
    public var stallLimit: TimeInterval

    /// A simulation at time zero.
    public init(stallLimit: TimeInterval = 10) {
        self.stallLimit = stallLimit
    }

    /// Runs `body` to its end inside the simulation and returns its result.
    ///
    /// - Throws: what `body` throws; ``SimulationError/stalled(after:)`` when it waited on something outside
    ///   the simulation.
    public func run<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) async throws -> T {
        let stalled = Atomic<Bool>(false)
        let work = Mutex<Task<T, any Error>?>(nil)
        let limit = stallLimit
        let executor = SimulationExecutor(clock: clock, stallLimit: limit) {
            stalled.store(true, ordering: .relaxed)
            work.withLock { $0 }?.cancel()
        }
        executor.start()
        defer { executor.stop() }
        let task = Task(executorPreference: executor) { try await body() }
        work.withLock { $0 = task }
        do {
            let value = try await task.value
            return value
        } catch {
            if stalled.load(ordering: .relaxed) { throw SimulationError.stalled(after: limit) }
            throw error
        }
    }
}

/// A simulation could not finish.
public enum SimulationError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Nothing ran for `after` real seconds and nobody slept on the simulation's clock: the code waited on
    /// something outside the simulation (a real clock, I/O). Pass the simulation's clock to what waits.
    case stalled(after: TimeInterval)

    /// What went wrong and what to do.
    public var description: String {
        switch self {
        case .stalled(let seconds):
            "the simulation stalled: nothing ran for \(seconds) s and nothing slept on its clock; the code waits on something outside the simulation (a real clock or I/O): pass the simulation's clock to everything that waits"
        }
    }
}
