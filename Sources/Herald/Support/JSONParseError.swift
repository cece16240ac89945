/// Bytes that ``JSONParser`` refused: not JSON (RFC 8259), a string that is not Unicode, a member name
/// given twice in one object, or a ``JSONLimits`` bound broken.
///
/// ``path`` says where: the member names and array indices from the top of the document down to the
/// value being read (for a duplicate member, down to the object that holds it).
package struct JSONParseError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What kind of rule was broken.
    enum Kind: Sendable, Hashable {
        /// The bytes are not JSON.
        case syntax
        /// A string is not valid UTF-8 or holds a `\u` escape of an unpaired surrogate.
        case invalidString
        /// An object names this member twice.
        case duplicateMember(String)
        /// A bound was broken before parsing began.
        case limit(JSONLimitError)
    }

    /// One step of a ``path``.
    enum PathComponent: Sendable, Hashable, CustomStringConvertible {
        /// A member of an object.
        case member(String)
        /// An element of an array.
        case index(Int)

        /// `name` or `[index]`.
        var description: String {
            switch self {
            case .member(let name): name
            case .index(let index): "[\(index)]"
            }
        }
    }

    /// What kind of rule was broken.
    let kind: Kind
    /// What was wrong, without the position.
    let reason: String
    /// The zero-based byte offset where it was found.
    let offset: Int
    /// Where in the document, from the top.
    let path: [PathComponent]

    /// `path` without its first component, for errors reported about that component.
    func droppingFirstPathComponent() -> Self {
        Self(kind: kind, reason: reason, offset: offset, path: Array(path.dropFirst()))
    }

    /// The path as `data.items[2].name`, or `nil` at the top of the document.
    var pathDescription: String? {
        guard let first = path.first else { return nil }
        return path.dropFirst().reduce(first.description) { text, component in
            switch component {
            case .member(let name): "\(text).\(name)"
            case .index(let index): "\(text)[\(index)]"
            }
        }
    }

    /// The reason, the offset and the path.
    package var description: String {
        if case .limit = kind { return reason }
        let location = pathDescription.map { " (in \($0))" } ?? ""
        return "\(reason) at byte \(offset)\(location)"
    }
}
