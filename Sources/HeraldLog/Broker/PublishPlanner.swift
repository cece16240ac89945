import Herald
import Logging

/// Plans publishes to the embedded log, under the topic's lock: each event's size against the limits, the
/// de-duplication window's claims, and room under the topic's limits (its ``RetentionPolicy``). Writing is
/// the broker's, after the lock.
struct PublishPlanner: Sendable {
    /// Where de-duplication windows read the time.
    let time: TimeSource
    /// Where retention's warnings go.
    let logger: Logger

    /// What a publish does next.
    enum Plan {
        /// Another publish is writing an event with the same (source, id); wait for it, then plan again.
        case wait
        /// Write what the plan says.
        case write(PlannedPublish)
    }

    /// A publish planned under its topic's lock, to be written after it.
    struct PlannedPublish {
        /// Per event: the receipt of an earlier copy, or the partition to write to.
        var outcomes: [Outcome]
        var topic: LogTopic
        /// This publish's id in the de-duplication window's claims.
        var publishID: UInt64
        /// The keys it claimed, with the index of the event that carries each.
        var claimed: [(key: DeduplicationFingerprint, index: Int)]
        /// Whether making room left retention file work, done before the write.
        var retires: Bool

        /// What becomes of one event.
        enum Outcome {
            /// A copy is stored already, at this place.
            case duplicate(Partition, Offset)
            /// A copy comes earlier in the same publish, at this index.
            case duplicateInBatch(Int)
            /// Written to this partition.
            case write(Int)
        }
    }

    /// Plans a publish under `topic`'s lock: sizes, de-duplication claims and room under the limits.
    func plan(_ events: [Event], on topic: LogTopic, publishID: UInt64) throws(BrokerError) -> Plan {
        let topicName = topic.name
        // An event's size is the bytes it takes on disk (every attribute, its data and its partition key), so
        // that nothing is acknowledged that a reader would refuse, and the topic's byte bound counts what
        // is stored.
        let maximumEventBytes = min(topic.configuration.maximumEventBytes, LogBroker.maximumEventBytes)
        var payloadBytes: Int64 = 0
        for event in events {
            let size = RecordBatch.recordSize(of: event)
            if size > maximumEventBytes {
                throw .eventTooLarge(topic: topicName, eventID: event.id, size: size, limit: maximumEventBytes)
            }
            payloadBytes += Int64(size)
        }
        var outcomes: [PlannedPublish.Outcome] = []
        outcomes.reserveCapacity(events.count)
        var claimed: [(key: DeduplicationFingerprint, index: Int)] = []
        // One access to the window for the whole batch, and one hash lookup per event in it.
        let mustWait = topic.withDeduplication { window -> Bool in
            guard window.isEnabled else {
                for event in events { outcomes.append(.write(topic.partition(for: event))) }
                return false
            }
            claimed.reserveCapacity(events.count)
            window.expire(now: time.now.instant)
            for (index, event) in events.enumerated() {
                let key = event.deduplicationKey.fingerprint
                switch window.claim(key, publish: publishID, index: index) {
                case .claimed:
                    claimed.append((key, index))
                    outcomes.append(.write(topic.partition(for: event)))
                case .duplicate(let partition, let offset):
                    outcomes.append(.duplicate(partition, offset))
                case .earlierInBatch(let earlier):
                    outcomes.append(.duplicateInBatch(earlier))
                case .heldElsewhere:
                    for (key, _) in claimed { window.release(key, publish: publishID) }
                    return true
                }
            }
            return false
        }
        if mustWait { return .wait }
        let newEvents = topic.deduplication.isEnabled ? claimed.count : events.count
        let retires: Bool
        do {
            retires = try topic.makeRoom(events: newEvents, bytes: payloadBytes, logger: logger)
        } catch {
            topic.withDeduplication { window in
                for (key, _) in claimed { window.release(key, publish: publishID) }
            }
            throw error
        }
        return .write(PlannedPublish(outcomes: outcomes, topic: topic, publishID: publishID, claimed: claimed, retires: retires))
    }

}
