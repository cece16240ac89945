import Foundation

/// Writes to standard error: messages and progress, apart from the results on standard output.
enum StandardError {
    /// Writes `text` and a newline.
    static func line(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }

    /// Writes `text` as it is.
    static func write(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }

    /// Whether standard error is a terminal (progress redraws in place only there).
    static var isTerminal: Bool { isatty(2) != 0 }
}
