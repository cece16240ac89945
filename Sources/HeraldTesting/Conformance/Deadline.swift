/// Runs `body`, failing with ``ConformanceFailure`` if it takes longer than `limit`, so that a broken
/// backend fails the suite instead of hanging it.
func within<T: Sendable>(
    _ limit: Duration,
    _ what: String,
    file: StaticString = #fileID,
    line: UInt = #line,
    _ body: @escaping @Sendable () async throws -> T
) async throws -> T {
    try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: limit)
            return nil
        }
        defer { group.cancelAll() }
        guard let first = try await group.next(), let value = first else {
            throw ConformanceFailure("timed out after \(limit) waiting for \(what)", file: file, line: line)
        }
        return value
    }
}
