import Foundation
import NIOConcurrencyHelpers
import Synchronization

/// The floor this machine sets for latency measured across threads: one thread sleeps until each due
/// time (at the latency scenario's rate) and hands it to a second, waiting thread through a condition
/// variable; the figure is how late the second thread sees it. No Swift concurrency, no broker: on a
/// small virtual machine the scheduler alone puts milliseconds into the tail, and every latency the
/// broker reports crosses at least this one hand-off.
struct HandOffLatencyReference {
    let rate: Int
    let seconds: Int

    func run() -> LatencyScenario.Result {
        let count = rate * seconds
        let clock = ContinuousClock()
        let start = clock.now + .milliseconds(50)
        let interval = Duration.seconds(1) / rate
        // 1 while a hand-over waits to be seen; the count of due times handed over is beside it.
        let pending = ConditionLock(value: 0)
        let handedOver = Atomic<Int>(0)
        let histogram = LatencyScenario.SharedHistogram()
        let done = ConditionLock(value: false)
        let receiver = Thread {
            var seen = 0
            while seen < count {
                pending.lock(whenValue: 1)
                pending.unlock(withValue: 0)
                let available = handedOver.load(ordering: .acquiring)
                let now = clock.now
                while seen < available {
                    histogram.record(now - (start + interval * seen))
                    seen += 1
                }
            }
            done.lock()
            done.unlock(withValue: true)
        }
        receiver.start()
        for index in 0..<count {
            let wait = start + interval * index - clock.now
            if wait > .zero {
                let (wholeSeconds, attoseconds) = wait.components
                var time = timespec(tv_sec: Int(wholeSeconds), tv_nsec: Int(attoseconds / 1_000_000_000))
                nanosleep(&time, nil)
            }
            handedOver.store(index + 1, ordering: .releasing)
            pending.lock()
            pending.unlock(withValue: 1)
        }
        done.lock(whenValue: true)
        done.unlock()
        return histogram.result
    }
}
