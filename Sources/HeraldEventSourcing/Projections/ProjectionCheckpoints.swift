import Foundation
import Herald
import Synchronization

/// Where a projection's model and its checkpoint (the global position of the last event applied) are
/// saved together, so that a restart resumes exactly after the events the saved model contains.
public protocol ProjectionCheckpoints: Sendable {
    /// The saved model and position of projection `name`, if any.
    func load(_ name: String) async throws -> (model: Data, position: UInt64)?
    /// Saves the model and the position in one step (both or neither).
    func save(_ name: String, model: Data, position: UInt64) async throws
}

/// Checkpoints in memory, for tests.
public final class InMemoryProjectionCheckpoints: ProjectionCheckpoints {
    // Mutex: runners save from their tasks while tests read.
    private let saved = Mutex<[String: (model: Data, position: UInt64)]>([:])

    /// None saved.
    public init() {}

    /// The saved model and position of `name`.
    public func load(_ name: String) async throws -> (model: Data, position: UInt64)? {
        saved.withLock { $0[name] }
    }

    /// Saves both.
    public func save(_ name: String, model: Data, position: UInt64) async throws {
        saved.withLock { $0[name] = (model, position) }
    }
}
