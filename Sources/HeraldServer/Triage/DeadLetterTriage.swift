import Foundation
import Herald

/// Dead-letter triage for the server: groups a consumer group's dead letters into failure categories,
/// shows them with their history, redrives them to their origin topic (with a dry run first), replaces
/// one with an edited event, and archives them, writing each change to the audit log. Changes run one at
/// a time (an actor whose operations do not interleave), so two operators never redrive one dead letter
/// twice. Which dead letters are closed (redriven, edited, archived) is read back from the audit log, so
/// it survives restarts.
actor DeadLetterTriage {
    /// The most dead letters one request reads.
    static let maximumScan = 1_000_000
    /// Events per publish call of a redrive.
    static let publishBatch = 500

    private let broker: any BrokerAdmin
    private let audit: TriageAuditLog
    /// Per dead-letter topic, the positions the audit log closed.
    private var closed: [String: DeadLetterPositions] = [:]
    private var auditRead = false
    private var isBusy = false
    private var waiting: [CheckedContinuation<Void, Never>] = []

    init(broker: any BrokerAdmin) {
        self.broker = broker
        self.audit = TriageAuditLog(broker: broker)
    }

    // MARK: Reading

    /// The open dead letters of `group` on `topic`, by category, the largest first.
    func categories(topic: String, group: String) async throws -> (categories: [FailureCategory], scanned: Int, truncated: Bool) {
        let scan = try await self.scan(topic: topic, group: group)
        var categories: [String: FailureCategory] = [:]
        for letter in scan.open {
            let failedAt = letter.deadLetter?.lastFailureAt ?? letter.stored.storedAt
            if var category = categories[letter.categoryID] {
                category.count += 1
                category.firstSeen = min(category.firstSeen, failedAt)
                category.lastSeen = max(category.lastSeen, failedAt)
                categories[letter.categoryID] = category
            } else {
                categories[letter.categoryID] = FailureCategory(
                    id: letter.categoryID, errorType: letter.errorType, pattern: letter.pattern, eventType: letter.eventType, group: group, count: 1,
                    firstSeen: failedAt, lastSeen: failedAt, example: letter.deadLetter?.failure.message ?? letter.pattern)
            }
        }
        let sorted = categories.values.sorted { ($0.count, $1.id) > ($1.count, $0.id) }
        return (sorted, scan.scanned, scan.truncated)
    }

    /// Up to `limit` open dead letters, of one category when given, in position order.
    func list(topic: String, group: String, category: String?, limit: Int) async throws -> [OpenDeadLetter] {
        try await scan(topic: topic, group: group, limit: limit) { letter in category.map { letter.categoryID == $0 } ?? true }.open
    }

    /// The dead letter at `position`, whether it is open, and the dead letters it was redriven from,
    /// newest first (its failure history).
    func show(topic: String, group: String, position: DeadLetterPosition) async throws -> (letter: OpenDeadLetter, isOpen: Bool, history: [OpenDeadLetter]) {
        try await readAudit()
        let deadLetterTopic = try await broker.describeGroup(group, on: topic).deadLetterTopic
        guard let letter = try await read(position, in: deadLetterTopic, group: group) else {
            throw TriageError.noDeadLetter(position, deadLetterTopic: deadLetterTopic)
        }
        var history: [OpenDeadLetter] = []
        var seen: Set<DeadLetterPosition> = [position]
        var previous = letter.stored.event.extensionValue(ExtensionAttributeName.redriveOf.rawValue).flatMap(DeadLetterPosition.init)
        while let at = previous, seen.insert(at).inserted, history.count < 100, let earlier = try await read(at, in: deadLetterTopic, group: group) {
            history.append(earlier)
            previous = earlier.stored.event.extensionValue(ExtensionAttributeName.redriveOf.rawValue).flatMap(DeadLetterPosition.init)
        }
        let isOpen = !(closed[deadLetterTopic]?.contains(position) ?? false)
        return (letter, isOpen, history)
    }

    /// The audit log's entries, oldest first, from `offset` on.
    func auditEntries(from offset: Int64, limit: Int) async throws -> [(offset: Offset, entry: TriageAuditEntry)] {
        try await audit.prepare()
        return try await audit.entries(from: Offset(offset), limit: limit)
    }

    /// Every dead letter of the group, open or closed, in position order, for an export.
    func export(topic: String, group: String) async throws -> (letters: [(letter: OpenDeadLetter, isOpen: Bool)], truncated: Bool) {
        let scan = try await self.scan(topic: topic, group: group, includeClosed: true)
        let closedHere = closed[scan.deadLetterTopic] ?? DeadLetterPositions()
        return (scan.open.map { ($0, !closedHere.contains($0.position)) }, scan.truncated)
    }

    // MARK: Changing

    /// Stores exported dead letters (events with the dead-letter attributes, of this topic and group) in
    /// the group's dead-letter topic, creating it if needed. Dead letters it holds already (the same
    /// `source` and `id` within its de-duplication window) are counted as duplicates, not stored twice.
    func importDeadLetters(_ events: [Event], topic: String, group: String, actor: String) async throws -> TriageReport {
        await acquire()
        defer { release() }
        try await readAudit()
        for (index, event) in events.enumerated() {
            guard let letter = DeadLetter(event) else { throw TriageError.notADeadLetter(index: index) }
            guard letter.originTopic == topic, letter.group == group else {
                throw TriageError.foreignDeadLetter(index: index, topic: letter.originTopic, group: letter.group)
            }
        }
        let description = try await broker.describeGroup(group, on: topic)
        let partitions = try await broker.describeTopic(topic).configuration.partitions
        if !(try await broker.topics().contains { $0.name == description.deadLetterTopic }) {
            try await broker.createTopic(TopicConfiguration(name: description.deadLetterTopic, partitions: partitions))
        }
        var stored: [DeadLetterPosition] = []
        var duplicates = 0
        for start in stride(from: 0, to: events.count, by: Self.publishBatch) {
            let receipts = try await broker.publish(Array(events[start..<min(start + Self.publishBatch, events.count)]), to: description.deadLetterTopic)
            for receipt in receipts {
                if receipt.isDuplicate {
                    duplicates += 1
                } else {
                    stored.append(DeadLetterPosition(partition: receipt.partition.index, offset: receipt.offset.value))
                }
            }
        }
        let selection = TriageSelection.positions(stored)
        if !stored.isEmpty {
            try await audit.append(
                TriageAuditEntry(
                    action: .import, actor: actor, at: ISO8601DateFormatter().string(from: Date()), topic: topic, group: group,
                    deadLetterTopic: description.deadLetterTopic, selection: "import of \(events.count)", count: stored.count, newEventID: nil,
                    positions: DeadLetterPositions()))
        }
        return TriageReport(
            dryRun: false, action: .import, selection: selection.description, count: stored.count, categories: [:],
            topics: [description.deadLetterTopic: stored.count], duplicates: duplicates, skipped: [:], positions: stored.prefix(100).map(\.description))
    }

    /// Sends the selected open dead letters back to their origin topic, each as its original event with
    /// `heraldredrive` counting the redrives and `heraldredriveof` naming the dead letter. With `dryRun`,
    /// only reports what it would do.
    func redrive(
        topic: String, group: String, selection: TriageSelection, dryRun: Bool, limit: Int? = nil, actor: String
    ) async throws -> TriageReport {
        await acquire()
        defer { release() }
        let (scan, selected, initiallySkipped) = try await selected(selection, topic: topic, group: group, limit: limit)
        var skipped = initiallySkipped
        var planned: [(letter: OpenDeadLetter, event: Event, topic: String)] = []
        for letter in selected {
            guard let deadLetter = letter.deadLetter else {
                skipped[letter.position.description] = "carries no dead-letter attributes; archive it instead"
                continue
            }
            planned.append((letter, try Self.redriven(deadLetter, from: letter.position), deadLetter.originTopic))
        }
        var report = Self.report(.redrive, selection, dryRun: dryRun, letters: planned.map(\.letter), topics: planned.map(\.topic), skipped: skipped)
        if dryRun || planned.isEmpty { return report }
        var done: [DeadLetterPosition] = []
        do {
            for (target, items) in Dictionary(grouping: planned, by: \.topic).sorted(by: { $0.key < $1.key }) {
                let ordered = items.sorted { $0.letter.position < $1.letter.position }
                for start in stride(from: 0, to: ordered.count, by: Self.publishBatch) {
                    let batch = ordered[start..<min(start + Self.publishBatch, ordered.count)]
                    let receipts = try await broker.publish(batch.map(\.event), to: target)
                    report.duplicates += receipts.filter(\.isDuplicate).count
                    done += batch.map(\.letter.position)
                }
            }
        } catch {
            // What was published stays recorded: sending the rest again is safe.
            if !done.isEmpty { try await record(.redrive, topic: topic, group: group, scan.deadLetterTopic, selection, done, actor: actor) }
            throw error
        }
        // Recorded after publishing: a crash between the two leaves these open, and a redrive sent again
        // is recognised by the broker (within the topic's de-duplication window), not delivered twice.
        try await record(.redrive, topic: topic, group: group, scan.deadLetterTopic, selection, done, actor: actor)
        return report
    }

    /// Sets the selected open dead letters aside: kept in the dead-letter topic, out of the counts.
    func archive(
        topic: String, group: String, selection: TriageSelection, dryRun: Bool, limit: Int? = nil, actor: String
    ) async throws -> TriageReport {
        await acquire()
        defer { release() }
        let (scan, selected, skipped) = try await selected(selection, topic: topic, group: group, limit: limit)
        let report = Self.report(.archive, selection, dryRun: dryRun, letters: selected, topics: [], skipped: skipped)
        if !dryRun, !selected.isEmpty {
            try await record(.archive, topic: topic, group: group, scan.deadLetterTopic, selection, selected.map(\.position), actor: actor)
        }
        return report
    }

    /// Replaces the open dead letter at `position` by `replacement`, a new event (another `id` or
    /// `source`), published to the origin topic with `heraldreplaces` naming the dead letter.
    func edit(
        topic: String, group: String, position: DeadLetterPosition, replacement: Event, dryRun: Bool, actor: String
    ) async throws -> (report: TriageReport, receipt: PublishReceipt?) {
        await acquire()
        defer { release() }
        try await readAudit()
        let deadLetterTopic = try await broker.describeGroup(group, on: topic).deadLetterTopic
        guard let letter = try await read(position, in: deadLetterTopic, group: group) else {
            throw TriageError.noDeadLetter(position, deadLetterTopic: deadLetterTopic)
        }
        guard !(closed[deadLetterTopic]?.contains(position) ?? false) else { throw TriageError.notOpen(position, deadLetterTopic: deadLetterTopic) }
        guard let deadLetter = letter.deadLetter else { throw TriageError.unreadable(position, deadLetterTopic: deadLetterTopic) }
        guard replacement.deduplicationKey != deadLetter.event.deduplicationKey else { throw TriageError.editKeepsIdentity(id: replacement.id) }
        var event = replacement
        try event.setExtension(ExtensionAttributeName.replaces.rawValue, to: "\(deadLetterTopic)/\(position)")
        let selection = TriageSelection.positions([position])
        let report = Self.report(.edit, selection, dryRun: dryRun, letters: [letter], topics: [deadLetter.originTopic], skipped: [:])
        if dryRun { return (report, nil) }
        let receipt = try await broker.publish(event, to: deadLetter.originTopic)
        try await record(.edit, topic: topic, group: group, deadLetterTopic, selection, [position], actor: actor, newEventID: event.id)
        return (report, receipt)
    }

    // MARK: Internals

    /// The open dead letters `selection` means (at most `limit`), with the positions it names that are not
    /// open and why, and the scan they came from.
    private func selected(
        _ selection: TriageSelection, topic: String, group: String, limit: Int?
    ) async throws -> (
        scan: (deadLetterTopic: String, open: [OpenDeadLetter], scanned: Int, truncated: Bool), selected: [OpenDeadLetter], skipped: [String: String]
    ) {
        // A category or all of them is read only as far as the limit: a long redrive in steps reads each
        // step's share, not the whole dead-letter topic every time.
        let scan: (deadLetterTopic: String, open: [OpenDeadLetter], scanned: Int, truncated: Bool)
        switch selection {
        case .all: scan = try await self.scan(topic: topic, group: group, limit: limit)
        case .category(let id): scan = try await self.scan(topic: topic, group: group, limit: limit) { $0.categoryID == id }
        case .positions: scan = try await self.scan(topic: topic, group: group)
        }
        let (selected, skipped) = try Self.select(selection, from: scan.open, closed: closed[scan.deadLetterTopic])
        return (scan, limit.map { Array(selected.prefix($0)) } ?? selected, skipped)
    }

    /// The group's dead letters that `matches` accepts, in position order: the open ones, or with
    /// `includeClosed` every one; reading stops once `limit` are found.
    private func scan(
        topic: String, group: String, includeClosed: Bool = false, limit: Int? = nil, where matches: (OpenDeadLetter) -> Bool = { _ in true }
    ) async throws -> (deadLetterTopic: String, open: [OpenDeadLetter], scanned: Int, truncated: Bool) {
        try await readAudit()
        let deadLetterTopic = try await broker.describeGroup(group, on: topic).deadLetterTopic
        let description: TopicDescription
        do {
            description = try await broker.describeTopic(deadLetterTopic)
        } catch let error as BrokerError where error.isUnknownTopic {
            return (deadLetterTopic, [], 0, false)
        }
        let closedHere = closed[deadLetterTopic] ?? DeadLetterPositions()
        var open: [OpenDeadLetter] = []
        var scanned = 0
        let wanted = limit ?? Int.max
        for partition in description.partitions where open.count < wanted {
            var next = partition.startOffset
            while next < partition.endOffset, scanned < Self.maximumScan, open.count < wanted {
                let stored = try await broker.read(
                    topic: deadLetterTopic, partition: partition.partition, from: next, limit: min(1_000, Self.maximumScan - scanned))
                guard let last = stored.last else { break }
                for item in stored where open.count < wanted {
                    scanned += 1
                    let letter = OpenDeadLetter(item, group: group)
                    if includeClosed || !closedHere.contains(letter.position), matches(letter) { open.append(letter) }
                }
                next = last.offset.next
            }
        }
        return (deadLetterTopic, open, scanned, scanned >= Self.maximumScan)
    }

    private func read(_ position: DeadLetterPosition, in deadLetterTopic: String, group: String) async throws -> OpenDeadLetter? {
        let stored: [StoredEvent]
        do {
            stored = try await broker.read(topic: deadLetterTopic, partition: Partition(position.partition), from: Offset(position.offset), limit: 1)
        } catch let error as BrokerError where error.isUnknownTopic || error.code == .unknownPartition {
            return nil
        }
        guard let first = stored.first, first.offset.value == position.offset else { return nil }
        return OpenDeadLetter(first, group: group)
    }

    /// Reads which dead letters the audit log closed, once.
    private func readAudit() async throws {
        guard !auditRead else { return }
        try await audit.prepare()
        var next = Offset(0)
        while true {
            let entries = try await audit.entries(from: next, limit: 1_000)
            guard let last = entries.last else { break }
            for (_, entry) in entries { closed[entry.deadLetterTopic, default: DeadLetterPositions()].formUnion(entry.positions) }
            next = last.offset.next
        }
        auditRead = true
    }

    private func record(
        _ action: TriageAuditEntry.Action, topic: String, group: String, _ deadLetterTopic: String, _ selection: TriageSelection,
        _ positions: [DeadLetterPosition], actor: String, newEventID: String? = nil
    ) async throws {
        let changed = DeadLetterPositions(positions)
        try await audit.append(
            TriageAuditEntry(
                action: action, actor: actor, at: ISO8601DateFormatter().string(from: Date()), topic: topic, group: group,
                deadLetterTopic: deadLetterTopic, selection: selection.description, count: changed.count, newEventID: newEventID, positions: changed))
        closed[deadLetterTopic, default: DeadLetterPositions()].formUnion(changed)
    }

    private static func select(
        _ selection: TriageSelection, from open: [OpenDeadLetter], closed: DeadLetterPositions?
    ) throws(TriageError) -> (selected: [OpenDeadLetter], skipped: [String: String]) {
        switch selection {
        case .all: return (open, [:])
        case .category(let id):
            let selected = open.filter { $0.categoryID == id }
            if selected.isEmpty { throw .unknownCategory(id) }
            return (selected, [:])
        case .positions(let positions):
            let byPosition = Dictionary(open.map { ($0.position, $0) }, uniquingKeysWith: { first, _ in first })
            var selected: [OpenDeadLetter] = []
            var skipped: [String: String] = [:]
            for position in Set(positions).sorted() {
                if let letter = byPosition[position] {
                    selected.append(letter)
                } else {
                    skipped[position.description] =
                        closed?.contains(position) == true ? "redriven, edited or archived already" : "no open dead letter is stored there"
                }
            }
            return (selected, skipped)
        }
    }

    private static func report(
        _ action: TriageAuditEntry.Action, _ selection: TriageSelection, dryRun: Bool, letters: [OpenDeadLetter], topics: [String],
        skipped: [String: String]
    ) -> TriageReport {
        TriageReport(
            dryRun: dryRun, action: action, selection: selection.description, count: letters.count,
            categories: Dictionary(grouping: letters, by: \.categoryID).mapValues(\.count),
            topics: Dictionary(grouping: topics, by: { $0 }).mapValues(\.count), duplicates: 0, skipped: skipped,
            positions: letters.prefix(100).map(\.position.description))
    }

    /// The event a redrive publishes: the original, with the redrive counted and the dead letter named.
    static func redriven(_ letter: DeadLetter, from position: DeadLetterPosition) throws(CloudEventError) -> Event {
        var event = letter.event
        let previous = event.extensionValue(ExtensionAttributeName.redrive.rawValue).flatMap { Int($0) } ?? 0
        try event.setExtension(ExtensionAttributeName.redrive.rawValue, to: String(previous + 1))
        try event.setExtension(ExtensionAttributeName.redriveOf.rawValue, to: position.description)
        return event
    }

    // Changes run one at a time: an actor's methods interleave at their awaits, so a change waits here
    // for the one before it to finish.
    private func acquire() async {
        if isBusy {
            await withCheckedContinuation { waiting.append($0) }
        }
        isBusy = true
    }

    private func release() {
        if waiting.isEmpty {
            isBusy = false
        } else {
            waiting.removeFirst().resume()
        }
    }
}
