import Synchronization

/// A value shared by concurrent tasks (a conformance case's workers, a harness's consumers).
final class Shared<Value: Sendable>: Sendable {
    // Mutex: the tasks of a case record what they receive concurrently.
    private let storage: Mutex<Value>

    init(_ value: Value) {
        self.storage = Mutex(value)
    }

    func update<R: Sendable>(_ body: (inout sending Value) -> sending R) -> R {
        storage.withLock { body(&$0) }
    }

    var value: Value { storage.withLock { $0 } }
}
