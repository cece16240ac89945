/// The local members of a group runtime, by id: a short array searched linearly (a group has a handful of
/// members in one process), changed in place. A dictionary's `members[id]?.handedOut += 1` goes through
/// its `modify` coroutine, which allocates on every hand-out and settlement; an array element does not.
struct RuntimeMembers: Sendable {
    private var ids: [UInt64] = []
    private var members: [RuntimeMember] = []

    private func index(of id: UInt64) -> Int? {
        ids.firstIndex(of: id)
    }

    /// The member `id`, if present.
    subscript(id: UInt64) -> RuntimeMember? {
        index(of: id).map { members[$0] }
    }

    /// Adds member `id`, or replaces it.
    mutating func insert(_ id: UInt64, _ member: RuntimeMember) {
        if let index = index(of: id) {
            members[index] = member
        } else {
            ids.append(id)
            members.append(member)
        }
    }

    /// Removes member `id`, if present.
    mutating func remove(_ id: UInt64) {
        guard let index = index(of: id) else { return }
        ids.remove(at: index)
        members.remove(at: index)
    }

    /// Changes member `id` in place, if present.
    mutating func update(_ id: UInt64, _ change: (inout RuntimeMember) -> Void) {
        guard let index = index(of: id) else { return }
        change(&members[index])
    }

    /// The members, in the order they joined.
    var values: [RuntimeMember] { members }

    /// The members' ids, in the order they joined.
    var keys: [UInt64] { ids }

    /// Ids with members, in the order they joined.
    var all: Zip2Sequence<[UInt64], [RuntimeMember]> { zip(ids, members) }

    /// Whether there is no member.
    var isEmpty: Bool { ids.isEmpty }

    /// Removes every member.
    mutating func removeAll() {
        ids.removeAll()
        members.removeAll()
    }
}
