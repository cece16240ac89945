import Dispatch
import Herald
import Synchronization

/// File operations held up by ``FaultInjectingFileSystem/stall(pathsContaining:)`` until ``resume()``.
public final class FileSystemStall: Sendable {
    // Mutex: file operations on I/O threads pass the stall while the test resumes it.
    private let state = Mutex((isResumed: false, waiting: 0))
    private let resumed = DispatchSemaphore(value: 0)
    private let entered = AsyncSignal()

    init() {}

    /// Lets every held operation go on, and every later one pass.
    public func resume() {
        let waiting = state.withLock { state -> Int in
            state.isResumed = true
            defer { state.waiting = 0 }
            return state.waiting
        }
        for _ in 0..<waiting { resumed.signal() }
    }

    /// How many operations wait at the stall now.
    public var waiting: Int { state.withLock { $0.waiting } }

    /// Returns once an operation waits at the stall.
    public func reached() async {
        while waiting == 0 { await entered.wait() }
    }

    /// Blocks the calling thread until ``resume()`` (at once if it was resumed).
    func pass() {
        let mustWait = state.withLock { state -> Bool in
            guard !state.isResumed else { return false }
            state.waiting += 1
            return true
        }
        guard mustWait else { return }
        entered.notify()
        resumed.wait()
    }
}
