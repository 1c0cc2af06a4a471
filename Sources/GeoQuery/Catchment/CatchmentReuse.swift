import Foundation

/// The cells of an earlier catchment build (the file a mirror folder holds, whatever snapshot it
/// was made for), offered to the next build group by group.
///
/// A group's cells follow from its sites and its clip alone (``CatchmentBuilder/groupKey``), so a
/// group with the same key and the very same sites gets the same cells from GEOS: they are taken
/// from here instead. Adding map points to one force then costs that force's Voronoi diagram,
/// and compacting a delta, whose points were already built, costs none.
final class CatchmentReuse: @unchecked Sendable {
    /// Keeps the mapped file alive for the views below.
    private let bytes: SnapshotBytes
    private let start: UnsafeBufferPointer<UInt64>
    private let wkb: UnsafeRawBufferPointer
    let area: UnsafeBufferPointer<Double>
    let box: UnsafeBufferPointer<Double>
    private let site: UnsafeBufferPointer<Double>
    /// PROJ's words for the WGS84 → BNG step its sites were projected with.
    let projection: String
    /// Old group index by key.
    private let groupOf: [UInt64: Int]
    /// Each old group's points, sites in canonical order (x, then y).
    private let members: [[Int]]

    /// The earlier build in `views` (a whole catchment file), or nil when it predates the sites
    /// and keys (or they do not fit its points).
    init?(bytes: SnapshotBytes, views: [CatchmentFile.Section: UnsafeRawBufferPointer]) {
        guard let siteView = views[.site], let keyView = views[.groupKey] else { return nil }
        self.bytes = bytes
        projection = CatchmentFile.meta(views)?.projection ?? ""
        start = views[.start]!.assumingMemoryBound(to: UInt64.self); wkb = views[.wkb]!
        area = views[.area]!.assumingMemoryBound(to: Double.self); box = views[.box]!.assumingMemoryBound(to: Double.self)
        site = siteView.assumingMemoryBound(to: Double.self)
        let clip = views[.clip]!.assumingMemoryBound(to: Int16.self)
        let keys = keyView.assumingMemoryBound(to: UInt64.self)
        let n = area.count
        guard keys.count >= 1, site.count == 2 * n, clip.count == n, box.count == 4 * n, start.count == n + 1,
              Int(start[n]) == wkb.count else { return nil }
        let unbounded = keys.count - 1
        var lists = [[Int]](repeating: [], count: keys.count)
        for p in 0..<n where !site[2 * p].isNaN {
            let g = clip[p] < 0 ? unbounded : Int(clip[p])
            guard g < keys.count else { return nil }
            lists[g].append(p)
        }
        let s = site
        for g in lists.indices { lists[g].sort { s[2 * $0] != s[2 * $1] ? s[2 * $0] < s[2 * $1] : s[2 * $0 + 1] < s[2 * $1 + 1] } }
        members = lists
        var byKey: [UInt64: Int] = [:]
        for g in keys.indices where keys[g] != 0 { byKey[keys[g]] = g }
        groupOf = byKey
    }

    /// The earlier points whose cells serve the group of `sites` (canonical order), one per site,
    /// or nil when no earlier group had this key and exactly these sites.
    func cells(key: UInt64, sites: [(Double, Double)]) -> [Int]? {
        guard let g = groupOf[key], members[g].count == sites.count else { return nil }
        let old = members[g]
        for (j, p) in old.enumerated() where site[2 * p] != sites[j].0 || site[2 * p + 1] != sites[j].1 { return nil }
        return old
    }

    /// Earlier point `p`'s cell as WKB (empty when it had no area).
    func wkbBytes(_ p: Int) -> [UInt8] { Array(wkb[Int(start[p])..<Int(start[p + 1])]) }
}
