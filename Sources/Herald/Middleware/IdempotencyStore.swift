/// Remembers which idempotency keys have been handled, for ``IdempotencyMiddleware``.
///
/// A key moves from free to in progress (``begin(key:fingerprint:ttl:)`` returned
/// ``IdempotencyStatus/proceed``), then either to completed (``complete(key:)``) or back to free
/// (``release(key:)``). Entries are forgotten `ttl` after they were claimed or completed. Implementations
/// must make `begin` atomic: of two concurrent calls for a free key, exactly one gets `.proceed`.
public protocol IdempotencyStore: Sendable {
    /// Claims `key` for a payload with `fingerprint`, or says why not.
    ///
    /// - Parameters:
    ///   - key: the idempotency key.
    ///   - fingerprint: the fingerprint of the payload being handled under `key`.
    ///   - ttl: how long the entry is remembered, from now and again from completion.
    /// - Returns: see ``IdempotencyStatus``.
    /// - Throws: an error of the store when it cannot record the claim (for example
    ///   ``IdempotencyStoreError`` when it is full); nothing is claimed then.
    func begin(key: String, fingerprint: PayloadFingerprint, ttl: Duration) async throws -> IdempotencyStatus

    /// Marks the claim on `key` completed: later `begin` calls with the same fingerprint get
    /// ``IdempotencyStatus/alreadyCompleted`` until the entry expires.
    ///
    /// - Throws: an error of the store when it cannot record the completion.
    func complete(key: String) async throws

    /// Gives up the claim on `key` (the handler failed) so that a later attempt may proceed. Releasing a
    /// completed key leaves it completed.
    ///
    /// - Throws: an error of the store when it cannot record the release.
    func release(key: String) async throws
}
