import Herald
import Testing

import struct Foundation.Date

@Suite struct MiddlewarePayloadFingerprintTests {
    @Test func ignoresIDSourceTimeSubjectAndExtensions() throws {
        let a = try makeTestEvent(id: "1", source: "/a", time: Date(timeIntervalSince1970: 1), extensions: ["traceparent": "x"])
        var b = try makeTestEvent(id: "2", source: "/b", time: Date(timeIntervalSince1970: 2))
        b.subject = "other"
        #expect(PayloadFingerprint(of: a) == PayloadFingerprint(of: b))
    }

    @Test func changesWithTypeContentTypeOrData() throws {
        let base = PayloadFingerprint(of: try makeTestEvent())
        #expect(PayloadFingerprint(of: try makeTestEvent(type: "test.other.v1")) != base)
        #expect(PayloadFingerprint(of: try makeTestEvent(dataContentType: "text/plain")) != base)
        #expect(PayloadFingerprint(of: try makeTestEvent(data: #"{"n":2}"#)) != base)
    }

    @Test func tellsAbsentFromEmptyAndKeepsFieldsApart() throws {
        #expect(PayloadFingerprint(of: try makeTestEvent(data: nil)) != PayloadFingerprint(of: try makeTestEvent(data: "")))
        #expect(
            PayloadFingerprint(of: try makeTestEvent(dataContentType: nil))
                != PayloadFingerprint(of: try makeTestEvent(dataContentType: ""))
        )
        // Moving bytes from one field to the next must not give the same fingerprint.
        #expect(
            PayloadFingerprint(of: try makeTestEvent(type: "ab", dataContentType: "c", data: nil))
                != PayloadFingerprint(of: try makeTestEvent(type: "a", dataContentType: "bc", data: nil))
        )
    }

    @Test func bothHalvesDependOnThePayload() throws {
        let a = PayloadFingerprint(of: try makeTestEvent(data: "one"))
        let b = PayloadFingerprint(of: try makeTestEvent(data: "two"))
        #expect(a.high != b.high)
        #expect(a.low != b.low)
        #expect(a.high != a.low)
    }

    @Test func rendersAsThirtyTwoHexDigitsAndParsesBack() throws {
        let fingerprint = PayloadFingerprint(of: try makeTestEvent())
        #expect(fingerprint.hexString.count == 32)
        #expect(fingerprint.hexString.allSatisfy { $0.isHexDigit && !$0.isUppercase })
        #expect(PayloadFingerprint(hexString: fingerprint.hexString) == fingerprint)
        #expect(PayloadFingerprint(high: 1, low: 0xAB).hexString == "000000000000000100000000000000ab")
        #expect(PayloadFingerprint(hexString: "xyz") == nil)
        #expect(PayloadFingerprint(hexString: "+" + String(fingerprint.hexString.dropFirst())) == nil)
        #expect(fingerprint.description == fingerprint.hexString)
    }
}
