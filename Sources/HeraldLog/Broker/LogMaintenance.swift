import ServiceLifecycle

/// The embedded log's periodic work as a ServiceLifecycle service: every interval, on the broker's I/O
/// threads, interval syncs, age retention (and retention file work left to retry) and group checkpoints
/// (``LogBroker/maintain()``). It ends at graceful shutdown or cancellation; ``LogBroker/run()`` runs it
/// before draining and closing the broker.
struct LogMaintenance: Service {
    /// The broker maintained.
    let broker: LogBroker
    /// Time between rounds (real time: syncs and checkpoints are about the disk, not the broker's clock).
    let interval: Duration

    func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try? await Task.sleep(for: interval)
                try? await broker.onIOThread { broker.maintain() }
            }
        }
    }
}
