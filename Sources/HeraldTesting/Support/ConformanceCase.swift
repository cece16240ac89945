/// One behaviour a conformance suite checks: a name shown as the test's argument, and a body run against
/// the suite's environment (which says how to make the backend).
public struct ConformanceCase<Environment: Sendable>: Sendable, CustomStringConvertible {
    /// A short name, shown as the test's argument.
    public let name: String
    let body: @Sendable (Environment) async throws -> Void

    init(_ name: String, _ body: @escaping @Sendable (Environment) async throws -> Void) {
        self.name = name
        self.body = body
    }

    /// Runs the case. - Throws: ``ConformanceFailure`` when the backend misbehaves, or its own errors.
    public func run(_ environment: Environment) async throws {
        try await body(environment)
    }

    /// The name.
    public var description: String { name }
}

/// Makes a resource, runs `body` with it, and releases it afterwards, even when `body` throws.
func withResource<Resource, T: Sendable>(
    make: () async throws -> Resource, release: (Resource) async -> Void, _ body: (Resource) async throws -> T
) async throws -> T {
    let resource = try await make()
    do {
        let result = try await body(resource)
        await release(resource)
        return result
    } catch {
        await release(resource)
        throw error
    }
}
