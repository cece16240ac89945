import Foundation
import Herald
import Testing

@Suite("RFC 3339 times")
struct RFC3339Tests {
    @Test("formatExact parses back to exactly the same Date, for any time from 1970 to 2500")
    func exactRoundTrip() throws {
        var generator = SystemRandomNumberGenerator()
        let samples =
            [0, 0.5, 1_764_000_000.123, 1_764_000_000.000_001, Date().timeIntervalSince1970]
            + (0..<2_000).map { _ in Double.random(in: 0..<16_725_225_600, using: &generator) }
        for seconds in samples {
            let date = Date(timeIntervalSince1970: seconds)
            let text = RFC3339.formatExact(date)
            #expect(text.hasSuffix("Z"))
            #expect(RFC3339.parse(text) == date, "\(text) for \(seconds)")
        }
    }

    @Test("parse keeps every fractional digit and honours offsets")
    func parseFractions() throws {
        #expect(RFC3339.parse("2025-11-24T16:00:00.123456Z")?.timeIntervalSinceReferenceDate == 785_692_800.123456)
        #expect(RFC3339.parse("2025-11-24T18:00:00.25+02:00")?.timeIntervalSinceReferenceDate == 785_692_800.25)
        #expect(RFC3339.parse("1999-12-31T23:59:59.75Z")?.timeIntervalSinceReferenceDate == -31_622_400.25)
        #expect(RFC3339.parse("2025-11-24T16:00:00Z")?.timeIntervalSince1970 == 1_764_000_000)
        #expect(RFC3339.parse("2025-11-24T16:00:00.Z") == nil)
        #expect(RFC3339.parse("yesterday") == nil)
    }
}
