import ServiceLifecycle

/// Waits until the service group running this task begins its graceful shutdown, or the task is
/// cancelled, whichever comes first; `true` for the graceful shutdown.
///
/// ServiceLifecycle's `gracefulShutdown()` does the same but, when cancelled, resumes its waiter from an
/// unstructured task on the global executor. That task runs whenever the global executor gets to it, so a
/// simulation on an executor of its own (HeraldTesting's verifier) would wake in an order that changes from
/// run to run. This one resumes its waiter in place.
package func waitForGracefulShutdown() async -> Bool {
    let signal = AsyncSignal()
    return await withGracefulShutdownHandler {
        await signal.wait()
        return Task.isShuttingDownGracefully
    } onGracefulShutdown: {
        signal.notify()
    }
}
