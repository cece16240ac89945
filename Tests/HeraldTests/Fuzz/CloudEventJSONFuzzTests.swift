import HeraldTesting
import Testing

/// Mutational fuzzing of the JSON parser and `CloudEventJSON`. It runs only when `HERALD_FUZZ_ITERATIONS`
/// is set (CI does not set it), seeded by `HERALD_FUZZ_SEED`:
///
/// ```sh
/// HERALD_FUZZ_ITERATIONS=200000 HERALD_FUZZ_VERBOSE=1 swift test --filter CloudEventJSONFuzzTests
/// ```
///
/// Inputs that broke a property, or that reached an outcome worth keeping, belong in
/// ``CloudEventJSONRegressionTests``.
@Suite("Fuzz: CloudEvents JSON", .enabled(if: FuzzSettings.iterations != nil, "set HERALD_FUZZ_ITERATIONS to fuzz"))
struct CloudEventJSONFuzzTests {
    /// Known-good documents to mutate.
    static let corpus: [[UInt8]] = [
        #"{"specversion":"1.0","type":"com.github.pull_request.opened","source":"https://github.com/cloudevents/spec/pull","subject":"123","id":"A234-1234-1234","time":"2018-04-05T17:31:00Z","comexampleextension1":"value","comexampleothervalue":5,"datacontenttype":"text/xml","data":"<much wow=\"xml\"/>"}"#,
        #"{"specversion":"1.0","type":"com.example.someevent","source":"/mycontext","id":"A234-1234-1234","time":"2018-04-05T17:31:00Z","comexampleextension1":"value","datacontenttype":"application/vnd.apache.thrift.binary","data_base64":"Zm9vYmFy"}"#,
        #"{"specversion":"1.0","id":"2","source":"urn:uuid:6e8bc430-9c3a-11d9-9669-0800200c9a66","type":"t","datacontenttype":"application/json","dataschema":"https://example.com/s.json","data":{"items":[{"qty":2,"sku":"A\/1"}],"total":12.5,"big":9223372036854775807,"f":-1.5e-7,"u":"\u00e9\ud83d\ude00\n"}}"#,
        #"{"specversion":"1.0","id":"3","source":"/s","type":"t","data_base64":"eyJhIjpbMSwyXX0=","partitionkey":"k","comexampleint":-2147483648,"flag":true}"#,
        #"[{"specversion":"1.0","id":"1","source":"/s","type":"t"},{"specversion":"1.0","id":"2","source":"/s","type":"t","data":[1,"a",null,{}]}]"#,
        #" {"specversion" : "1.0", "id" : "4", "source" : "//host:80/p?q#f", "type" : "t", "data" : "text", "datacontenttype" : "text/plain; charset=utf-8"} "#,
    ].map { Array($0.utf8) }

    /// Fragments to insert: structure, escapes, edge numbers, bytes that are not UTF-8, attributes.
    static let tokens: [[UInt8]] =
        [
            "[", "]", "{", "}", "\"", "\\", ",", ":", " ", "\n", "null", "true", "\\u", "\\ud800", "\\udc00",
            "\\u0000", "\\ufffe", "\\uFDD0", "\\\"", "1e400", "-0", "0.5e-3", "9223372036854775808", "2147483648",
            "-", "01", "1.", ".5", #""data_base64":"eyJhIjoxfQ==","#, #""data":"#, #""id":"x","#, #""source":"a b","#,
            #""dataschema":"/rel","#, #""specversion":"1.0","#, #""comexample":1e10,"#,
        ].map { Array($0.utf8) } + [
            [0xFF], [0xC0, 0x80], [0xED, 0xA0, 0x80], [0xEF, 0xBB, 0xBF], [0xF4, 0x90, 0x80, 0x80],
        ]

    @Test("mutated documents never crash or hang, and whatever is accepted round-trips")
    func fuzz() {
        let iterations = FuzzSettings.iterations ?? 0
        let seed = FuzzSettings.seed
        var mutator = InputMutator(seed: seed, corpus: Self.corpus, tokens: Self.tokens)
        var outcomes: Set<String> = []
        var failures = 0
        for iteration in 0..<iterations {
            let input = mutator.next()
            let (outcome, problems) = CloudEventJSONProperties.check(input)
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
