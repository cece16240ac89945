/// A failure message with what varies between occurrences of one failure masked, so that "order o-1842
/// not found" and "order o-77 not found" are one failure: UUIDs become `<uuid>`, hex strings of 8 or more
/// digits with a digit among them `<hex>`, numbers `<n>`, e-mail addresses `<email>`. Bounded: the first
/// 2,000 characters count.
public enum FailureMessagePattern {
    /// The characters of a message that count.
    public static let maximumLength = 2_000

    /// `message` with its varying parts masked.
    public static func normalize(_ message: String) -> String {
        var result = ""
        var token = ""
        for character in message.prefix(maximumLength) {
            if separators.contains(character) {
                result += normalizeToken(token)
                token = ""
                result.append(character)
            } else {
                token.append(character)
            }
        }
        return result + normalizeToken(token)
    }

    /// What splits a message into the tokens masked one by one: spaces, path and query punctuation,
    /// brackets and quotes.
    private static let separators: Set<Character> = [
        " ", "\t", "\n", "/", ":", "=", ";", "(", ")", "[", "]", "{", "}", "<", ">", "'", "\"", "?", "&", "#", "|",
    ]

    private static func normalizeToken(_ token: String) -> String {
        guard !token.isEmpty else { return token }
        // A trailing full stop or comma ends a sentence, not the token.
        let trailing = String(token.reversed().prefix { $0 == "." || $0 == "," }.reversed())
        let core = Substring(token.dropLast(trailing.count))
        guard !core.isEmpty else { return token }
        if let at = core.firstIndex(of: "@"), at != core.startIndex, core[at...].contains(".") { return "<email>" + trailing }
        if isUUID(core) { return "<uuid>" + trailing }
        if core.count >= 8, core.allSatisfy(\.isHexDigit), core.contains(where: \.isNumber) { return "<hex>" + trailing }
        return maskNumbers(core) + trailing
    }

    private static func isUUID(_ text: Substring) -> Bool {
        let groups = text.split(separator: "-", omittingEmptySubsequences: false)
        return groups.map(\.count) == [8, 4, 4, 4, 12] && groups.allSatisfy { $0.allSatisfy(\.isHexDigit) }
    }

    /// Every run of digits (with `.` or `,` between digits) becomes `<n>`.
    private static func maskNumbers(_ text: Substring) -> String {
        var result = ""
        var inNumber = false
        var index = text.startIndex
        while index < text.endIndex {
            let character = text[index]
            let next = text.index(after: index)
            if character.isNumber {
                if !inNumber { result += "<n>" }
                inNumber = true
            } else if inNumber, character == "." || character == ",", next < text.endIndex, text[next].isNumber {
                // A decimal point or a thousands separator inside a number.
            } else {
                inNumber = false
                result.append(character)
            }
            index = next
        }
        return result
    }
}
