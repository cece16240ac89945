import Foundation
import Testing

@testable import Herald

/// A ledger on in-memory partitions with a manual clock: tests move `now` instead of sleeping.
struct LedgerFixture {
    var logs: [PartitionLog]
    var ledger: GroupLedger
    /// The manual clock.
    var now = Moment(sinceOrigin: .seconds(1_000))
    /// The wall-clock time recorded with deliveries and failures.
    var date = WallTime(Date(timeIntervalSince1970: 1_700_000_000))

    /// `events` events spread over `partitions` partitions (event `i` in partition `i % partitions`), keyed by
    /// `key(i)` when given, and a ledger on them.
    init(
        partitions: Int = 1,
        events: Int,
        options: SubscriptionOptions = SubscriptionOptions(),
        key: ((Int) -> String)? = nil
    ) throws {
        var logs = Array(repeating: PartitionLog(), count: partitions)
        for index in 0..<events {
            let event = try Event(id: "e\(index)", source: "/test", type: "test", subject: key?(index))
            let partition = index % partitions
            _ = logs[partition].append(event, partition: Partition(partition), storedAt: Date(timeIntervalSince1970: 1_700_000_000))
        }
        self.logs = logs
        self.ledger = GroupLedger(name: "billing", topic: "orders", options: options, logs: logs)
    }

    /// Moves the manual clock.
    mutating func advance(by duration: Duration) {
        now = now + duration
    }

    /// A take for `member` at the current time.
    mutating func take(_ member: UInt64, limit: Int = 100) -> GroupTake {
        ledger.take(member: member, limit: limit, logs: logs, now: now, date: date)
    }

    /// The deliveries a take for `member` hands out (none when it finds nothing).
    mutating func dispatched(_ member: UInt64, limit: Int = 100) -> [DispatchedRecord] {
        if case .dispatched(let records) = take(member, limit: limit).outcome { return records }
        return []
    }

    /// Settles at the current time.
    mutating func settle(_ record: DispatchedRecord, _ settlement: Settlement) -> GroupActions {
        ledger.settle(record.token, settlement, now: now, date: date)
    }

    /// The group's lag.
    var lag: GroupLag { ledger.lag(logs: logs) }
}

extension DispatchedRecord {
    /// The event's id, for readable expectations.
    var id: String { record.event.id }
}
