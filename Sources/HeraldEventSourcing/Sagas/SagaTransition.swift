import Foundation
import Herald
import NIOCore

/// One change of a saga instance as its state stream keeps it: the state after the change, the event
/// that caused it and the commands it sent (sent again if that event is delivered again before the
/// next change, in case the process stopped between recording and sending).
struct SagaTransition: Codable, Sendable {
    /// The event type of the recorded changes.
    static let eventType = "herald.saga.transition.v1"

    struct Command: Codable, Sendable {
        var topic: String
        /// The command in CloudEvents JSON.
        var event: String
    }

    var state: SagaState
    var cause: String
    var commands: [Command]

    init(state: SagaState, cause: String, commands: [SagaCommand]) throws {
        self.state = state
        self.cause = cause
        self.commands = try commands.map { Command(topic: $0.topic, event: String(buffer: try CloudEventJSON.encode($0.event))) }
    }

    /// The commands, decoded.
    func sagaCommands() throws -> [SagaCommand] {
        try commands.map { SagaCommand(topic: $0.topic, event: try CloudEventJSON.decode($0.event)) }
    }

    /// The event recording this change in the state stream.
    func event(saga: String, revision: UInt64) throws -> Event {
        try Event(
            id: "\(state.correlationID):\(saga):\(revision)", source: "/herald/saga/\(saga)", type: Self.eventType,
            dataContentType: "application/json", data: ByteBuffer(bytes: try JSONEncoder().encode(self)))
    }

    /// The change a recorded event holds.
    static func decode(_ event: Event) throws -> SagaTransition {
        try JSONDecoder().decode(SagaTransition.self, from: Data(event.data?.readableBytesView ?? ByteBuffer().readableBytesView))
    }
}
