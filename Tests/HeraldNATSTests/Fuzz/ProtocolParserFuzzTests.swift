import HeraldTesting
import Testing

/// Mutational fuzzing of the NATS protocol parser. It runs only when `HERALD_FUZZ_ITERATIONS` is set (CI
/// does not set it), seeded by `HERALD_FUZZ_SEED`:
///
/// ```sh
/// HERALD_FUZZ_ITERATIONS=200000 HERALD_FUZZ_VERBOSE=1 swift test --filter ProtocolParserFuzzTests
/// ```
///
/// Inputs that broke a property, or that reached an outcome worth keeping, belong in
/// ``ProtocolParserRegressionTests``.
@Suite("Fuzz: NATS protocol parser", .enabled(if: FuzzSettings.iterations != nil, "set HERALD_FUZZ_ITERATIONS to fuzz"))
struct ProtocolParserFuzzTests {
    /// Known-good server frames to mutate.
    static let corpus: [[UInt8]] = [
        #"INFO {"server_id":"S1","version":"2.9.10","max_payload":1048576,"headers":true,"connect_urls":["10.0.0.1:4222"],"auth_required":true,"nonce":"abc","jetstream":true}"#
            + "\r\nPING\r\n",
        "MSG foo.bar 1 5\r\nhello\r\nMSG tricky 2 reply.to 11\r\nMSG x 1 3\r\n\r\n",
        "HMSG with.headers 3 _INBOX.a.1 37 43\r\nNATS/1.0\r\nA: 1\r\nA: 2\r\nB:  spaced \r\n\r\nbody\r\n\r\n",
        "HMSG pull 5 28 28\r\nNATS/1.0 404 No Messages\r\n\r\n\r\nHMSG _INBOX.a.2 4 16 16\r\nNATS/1.0 503\r\n\r\n\r\n",
        "PING\r\nPONG\r\n+OK\r\n-ERR 'Unknown Protocol Operation'\r\nMSG empty 7 0\r\n\r\nmsg\tlower.case\t8  3\r\nabc\r\n",
        #"INFO {"server_id":"S2","version":"2.10.0","proto":1,"tls_required":false,"ldm":true,"cluster":"c","max_payload":64}"#
            + "\r\nMSG $JS.API.x 9 _INBOX.y 2\r\n{}\r\n",
    ].map { Array($0.utf8) }

    /// Fragments to insert: separators, operations, sizes, header lines, JSON structure, bytes.
    static let tokens: [[UInt8]] =
        [
            "\r\n", "\r", "\n", " ", "\t", "MSG ", "HMSG ", "INFO ", "PING", "PONG", "+OK", "-ERR ", "0", "1",
            "99999999999999999", "1048577", "-1", "NATS/1.0", "NATS/1.0 100 Idle Heartbeat\r\n", ": ", "X-A: b\r\n",
            "{", "}", "[", "]", "\"", "\\", #"{"server_id":"#, "null", "1e400",
        ].map { Array($0.utf8) } + [[0xFF], [0x00], [0xC0, 0x80]]

    @Test("mutated server streams never crash or hang, and parse the same however they are split")
    func fuzz() {
        let iterations = FuzzSettings.iterations ?? 0
        let seed = FuzzSettings.seed
        var mutator = InputMutator(seed: seed, corpus: Self.corpus, tokens: Self.tokens)
        var random = SeededRandomGenerator(seed: seed ^ 0x5EED)
        var outcomes: Set<String> = []
        var failures = 0
        for iteration in 0..<iterations {
            let input = mutator.next()
            let cuts = (0..<Int.random(in: 1...6, using: &random)).map { _ in
                Int.random(in: 0...input.count, using: &random)
            }
            let (outcome, problems) = ProtocolParserProperties.check(input, cuts: cuts)
            if outcomes.insert(outcome).inserted, FuzzSettings.verbose {
                print("fuzz: new outcome '\(outcome)' from \(InputMutator.describe(input))")
            }
            guard !problems.isEmpty else { continue }
            failures += 1
            Issue.record(
                "seed \(seed), input \(iteration): \(problems.joined(separator: "; "))\n  \(InputMutator.describe(input))"
            )
            if failures >= 20 { break }
        }
        print("fuzz: \(iterations) inputs from seed \(seed), \(outcomes.count) distinct outcomes, \(failures) failing")
    }
}
