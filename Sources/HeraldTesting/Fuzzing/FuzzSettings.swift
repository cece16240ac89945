import Foundation

/// Settings of fuzz suites, from the environment: they run only when `HERALD_FUZZ_ITERATIONS` is set.
public enum FuzzSettings {
    private static var environment: [String: String] { ProcessInfo.processInfo.environment }

    /// Inputs per fuzz test (`HERALD_FUZZ_ITERATIONS`), or `nil` to skip the suites.
    public static var iterations: Int? { environment["HERALD_FUZZ_ITERATIONS"].flatMap { Int($0) } }

    /// The seed (`HERALD_FUZZ_SEED`, decimal); a fixed one by default so that runs repeat.
    public static var seed: UInt64 { environment["HERALD_FUZZ_SEED"].flatMap { UInt64($0) } ?? 20_251_123 }

    /// Whether to print each input with an outcome not seen before (`HERALD_FUZZ_VERBOSE=1`), to pick
    /// regression cases from.
    public static var verbose: Bool { environment["HERALD_FUZZ_VERBOSE"] == "1" }
}
