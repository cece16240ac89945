import Foundation
import HeraldTesting
import Synchronization
import Testing

@Suite("Simulation: deterministic, on virtual time")
struct SimulationTests {
    @Test("thirty simulated days of sleeping take seconds at most, and the clock jumps to each deadline")
    func timeJumps() async throws {
        let simulation = Simulation()
        let clock = simulation.clock
        let started = Date()
        let woke = try await simulation.run { () -> [Duration] in
            var woke: [Duration] = []
            for day in 1...30 {
                try await clock.sleep(until: .init(offset: .seconds(day * 86_400)))
                woke.append(clock.now.offset)
            }
            return woke
        }
        #expect(woke == (1...30).map { .seconds($0 * 86_400) })
        // Thirty days in less than ten seconds even on a machine busy with the other suites (alone: milliseconds).
        #expect(Date().timeIntervalSince(started) < 10)
    }

    @Test("concurrent tasks interleave the same way on every run, and a timeout races a slow call on simulated time")
    func sameInterleavingEveryRun() async throws {
        func once() async throws -> [String] {
            let simulation = Simulation()
            let clock = simulation.clock
            return try await simulation.run {
                let log = Lines()
                await withTaskGroup(of: Void.self) { group in
                    for task in 0..<6 {
                        group.addTask {
                            for step in 0..<4 {
                                try? await clock.sleep(until: clock.now.advanced(by: .milliseconds((task * 7 + step * 3) % 5 * 100)))
                                log.append("t\(task).\(step)@\(clock.now.offset)")
                            }
                        }
                    }
                    group.addTask {
                        let winner = await withTaskGroup(of: String.self) { race in
                            race.addTask {
                                try? await clock.sleep(until: clock.now.advanced(by: .seconds(86_400)))
                                return "slow call"
                            }
                            race.addTask {
                                try? await clock.sleep(until: clock.now.advanced(by: .seconds(10)))
                                return "timeout"
                            }
                            let first = await race.next() ?? "none"
                            race.cancelAll()
                            return first
                        }
                        log.append("\(winner)@\(clock.now.offset)")
                    }
                }
                return log.all
            }
        }
        let first = try await once()
        #expect(first.count == 25)
        #expect(first.last == "timeout@10.0 seconds")
        for _ in 0..<5 { #expect(try await once() == first) }
    }

    @Test("code that waits on a real clock stalls the simulation, which says so instead of hanging")
    func stallIsReported() async throws {
        let simulation = Simulation(stallLimit: 0.2)
        await #expect(throws: SimulationError.stalled(after: 0.2)) {
            try await simulation.run { try await Task.sleep(for: .seconds(30)) }
        }
    }
}

/// Lines appended from concurrent tasks.
private final class Lines: Sendable {
    // Mutex: tasks of the simulation append; the test reads at the end.
    private let lines = Mutex<[String]>([])

    func append(_ line: String) { lines.withLock { $0.append(line) } }

    var all: [String] { lines.withLock { $0 } }
}
