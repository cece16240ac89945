import Foundation
import Herald
import Logging

/// What the server sees of its traffic, for the dashboard: it samples every topic's offsets and its
/// groups' lag at an interval, and reads the events published since its last look (bounded per
/// partition and tick) to learn the flow map, index correlation ids for traces, and note dead letters.
/// An actor: the sampling task writes and the requests read the same state.
actor TrafficObserver {
    /// How often and how much it looks.
    struct Settings: Sendable {
        /// Between samples. Default 2 s.
        var interval: Duration = .seconds(2)
        /// Samples kept per topic (an hour at the default interval).
        var samples: Int = 1_800
        /// The most events read per partition and tick.
        var readPerPartition: Int = 2_000
        /// The most events read per tick over all partitions (the rest wait for the next ticks): a
        /// bound on the CPU that learning takes from serving.
        var readPerTick: Int = 10_000
        /// How far behind a partition's end reading may fall: on the first look it starts there, and when
        /// traffic outruns it, it skips ahead to there.
        var backlog: Int64 = 2_000
        /// Event ids remembered to resolve `causationid`.
        var knownIDs: Int = 200_000
        /// Dead letters remembered by the position of their event.
        var deadLetters: Int = 100_000
    }

    private let broker: any BrokerAdmin
    private let settings: Settings
    private let time: TimeSource
    private let logger: Logger
    private let handling: HandlingTimes?
    private var cursors: [String: [Partition: Offset]] = [:]
    private var histories: [String: TrafficHistory] = [:]
    private var committed: [String: [Partition: Offset]] = [:]
    private var criticalTimes: [String: Double] = [:]
    private var typesByID: BoundedMap<String, String>
    private var sightings: BoundedMap<CorrelationIndex.Position, [DeadLetterSighting]>
    private var redrives: BoundedMap<String, [CorrelationIndex.Position]>
    private(set) var flow = FlowMap()
    private(set) var correlations = CorrelationIndex()
    private(set) var overview: OverviewDocument?
    private(set) var observedEvents: Int64 = 0
    /// Counts the ticks done, so that a stream sends only new figures.
    private(set) var version = 0

    /// An observer of `broker` on `time`; `handling` gives the processing times of HTTP consumers.
    init(broker: any BrokerAdmin, settings: Settings = Settings(), time: TimeSource, handling: HandlingTimes? = nil, logger: Logger) {
        self.broker = broker
        self.handling = handling
        self.settings = settings
        self.time = time
        self.logger = logger
        self.typesByID = BoundedMap(capacity: settings.knownIDs)
        self.sightings = BoundedMap(capacity: settings.deadLetters)
        self.redrives = BoundedMap(capacity: settings.deadLetters)
    }

    /// Seconds between samples.
    nonisolated var intervalSeconds: Double { settings.interval.timeInterval }

    /// Samples and reads until cancelled; a failed look is logged and tried again next interval.
    func run() async {
        while !Task.isCancelled {
            do {
                try await sample()
                try await learn()
            } catch is CancellationError {
                return
            } catch {
                logger.warning("the dashboard's traffic sample failed; trying again", metadata: ["herald.error": "\(error)"])
            }
            do {
                try await time.sleep(for: settings.interval)
            } catch {
                return
            }
        }
    }

    /// The overview, sampling first when nothing was sampled yet.
    func currentOverview() async throws -> OverviewDocument {
        if let overview { return overview }
        try await sample()
        return overview ?? OverviewDocument(at: "", intervalSeconds: intervalSeconds, topics: [], observedEvents: 0)
    }

    /// Samples and reads once if nothing was read yet: a request right after the server started (or an
    /// operator command on a data directory) sees what is stored, not an empty map.
    func warmUp() async throws {
        guard !hasLearned else { return }
        if overview == nil { try await sample() }
        try await learn()
    }

    /// Whether a read of new events has finished.
    private var hasLearned = false

    /// Where the redriven copies of event `id` of `topic` were stored, oldest first.
    func redrivenCopies(of id: String, in topic: String) -> [CorrelationIndex.Position] {
        redrives["\(topic)\u{0}\(id)"] ?? []
    }

    /// The dead letters seen of the event at `position`.
    func deadLetters(at position: CorrelationIndex.Position) -> [DeadLetterSighting] {
        sightings[position] ?? []
    }

    /// The topics' descriptions of the last sample, by name.
    private var descriptions: [String: TopicDescription] = [:]
    /// The dead-letter topics of the last sample.
    private var deadLetterTopics: Set<String> = []

    /// One look at every topic's offsets and groups: the overview's figures.
    func sample() async throws {
        let now = time.date.date
        let configurations = try await broker.topics()
        var descriptions: [String: TopicDescription] = [:]
        var groupsByTopic: [String: [GroupDescription]] = [:]
        for configuration in configurations {
            do {
                descriptions[configuration.name] = try await broker.describeTopic(configuration.name)
                groupsByTopic[configuration.name] = try await broker.describeGroups(of: configuration.name)
            } catch let error as BrokerError where error.isUnknownTopic {
                continue  // deleted between the list and the look
            }
        }
        let deadLetterTopics = Set(groupsByTopic.values.flatMap { $0.map(\.deadLetterTopic) })
        var topics: [OverviewDocument.Topic] = []
        for name in descriptions.keys.sorted() {
            guard let description = descriptions[name] else { continue }
            let groups = groupsByTopic[name] ?? []
            let published = description.partitions.reduce(Int64(0)) { $0 + $1.endOffset.value }
            var handled: [String: Int64] = [:]
            var processing: [String: Double] = [:]
            for group in groups {
                processing[group.group] = await handling?.median(topic: name, group: group.group)
                flow.consumes(topic: name, group: group.group)
                handled[group.group] = group.lag.partitions.reduce(Int64(0)) { $0 + $1.committedOffset.value }
                try await noteCriticalTime(of: group, now: now)
            }
            var history = histories[name] ?? TrafficHistory(capacity: settings.samples)
            history.append(TrafficSample(at: now, published: published, handled: handled))
            histories[name] = history
            topics.append(
                OverviewDocument.Topic(
                    name: name, partitions: description.partitions.count, events: description.events, bytes: description.bytes,
                    published: published, isDeadLetterTopic: deadLetterTopics.contains(name), publishedPerSecond: history.publishedRate(),
                    publishedPerMinute: history.publishedPerMinute(until: now),
                    groups: groups.map { group in
                        let key = "\(name)\u{0}\(group.group)"
                        return OverviewDocument.Group(
                            name: group.group, members: group.members.count, paused: group.isPaused, pending: group.lag.totalPending,
                            inFlight: group.lag.partitions.reduce(0) { $0 + $1.inFlight },
                            awaitingRedelivery: group.lag.partitions.reduce(0) { $0 + $1.awaitingRedelivery }, handled: handled[group.group] ?? 0,
                            handledPerSecond: history.handledRate(group.group), handledPerMinute: history.handledPerMinute(group.group, until: now),
                            criticalTimeSeconds: criticalTimes[key], processingTimeSeconds: processing[group.group],
                            deadLetterTopic: group.deadLetterTopic,
                            deadLetters: descriptions[group.deadLetterTopic]?.events ?? 0)
                    }))
        }
        for name in histories.keys where descriptions[name] == nil { histories[name] = nil }
        self.descriptions = descriptions
        self.deadLetterTopics = deadLetterTopics
        overview = OverviewDocument(
            at: RFC3339.format(now), intervalSeconds: intervalSeconds, topics: topics, observedEvents: observedEvents)
        version += 1
    }

    /// When a group's committed offset on a partition moved, the time from the last event it passed
    /// (its `time`, else when it was stored) to now.
    private func noteCriticalTime(of group: GroupDescription, now: Date) async throws {
        let key = "\(group.topic)\u{0}\(group.group)"
        var known = committed[key] ?? [:]
        for partition in group.lag.partitions {
            defer { known[partition.partition] = partition.committedOffset }
            guard let before = known[partition.partition], partition.committedOffset > before, partition.committedOffset.value > 0 else { continue }
            let last = Offset(partition.committedOffset.value - 1)
            if let stored = try await broker.read(topic: group.topic, partition: partition.partition, from: last, limit: 1).first {
                criticalTimes[key] = max(0, now.timeIntervalSince(stored.event.time ?? stored.storedAt))
            }
        }
        committed[key] = known
    }

    /// The read in progress: a second caller (a request's ``warmUp()`` while the sampling task reads)
    /// waits for it instead of starting another. Two reads at once would interleave at their awaits, and
    /// the one finishing first would answer before the other recorded the topics it had already read
    /// (a trace missing its first event).
    private var reading: Task<Void, any Error>?

    /// Reads what each partition received by the last sample and was not read yet (at most
    /// ``Settings/readPerPartition`` each, ``Settings/readPerTick`` in all), then learns from it:
    /// publications and ids first, reactions once every cause of this look is known. While another call
    /// reads, waits for that one.
    func learn() async throws {
        let task: Task<Void, any Error>
        if let reading {
            task = reading
        } else {
            task = Task { try await self.readAndLearn() }
            reading = task
        }
        // Whoever sees it finish clears it (also when it failed), so that the next call reads anew.
        defer { if reading == task { reading = nil } }
        try await withTaskCancellationHandler {
            try await task.value
        } onCancel: {
            task.cancel()
        }
    }

    /// One read and what it teaches (see ``learn()``).
    private func readAndLearn() async throws {
        var fresh: [(topic: String, stored: StoredEvent)] = []
        var budget = settings.readPerTick
        for (name, description) in descriptions.sorted(by: { $0.key < $1.key }) where budget > 0 {
            var positions = cursors[name] ?? [:]
            for partition in description.partitions where budget > 0 {
                let floor = max(partition.startOffset, Offset(max(0, partition.endOffset.value - settings.backlog)))
                let start = max(positions[partition.partition] ?? floor, floor)
                guard start < partition.endOffset else {
                    positions[partition.partition] = start
                    continue
                }
                let page: [StoredEvent]
                do {
                    page = try await broker.read(
                        topic: name, partition: partition.partition, from: start, limit: min(budget, settings.readPerPartition))
                } catch let error as BrokerError where error.isUnknownTopic {
                    break
                }
                positions[partition.partition] = page.last.map { Offset($0.offset.value + 1) } ?? partition.endOffset
                budget -= page.count
                fresh += page.map { (name, $0) }
            }
            cursors[name] = positions
        }
        for name in cursors.keys where descriptions[name] == nil { cursors[name] = nil }
        for (topic, stored) in fresh {
            let event = stored.event
            observedEvents += 1
            if deadLetterTopics.contains(topic) {
                noteDeadLetter(stored, in: topic)
                continue
            }
            flow.published(source: event.source, type: event.type, topic: topic, at: event.time ?? stored.storedAt)
            typesByID[event.id] = event.type
            let position = CorrelationIndex.Position(topic: topic, partition: stored.partition, offset: stored.offset)
            if event.extensionValue(ExtensionAttributeName.redriveOf.rawValue) != nil {
                let key = "\(topic)\u{0}\(event.id)"
                redrives[key] = Array(((redrives[key] ?? []) + [position]).suffix(16))
            }
            correlations.record(event.extensionValue(ExtensionAttributeName.correlationID.rawValue) ?? event.id, at: position)
        }
        for (topic, stored) in fresh where !deadLetterTopics.contains(topic) {
            let event = stored.event
            guard let cause = event.extensionValue(ExtensionAttributeName.causationID.rawValue), cause != event.id,
                let causeType = typesByID[cause]
            else { continue }
            flow.reacted(cause: causeType, service: event.source, reaction: event.type, at: event.time ?? stored.storedAt)
        }
        hasLearned = true
    }

    private func noteDeadLetter(_ stored: StoredEvent, in topic: String) {
        guard let letter = StoredDeadLetter(stored).deadLetter else { return }
        let origin = CorrelationIndex.Position(topic: letter.originTopic, partition: letter.originPartition, offset: letter.originOffset)
        var seen = sightings[origin] ?? []
        guard seen.count < 16 else { return }
        seen.append(
            DeadLetterSighting(
                group: letter.group, attempts: letter.attempts, reason: letter.failure.description, at: letter.lastFailureAt, deadLetterTopic: topic,
                partition: stored.partition, offset: stored.offset))
        sightings[origin] = seen
    }
}
