import Foundation
import Testing

/// Issue 10's repro and the timing helper the bounded-JSON tests share.
enum ForeignJSON {
    /// The bound every decode site must refuse the repro within (issue 10's "done when").
    static let refusalBound = Duration.milliseconds(10)

    /// `json-513-brackets.json`: 513 `[` that crashed every place Herald decoded foreign JSON. It is read
    /// from `../shared/repro/` next to the repository root, never copied into the tests.
    static func repro() throws -> [UInt8] {
        let repositoryRoot = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent()  // Support
            .deletingLastPathComponent()  // HeraldTests
            .deletingLastPathComponent()  // Tests
            .deletingLastPathComponent()
        let path = repositoryRoot.appendingPathComponent("../shared/repro/json-513-brackets.json").standardized.path
        guard let data = FileManager.default.contents(atPath: path) else {
            throw MissingRepro(path: path)
        }
        return Array(data)
    }

    /// A document `depth` arrays deep around `1`: `[[[1]]]` for 3.
    static func nestedArrays(depth: Int) -> String {
        String(repeating: "[", count: depth) + "1" + String(repeating: "]", count: depth)
    }

    /// The fastest of `runs` runs of `body`: the work's own cost, without the scheduling noise of a
    /// machine shared with other builds.
    static func fastest(of runs: Int = 5, _ body: () throws -> Void) rethrows -> Duration {
        var best = Duration.seconds(3600)
        for _ in 0..<runs {
            let start = ContinuousClock.now
            try body()
            best = min(best, ContinuousClock.now - start)
        }
        return best
    }

    /// The repro is not where the tests expect it.
    struct MissingRepro: Error, CustomStringConvertible {
        var path: String
        var description: String {
            "issue 10's repro is missing at \(path); the tests read it from ../shared/repro/ next to the "
                + "repository root (restore /work/shared/repro/json-513-brackets.json)"
        }
    }
}
