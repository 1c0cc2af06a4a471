import Foundation

/// The cells of an earlier catchment build (the file a mirror folder holds, whatever snapshot it
/// was made for), offered to the next build group by group.
///
/// A group's cells follow from its sites and its clip alone (``CatchmentBuilder/groupKey``), so a
/// group with the same key and the very same sites gets the same cells from GEOS: they are taken
/// from here instead. Adding map points to one force then costs that force's Voronoi diagram,
/// and compacting a delta, whose points were already built, costs none.
final class CatchmentReuse: @unchecked Sendable {
    let cells: CatchmentCells
    /// PROJ's words for the WGS84 → BNG step its sites were projected with.
    var projection: String { cells.meta?.projection ?? "" }
    /// Old group index by key.
    private let groupOf: [UInt64: Int]
    /// Each old group's points, in file order (sorted when asked: most groups of a delta's build
    /// are never asked, their cells being the snapshot's).
    private let members: [[Int]]

    /// The earlier build `cells`, or nil when it predates the sites and keys.
    init?(_ cells: CatchmentCells) {
        guard let site = cells.site, let keys = cells.groupKey, !keys.isEmpty else { return nil }
        self.cells = cells
        let unbounded = keys.count - 1
        var lists = [[Int]](repeating: [], count: keys.count)
        for p in 0..<cells.count where !site[2 * p].isNaN {
            let g = cells.clip[p] < 0 ? unbounded : Int(cells.clip[p])
            guard g < keys.count else { return nil }
            lists[g].append(p)
        }
        members = lists
        var byKey: [UInt64: Int] = [:]
        for g in keys.indices where keys[g] != 0 { byKey[keys[g]] = g }
        groupOf = byKey
    }

    /// The earlier points whose cells serve the group of `sites` (canonical order), one per site,
    /// or nil when no earlier group had this key and exactly these sites.
    func cells(key: UInt64, sites: [(Double, Double)]) -> [Int]? {
        guard let g = groupOf[key], members[g].count == sites.count, let site = cells.site else { return nil }
        let old = members[g].sorted { site[2 * $0] != site[2 * $1] ? site[2 * $0] < site[2 * $1] : site[2 * $0 + 1] < site[2 * $1 + 1] }
        for (j, p) in old.enumerated() where site[2 * p] != sites[j].0 || site[2 * p + 1] != sites[j].1 { return nil }
        return old
    }
}
