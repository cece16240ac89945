import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Swift seeds its hashing per process, so the iteration order of dictionaries and sets — and with it
/// the order in which a simulation's tasks wake — differs between processes. `herald verify` promises
/// that a seed replays the same run in any process, so it runs itself again with
/// `SWIFT_DETERMINISTIC_HASHING=1` when that is not set.
enum DeterministicHashing {
    static let variable = "SWIFT_DETERMINISTIC_HASHING"

    /// Replaces this process with the same command under deterministic hashing, unless it already has
    /// it; if that fails, returns and the command runs here (the same seed may then give another run in
    /// another process).
    static func ensure() {
        guard ProcessInfo.processInfo.environment[variable] == nil else { return }
        setenv(variable, "1", 1)
        var arguments: [UnsafeMutablePointer<CChar>?] = CommandLine.arguments.map { strdup($0) } + [nil]
        #if os(Linux)
        execv("/proc/self/exe", &arguments)
        #else
        execvp(CommandLine.arguments[0], &arguments)
        #endif
        for argument in arguments { free(argument) }
    }
}
