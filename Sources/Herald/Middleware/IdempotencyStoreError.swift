/// An ``InMemoryIdempotencyStore`` could not take a new claim. The message names the key and the limit.
///
/// Retryable: once claims in progress complete or are released there is room again.
public struct IdempotencyStoreError: Error, Sendable, Hashable, CustomStringConvertible {
    private enum Code: Sendable, Hashable {
        case full
    }

    private let code: Code
    /// The key that could not be claimed.
    public let key: String
    /// What went wrong and what to do about it.
    public let message: String

    private init(_ code: Code, key: String, message: String) {
        self.code = code
        self.key = key
        self.message = message
    }

    /// The store holds `maximumEntries` entries, all in progress, so nothing can be evicted for `key`.
    public static func full(key: String, maximumEntries: Int) -> Self {
        Self(
            .full,
            key: key,
            message: "cannot claim idempotency key '\(key)': the store holds its maximum of \(maximumEntries) "
                + "entries and all are in progress, and claims in progress are never evicted; "
                + "raise maximumEntries or handle fewer events at once"
        )
    }

    /// Whether the error says the store is full.
    public var isFull: Bool { code == .full }

    /// The message, prefixed with the error's type.
    public var description: String { "IdempotencyStoreError: \(message)" }
}
