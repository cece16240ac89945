/// The rules every event store applies to an append, in one place for all backends.
package enum AppendRules {
    /// Refuses an invalid stream name, an empty append and an event id twice in one append.
    ///
    /// - Throws: ``EventStoreError/invalidStreamName(_:reason:)`` or ``EventStoreError/invalidAppend(stream:reason:)``.
    package static func validate(_ events: [Event], to stream: String) throws(EventStoreError) {
        try StreamName.validate(stream)
        guard !events.isEmpty else { throw .invalidAppend(stream: stream, reason: "it has no events") }
        var seen: Set<String> = []
        for event in events where !seen.insert(event.id).inserted {
            throw .invalidAppend(stream: stream, reason: "the event id '\(event.id)' appears twice")
        }
    }

    /// The revisions an earlier append of `count` events with `expected` occupies, in a stream whose last
    /// revision is `current`, when the stream is long enough to hold it (KurrentDB's idempotence rule):
    /// for `exact(n)` and `noStream` the revisions right after the expected one, for `any` and
    /// `streamExists` the stream's last `count`. An append whose ids equal the events there is that
    /// earlier append again.
    package static func retryRevisions(count: Int, expected: ExpectedRevision, current: UInt64?) -> Range<UInt64>? {
        guard let current, count > 0 else { return nil }
        let length = current + 1
        let start: UInt64
        switch expected {
        case .exact(let revision):
            guard revision < UInt64.max else { return nil }
            start = revision + 1
        case .noStream: start = 0
        case .any, .streamExists:
            guard length >= UInt64(count) else { return nil }
            start = length - UInt64(count)
        }
        guard start <= length, UInt64(count) <= length - start else { return nil }
        return start..<(start + UInt64(count))
    }
}
