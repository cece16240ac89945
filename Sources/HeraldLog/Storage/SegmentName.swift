import Herald

/// File names of a segment: its base offset in 20 digits, so that names sort in offset order.
enum SegmentName {
    static let logSuffix = ".log"
    static let indexSuffix = ".index"
    static let timeIndexSuffix = ".timeindex"

    static func stem(_ base: Offset) -> String {
        let digits = String(base.value)
        return String(repeating: "0", count: max(0, 20 - digits.count)) + digits
    }

    static func log(_ directory: String, _ base: Offset) -> String { "\(directory)/\(stem(base))\(logSuffix)" }
    static func index(_ directory: String, _ base: Offset) -> String { "\(directory)/\(stem(base))\(indexSuffix)" }
    static func timeIndex(_ directory: String, _ base: Offset) -> String { "\(directory)/\(stem(base))\(timeIndexSuffix)" }

    /// The base offset named by a segment's log file name, or `nil` for other files.
    static func baseOffset(ofLogFile name: String) -> Offset? {
        guard name.hasSuffix(logSuffix) else { return nil }
        let stem = name.dropLast(logSuffix.count)
        guard stem.count == 20, let value = Int64(stem), value >= 0 else { return nil }
        return Offset(value)
    }
}
