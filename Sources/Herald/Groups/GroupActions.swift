/// Whom a change of a group's ledger may have given work to.
package enum GroupWake: Equatable, Sendable {
    /// Nobody: no member can have gained work.
    case nobody
    /// One member.
    case member(UInt64)
    /// Several members.
    case members([UInt64])
    /// Every member (they re-check for work).
    case everyone

    /// Whom both wake-ups reach.
    package func merged(with other: GroupWake) -> GroupWake {
        switch (self, other) {
        case (.nobody, let wake), (let wake, .nobody): return wake
        case (.everyone, _), (_, .everyone): return .everyone
        case (.member(let lhs), .member(let rhs)): return lhs == rhs ? self : .members([lhs, rhs])
        case (.member(let id), .members(let ids)), (.members(let ids), .member(let id)): return .members(ids + [id])
        case (.members(let lhs), .members(let rhs)): return .members(lhs + rhs)
        }
    }
}

/// What the owner of a ``GroupLedger`` must do after an operation on it, once it has left its lock.
package struct GroupActions: Equatable, Sendable {
    /// Members to wake.
    package var wake: GroupWake
    /// Events to move to the group's dead-letter topic; report each back with
    /// ``GroupLedger/finishDeadLetter(_:outcome:now:)``.
    package var deadLetters: [DeadLetterRequest]

    /// Actions to run.
    package init(wake: GroupWake = .nobody, deadLetters: [DeadLetterRequest] = []) {
        self.wake = wake
        self.deadLetters = deadLetters
    }

    /// Nothing to do.
    package static let none = GroupActions()
}

/// A request to move an event to the group's dead-letter topic. The owner reads the event, stores the
/// dead letter and reports back through ``GroupLedger/finishDeadLetter(_:outcome:now:)``; the ledger keeps
/// the event parked meanwhile.
package struct DeadLetterRequest: Equatable, Sendable {
    /// The partition of the event to dead-letter.
    package var partition: Partition
    /// Its offset.
    package var offset: Offset
    /// The ledger's epoch when it asked: a seek since makes the request stale.
    package var epoch: UInt64
    /// The failure to record: the last one, or why the group gave up.
    package var failure: DeliveryFailure
    /// Deliveries made.
    package var attempts: Int
    /// When it first failed (its first delivery if it never failed).
    package var firstFailureAt: WallTime
    /// When it last failed.
    package var lastFailureAt: WallTime

    /// The dead letter of `record` (the event at ``partition`` and ``offset``) for group `group` on `topic`.
    package func deadLetter(of record: StoredEvent, topic: String, group: String) -> DeadLetter {
        DeadLetter(
            event: record.event,
            failure: failure,
            attempts: attempts,
            firstFailureAt: firstFailureAt.date,
            lastFailureAt: lastFailureAt.date,
            originTopic: topic,
            originPartition: partition,
            originOffset: offset,
            group: group
        )
    }
}

/// How storing a dead letter ended.
package enum DeadLetterOutcome: Equatable, Sendable {
    /// Stored: the event counts as handled.
    case stored
    /// Storing failed: the ledger tries again in a second.
    case failed
    /// The event is no longer in its topic (retention removed it): nothing is left to dead-letter.
    case eventGone
}

/// One event handed to a member: what its ``Delivery`` is made of.
package struct DispatchedRecord: Sendable, Equatable {
    /// The event and where it is stored.
    package var record: StoredEvent
    /// Which delivery of the event this is: 1 for the first.
    package var attempt: Int
    /// When the event was first delivered to the group.
    package var firstDeliveredAt: WallTime
    /// Identifies the delivery for settling.
    package var token: DeliveryToken
}

/// What a take from a ledger found.
package enum TakeOutcome: Equatable, Sendable {
    /// Events to hand out, in order (never empty).
    case dispatched([DispatchedRecord])
    /// Nothing now; look again at the given moment or when woken.
    case wait(until: Moment?)
    /// The member is closed (it left, drains, or the ledger closed).
    case closed
}

/// What ``GroupLedger/take(member:limit:logs:now:date:)`` returns: the outcome for the member and the
/// actions the take caused (expired deadlines and exhausted deliveries give dead letters).
package struct GroupTake: Equatable, Sendable {
    /// What the member gets.
    package var outcome: TakeOutcome
    /// What the owner must do.
    package var actions: GroupActions
}
