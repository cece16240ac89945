import Foundation
import HeraldTesting
import Testing

/// The `VerifyYourHandlers` article and the report list the same checklist: every line of the catalog
/// has its row in the article, with the profiles the verifier plays for it.
@Suite("The checklist article matches the verifier's catalog")
struct ChecklistArticleTests {
    static var article: String {
        get throws {
            let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
                .deletingLastPathComponent()
            return try String(contentsOf: root.appendingPathComponent("Sources/HeraldTesting/Docs.docc/VerifyYourHandlers.md"), encoding: .utf8)
        }
    }

    @Test("each of the 52 lines of seed 003 has a row in the article naming its profiles, or n/a with the reason")
    func everyLineHasItsRow() throws {
        let rows = try Self.article.split(separator: "\n").filter { $0.hasPrefix("| ") }.map(String.init)
        #expect(MisconceptionCatalog.all.count == 52)
        for line in MisconceptionCatalog.all {
            let row = try #require(rows.first { $0.hasPrefix("| \(line.belief) |") }, "no row for '\(line.belief)'")
            if line.notApplicable != nil {
                #expect(row.contains("*n/a*"), "'\(line.belief)' is not applicable in the catalog but not marked n/a: \(row)")
            } else {
                for profile in line.profiles {
                    #expect(row.contains("`\(profile.rawValue)`"), "the row of '\(line.belief)' does not name \(profile.rawValue): \(row)")
                }
            }
        }
    }
}
