import Herald
import Synchronization

/// Publishing: planned under the topic's lock (``PublishPlanner``), then written through the partitions' writers.
extension LogBroker {
    /// Stores events and returns their receipts once their topic's durability policy is met.
    ///
    /// - Throws: ``BrokerError`` for an unknown topic, an oversize event or a full topic (nothing is
    ///   stored); ``BrokerError/Code/storage`` when the disk fails, with the ``StorageError`` as its
    ///   ``BrokerError/underlying`` error and ``BrokerError/isRetryable`` as the storage error says. Events of a multi-partition batch whose partitions
    ///   were written before the failure stay stored; publishing the batch again is safe, as the
    ///   de-duplication window recognises them.
    public func publish(_ events: [Event], to topicName: String) async throws -> [PublishReceipt] {
        // The registry is asked once, for the topic and the publish's id; planning takes only the topic's
        // lock, and registers to be woken only if it must wait for another publish of the same key.
        let topic = try state.withLock { state throws(BrokerError) -> LogTopic in
            if state.isShutDown { throw .closed() }
            guard let topic = state.topics[topicName] else { throw state.missingTopic(topicName) }
            return topic
        }
        let publishID = lastPublishID.wrappingAdd(1, ordering: .relaxed).newValue
        var signal: AsyncSignal?
        var plan: PublishPlanner.PlannedPublish
        while true {
            let next = try topic.withLock { () throws(BrokerError) -> PublishPlanner.Plan in
                let result: PublishPlanner.Plan
                do throws(BrokerError) {
                    result = try planner.plan(events, on: topic, publishID: publishID)
                } catch {
                    topic.pendingWaiters[publishID] = nil
                    throw error
                }
                if case .wait = result {
                    let waiter = signal ?? AsyncSignal()
                    signal = waiter
                    topic.pendingWaiters[publishID] = waiter
                } else if signal != nil {
                    topic.pendingWaiters[publishID] = nil
                }
                return result
            }
            if case .write(let planned) = next {
                plan = planned
                break
            }
            await signal?.wait(until: .now + .seconds(1))
            if Task.isCancelled {
                topic.withLock { _ = topic.pendingWaiters.removeValue(forKey: publishID) }
                throw CancellationError()
            }
        }
        if plan.retires {
            // The publish that made room deletes what it dropped, off the topic's lock; a failure is
            // logged and maintenance tries again.
            try? await onIOThread { [logger] in topic.retireFiles(logger: logger) }
        }
        return try await write(events, plan: plan)
    }

    func write(_ events: [Event], plan: PublishPlanner.PlannedPublish) async throws -> [PublishReceipt] {
        let topic = plan.topic
        let timestamp = Int64((time.date.secondsSince1970 * 1_000).rounded(.down))
        var perPartition: [Int: [(index: Int, event: Event)]] = [:]
        for (index, outcome) in plan.outcomes.enumerated() {
            guard case .write(let partition) = outcome else { continue }
            perPartition[partition, default: []].append((index, events[index]))
        }
        // Each partition's records go to its writer; partitions are written concurrently (a publish to one
        // partition, the common case for single events, needs no child task).
        let results = await appendAll(perPartition, to: topic, timestamp: timestamp)
        var receipts = [PublishReceipt?](repeating: nil, count: events.count)
        var failure: (any Error)?
        for (partition, result) in results {
            switch result {
            case .success(let base):
                for (position, record) in (perPartition[partition] ?? []).enumerated() {
                    receipts[record.index] = PublishReceipt(
                        topic: topic.name, partition: Partition(partition), offset: Offset(base.value + Int64(position)), isDuplicate: false
                    )
                }
            case .failure(let error):
                failure = failure ?? error
            }
        }
        let now = time.now.instant
        topic.withLock {
            topic.withDeduplication { window in
                for (key, index) in plan.claimed {
                    if let receipt = receipts[index] {
                        window.confirm(key, partition: receipt.partition, offset: receipt.offset, now: now)
                    } else {
                        window.release(key, publish: plan.publishID)
                    }
                }
            }
            // Consumers were woken by each commit (`committed(_:topic:partition:)`); idle waiters now see
            // the new events counted.
            for waiter in topic.pendingWaiters.values { waiter.notify() }
            idleWaiters.notifyAll()
        }
        if let failure {
            guard let storage = failure as? StorageError else { throw failure }
            throw BrokerError.storage("publishing to topic '\(topic.name)'", error: storage, isRetryable: storage.isRetryable)
        }
        return try plan.outcomes.enumerated().map { index, outcome throws(BrokerError) -> PublishReceipt in
            switch outcome {
            case .duplicate(let partition, let offset):
                return PublishReceipt(topic: topic.name, partition: partition, offset: offset, isDuplicate: true)
            case .duplicateInBatch(let earlier):
                guard var original = receipts[earlier] else { throw .unavailable("no receipt for event \(events[earlier].id)") }
                original.isDuplicate = true
                return original
            case .write:
                guard let receipt = receipts[index] else { throw .unavailable("no receipt for event \(events[index].id)") }
                return receipt
            }
        }
    }

    /// Appends each partition's records through its writer, concurrently; the result per partition.
    func appendAll(
        _ perPartition: [Int: [(index: Int, event: Event)]],
        to topic: LogTopic,
        timestamp: Int64
    ) async -> [Int: Result<Offset, any Error>] {
        if perPartition.count == 1, let (partition, records) = perPartition.first {
            do {
                let events = BatchRecords.events(records.map(\.event))
                return [partition: .success(try await topic.partitions[partition].writer.append(events, timestamp: timestamp))]
            } catch {
                return [partition: .failure(error)]
            }
        }
        let appends = perPartition.map { partition, records in
            PartitionAppend(
                partition: partition,
                writer: topic.partitions[partition].writer,
                records: .events(records.map(\.event))
            )
        }
        return await withTaskGroup(of: (Int, Result<Offset, any Error>).self) { group in
            for append in appends {
                group.addTask { await append.run(timestamp: timestamp) }
            }
            var results: [Int: Result<Offset, any Error>] = [:]
            for await (partition, result) in group {
                results[partition] = result
            }
            return results
        }
    }
}

/// One partition's share of a publish, appended by its own child task.
struct PartitionAppend: Sendable {
    let partition: Int
    let writer: PartitionWriter
    let records: BatchRecords

    /// Appends and reports the first offset or the failure, with the partition.
    func run(timestamp: Int64) async -> (Int, Result<Offset, any Error>) {
        do {
            return (partition, .success(try await writer.append(records, timestamp: timestamp)))
        } catch {
            return (partition, .failure(error))
        }
    }
}
