/// What an ``IdempotencyStore`` says when a handler asks to claim a key.
public enum IdempotencyStatus: Sendable, Hashable {
    /// The key was free (never seen, released, or expired); the caller now holds it, in progress, and must
    /// later call ``IdempotencyStore/complete(key:)`` or ``IdempotencyStore/release(key:)``.
    case proceed
    /// The key was handled to completion for a payload with the same fingerprint: this is a duplicate.
    case alreadyCompleted
    /// Another handler holds the key for a payload with the same fingerprint and has not finished.
    case inProgress
    /// The key is held or completed for a payload with a different fingerprint, `existing`.
    case conflict(existing: PayloadFingerprint)
}
