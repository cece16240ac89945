import Herald

/// File names of a segment: its base offset in 20 digits, so that names sort in offset order.
enum SegmentName {
    static let logSuffix = ".log"
    static let indexSuffix = ".index"
    static let timeIndexSuffix = ".timeindex"

    static func stem(_ base: Offset) -> String {
        twentyDigits(base.value)
    }

    /// `value` in 20 decimal digits, zero-padded, so that names holding numbers sort in number order.
    static func twentyDigits(_ value: some BinaryInteger) -> String {
        let digits = String(value)
        return String(repeating: "0", count: max(0, 20 - digits.count)) + digits
    }

    /// The number a name of 20 digits followed by `suffix` holds, or `nil` for other names.
    static func number(inName name: String, suffix: String) -> UInt64? {
        guard name.hasSuffix(suffix) else { return nil }
        let stem = name.dropLast(suffix.count)
        guard stem.count == 20 else { return nil }
        return UInt64(stem)
    }

    static func log(_ directory: String, _ base: Offset) -> String { "\(directory)/\(stem(base))\(logSuffix)" }
    static func index(_ directory: String, _ base: Offset) -> String { "\(directory)/\(stem(base))\(indexSuffix)" }
    static func timeIndex(_ directory: String, _ base: Offset) -> String { "\(directory)/\(stem(base))\(timeIndexSuffix)" }

    /// The base offset named by a segment's log file name, or `nil` for other files.
    static func baseOffset(ofLogFile name: String) -> Offset? {
        guard let value = number(inName: name, suffix: logSuffix), let offset = Int64(exactly: value) else { return nil }
        return Offset(offset)
    }
}
