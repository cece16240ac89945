import Herald
import Testing

@Suite struct MiddlewareInMemoryIdempotencyStoreTests {
    private let one = PayloadFingerprint(high: 1, low: 1)
    private let two = PayloadFingerprint(high: 2, low: 2)
    private let ttl = Duration.seconds(10)

    @Test func walksAKeyThroughItsStates() throws {
        let store = try InMemoryIdempotencyStore()
        #expect(try store.begin(key: "k", fingerprint: one, ttl: ttl) == .proceed)
        #expect(try store.begin(key: "k", fingerprint: one, ttl: ttl) == .inProgress)
        #expect(try store.begin(key: "k", fingerprint: two, ttl: ttl) == .conflict(existing: one))
        store.complete(key: "k")
        #expect(try store.begin(key: "k", fingerprint: one, ttl: ttl) == .alreadyCompleted)
        #expect(try store.begin(key: "k", fingerprint: two, ttl: ttl) == .conflict(existing: one))
    }

    @Test func releaseFreesAClaimButNotACompletion() throws {
        let store = try InMemoryIdempotencyStore()
        #expect(try store.begin(key: "a", fingerprint: one, ttl: ttl) == .proceed)
        store.release(key: "a")
        #expect(try store.begin(key: "a", fingerprint: two, ttl: ttl) == .proceed, "a released key may take any payload")

        #expect(try store.begin(key: "b", fingerprint: one, ttl: ttl) == .proceed)
        store.complete(key: "b")
        store.release(key: "b")
        #expect(try store.begin(key: "b", fingerprint: one, ttl: ttl) == .alreadyCompleted)
    }

    @Test func entriesExpireAfterTheirTTL() throws {
        let time = ManualTime()
        let store = try InMemoryIdempotencyStore { time.now }
        #expect(try store.begin(key: "k", fingerprint: one, ttl: ttl) == .proceed)
        store.complete(key: "k")
        time.advance(by: .seconds(9))
        #expect(try store.begin(key: "k", fingerprint: one, ttl: ttl) == .alreadyCompleted)
        time.advance(by: .seconds(2))
        #expect(try store.begin(key: "k", fingerprint: two, ttl: ttl) == .proceed)
    }

    @Test func completionRestartsTheTTL() throws {
        let time = ManualTime()
        let store = try InMemoryIdempotencyStore { time.now }
        #expect(try store.begin(key: "k", fingerprint: one, ttl: ttl) == .proceed)
        time.advance(by: .seconds(8))
        store.complete(key: "k")
        time.advance(by: .seconds(8))
        #expect(try store.begin(key: "k", fingerprint: one, ttl: ttl) == .alreadyCompleted)
    }

    @Test func anAbandonedClaimExpires() throws {
        let time = ManualTime()
        let store = try InMemoryIdempotencyStore { time.now }
        #expect(try store.begin(key: "k", fingerprint: one, ttl: ttl) == .proceed)
        time.advance(by: .seconds(10))
        #expect(try store.begin(key: "k", fingerprint: one, ttl: ttl) == .proceed)
    }

    @Test func whenFullDropsExpiredEntriesFirst() throws {
        let time = ManualTime()
        let store = try InMemoryIdempotencyStore(maximumEntries: 2) { time.now }
        #expect(try store.begin(key: "short", fingerprint: one, ttl: .seconds(1)) == .proceed)
        #expect(try store.begin(key: "done", fingerprint: one, ttl: .seconds(100)) == .proceed)
        store.complete(key: "done")
        time.advance(by: .seconds(2))

        #expect(try store.begin(key: "new", fingerprint: one, ttl: ttl) == .proceed)

        #expect(store.count == 2)
        #expect(try store.begin(key: "done", fingerprint: one, ttl: ttl) == .alreadyCompleted)
    }

    @Test func whenFullEvictsTheOldestCompletedEntryAndKeepsClaims() throws {
        let store = try InMemoryIdempotencyStore(maximumEntries: 3)
        for key in ["old", "newer"] {
            #expect(try store.begin(key: key, fingerprint: one, ttl: ttl) == .proceed)
        }
        #expect(try store.begin(key: "claim", fingerprint: one, ttl: ttl) == .proceed)
        store.complete(key: "old")
        store.complete(key: "newer")

        #expect(try store.begin(key: "fresh", fingerprint: one, ttl: ttl) == .proceed)

        #expect(store.count == 3)
        #expect(try store.begin(key: "claim", fingerprint: one, ttl: ttl) == .inProgress)
        #expect(try store.begin(key: "newer", fingerprint: one, ttl: ttl) == .alreadyCompleted)
        // "old" was forgotten; claiming it again evicts "newer", the oldest completed entry left.
        #expect(try store.begin(key: "old", fingerprint: one, ttl: ttl) == .proceed)
        #expect(try store.begin(key: "claim", fingerprint: one, ttl: ttl) == .inProgress)
    }

    @Test func whenFullOfClaimsRefusesANewKeyWithAClearError() throws {
        let store = try InMemoryIdempotencyStore(maximumEntries: 2)
        #expect(try store.begin(key: "a", fingerprint: one, ttl: ttl) == .proceed)
        #expect(try store.begin(key: "b", fingerprint: one, ttl: ttl) == .proceed)

        let error = #expect(throws: IdempotencyStoreError.self) {
            try store.begin(key: "c", fingerprint: one, ttl: ttl)
        }

        #expect(error?.isFull == true)
        #expect(error?.key == "c")
        #expect(error?.message.contains("'c'") == true)
        #expect(error?.message.contains("2") == true)
        #expect(try store.begin(key: "a", fingerprint: one, ttl: ttl) == .inProgress)
        #expect(try store.begin(key: "b", fingerprint: one, ttl: ttl) == .inProgress)
        store.complete(key: "a")
        #expect(try store.begin(key: "c", fingerprint: one, ttl: ttl) == .proceed, "a completed entry can make room")
    }

    @Test func staysWithinItsBoundUnderChurn() throws {
        let time = ManualTime()
        let store = try InMemoryIdempotencyStore(maximumEntries: 50) { time.now }
        for index in 0..<5_000 {
            let key = "k\(index)"
            #expect(try store.begin(key: key, fingerprint: one, ttl: .seconds(1)) == .proceed)
            if index.isMultiple(of: 3) { store.release(key: key) } else { store.complete(key: key) }
            if index.isMultiple(of: 7) { time.advance(by: .milliseconds(300)) }
            #expect(store.count <= 50)
        }
    }

    @Test func exactlyOneConcurrentClaimProceeds() async throws {
        let store = try InMemoryIdempotencyStore()
        let results = await withTaskGroup(of: IdempotencyStatus?.self) { group in
            for _ in 0..<100 {
                group.addTask { try? store.begin(key: "race", fingerprint: PayloadFingerprint(high: 1, low: 1), ttl: .seconds(10)) }
            }
            var results: [IdempotencyStatus?] = []
            for await result in group { results.append(result) }
            return results
        }
        #expect(results.filter { $0 == .proceed }.count == 1)
        #expect(results.filter { $0 == .inProgress }.count == 99)
    }

    @Test func refusesANonPositiveBound() {
        #expect(throws: MiddlewareConfigurationError.self) { try InMemoryIdempotencyStore(maximumEntries: 0) }
    }
}
