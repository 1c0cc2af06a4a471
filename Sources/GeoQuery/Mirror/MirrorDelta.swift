import Foundation

/// A mirror's recent data, kept beside its snapshot so that adding or restating a force-month
/// costs time and memory in proportion to that data, not to the mirror (as Lucene and
/// ClickHouse keep parts beside their merged ones).
///
/// `delta.geoquery` is a snapshot of its own, built by ``SnapshotBuilder`` from the delta's
/// rows alone (its own map points, tree, cells and rows), with sections that tie it to the
/// snapshot it amends, the *base*:
/// - the base's ``Snapshot/identity`` (a delta made for another base is never applied) and the
///   base's street partitions it restates (*superseded*: their base rows no longer count);
/// - each delta map point's twin in the base (same coordinates), so a point is counted once;
/// - the base points that the superseded partitions leave without a crime (no longer map
///   points), and the base points and nodes whose forces they change.
///
/// A query sums the base less its superseded partitions and the delta (see `CrimeMirror`).
/// An ingest folds the delta into a new base (compaction) when the delta would pass a quarter of
/// the base's rows, when the ingest brings what a delta cannot hold (outcomes files, map-point
/// lists, boundaries, months before the base's first; or the base holds outcome events), or
/// when asked (`geoquery ingest --compact`).
enum MirrorDelta {
    static let fileName = "delta.geoquery"

    /// The delta's tie to its base (the `deltaMeta` section, JSON).
    struct Meta: Codable, Sendable {
        /// The base's ``Snapshot/identity``.
        var base: [UInt64]
        /// Base street partitions the delta restates, sorted.
        var superseded: [Partition]

        struct Partition: Codable, Sendable, Hashable {
            var force: String
            var month: String
        }
    }

    /// Adds to `image` (the delta's own snapshot, built from its rows) the sections that tie it
    /// to `base`, whose street partitions `superseded` the delta restates.
    /// - Complexity: O(base map points) for the twins and the forces of its nodes (integer work,
    ///   a few milliseconds at national scale), plus the cells of the base points holding a
    ///   superseded force; no crime row of the base is read.
    /// - Returns: the delta's map points new to the mirror, and the base's it leaves without a crime.
    @discardableResult
    static func tie(_ image: inout SnapshotImage, to base: Snapshot, superseded: Set<CrimeTable.Partition>) throws -> (newPoints: Int, emptied: Int) {
        let meta = Meta(base: base.identity,
                        superseded: superseded.sorted().map { .init(force: $0.force, month: Month(ordinal: Int($0.month)).description) })
        image.add(.deltaMeta, Array(try JSONEncoder().encode(meta)))

        // Twins: base points by coordinates.
        // Copied while the gathered buffers live: they are freed with `points`.
        let points = image.gathered([.pointLat, .pointLng])
        let (lat, lng) = withExtendedLifetime(points) { (Array(points.array(.pointLat, as: Int32.self)), Array(points.array(.pointLng, as: Int32.self))) }
        let baseLat = base.array(.pointLat, as: Int32.self), baseLng = base.array(.pointLng, as: Int32.self)
        var byCoordinates = [UInt64: Int32](minimumCapacity: baseLat.count)
        for p in baseLat.indices { byCoordinates[key(baseLat[p], baseLng[p])] = Int32(p) }
        var twinned = [Bool](repeating: false, count: baseLat.count)
        var twin = [Int32](repeating: -1, count: lat.count), newBefore = [UInt32](repeating: 0, count: lat.count + 1)
        for p in lat.indices {
            if let b = byCoordinates[key(lat[p], lng[p])] { twin[p] = b; twinned[Int(b)] = true }
            newBefore[p + 1] = newBefore[p] + (twin[p] < 0 ? 1 : 0)
        }
        image.add(.deltaBaseTwin, twin)
        image.add(.deltaNewBefore, newBefore)
        image.add(.deltaTwinOrder, twin.indices.filter { twin[$0] >= 0 }.sorted { twin[$0] < twin[$1] }.map { UInt32($0) })

        // What the superseded partitions take from the base's points and nodes.
        let amended = Amendment(base, superseded: meta.superseded)
        let lists = base.pointCellLists, cells = lists.cells
        let listed = base.array(.pointListedID, as: Int64.self)
        var pointMask = Array(base.array(.pointForceMask, as: UInt64.self))
        var emptied: [UInt32] = [], maskPoint: [UInt32] = [], maskPointValue: [UInt64] = []
        for p in pointMask.indices where pointMask[p] & amended.forces != 0 {
            var mask: UInt64 = 0
            for range in lists.ranges(p) {
                for i in range where !amended.excludes(cells[i]) { mask |= 1 << UInt64(CrimeCell.force(cells[i])) }
            }
            // A point of a map-point list, or one the delta also holds, stays a map point.
            if mask == 0 && listed[p] < 0 && !twinned[p] { emptied.append(UInt32(p)) }
            if mask != pointMask[p] { maskPoint.append(UInt32(p)); maskPointValue.append(mask); pointMask[p] = mask }
        }
        image.add(.baseEmptied, emptied)
        image.add(.baseMaskPoint, maskPoint)
        image.add(.baseMaskPointValue, maskPointValue)

        // Node forces again from the amended point forces, level by level.
        let levelStart = base.array(.levelStart, as: UInt32.self), nodeMask = base.array(.nodeForceMask, as: UInt64.self)
        var maskNode: [UInt32] = [], maskNodeValue: [UInt64] = []
        if !maskPoint.isEmpty {
            var below = pointMask
            for level in 1..<levelStart.count {
                let first = Int(levelStart[level - 1]), count = Int(levelStart[level]) - first
                var here = [UInt64](repeating: 0, count: count)
                for (i, m) in below.enumerated() { here[i / PackedHilbertRTree.nodeSize] |= m }
                for k in 0..<count where here[k] != nodeMask[first + k] {
                    maskNode.append(UInt32(first + k)); maskNodeValue.append(here[k])
                }
                below = here
            }
        }
        image.add(.baseMaskNode, maskNode)
        image.add(.baseMaskNodeValue, maskNodeValue)

        // The superseded partitions' cells in each node holding any (a few per node and month).
        let nodeCells = base.array(.nodeCells, as: UInt64.self), nodeCellStart = base.array(.nodeCellStart, as: UInt32.self)
        var cut: [UInt32] = [], cutStart: [UInt32] = [0], cutCells: [UInt64] = []
        for g in nodeMask.indices where nodeMask[g] & amended.forces != 0 {
            let before = cutCells.count
            for i in Int(nodeCellStart[g])..<Int(nodeCellStart[g + 1]) where amended.excludes(nodeCells[i]) { cutCells.append(nodeCells[i]) }
            if cutCells.count > before { cut.append(UInt32(g)); cutStart.append(UInt32(cutCells.count)) }
        }
        image.add(.baseNodeCut, cut)
        image.add(.baseNodeCutStart, cutStart)
        image.add(.baseNodeCutCells, cutCells)
        return (Int(newBefore[lat.count]), emptied.count)
    }

    private static func key(_ lat: Int32, _ lng: Int32) -> UInt64 { UInt64(UInt32(bitPattern: lat)) << 32 | UInt64(UInt32(bitPattern: lng)) }

    /// The superseded partitions in the base's index spaces: per month offset, the forces whose
    /// cells no longer count.
    struct Amendment {
        /// `byMonth[m]`: forces superseded at base month offset m.
        let byMonth: [UInt64]
        /// Every superseded force, whatever the month.
        let forces: UInt64

        init(_ base: Snapshot, superseded: [Meta.Partition]) {
            let forces = base.strings(.forces).all
            let first = base.meta.firstMonth.flatMap(Month.init)?.ordinal ?? 0
            let last = base.meta.lastMonth.flatMap(Month.init)?.ordinal ?? first - 1
            var byMonth = [UInt64](repeating: 0, count: max(0, last - first + 1))
            var all: UInt64 = 0
            for s in superseded {
                guard let f = forces.firstIndex(of: s.force), let m = Month(s.month)?.ordinal, m >= first, m <= last else { continue }
                byMonth[m - first] |= 1 << UInt64(f)
                all |= 1 << UInt64(f)
            }
            self.byMonth = byMonth
            self.forces = all
        }

        /// Whether a base cell belongs to a superseded partition.
        @inline(__always) func excludes(_ c: UInt64) -> Bool {
            let m = CrimeCell.month(c)
            return m < byMonth.count && (byMonth[m] >> UInt64(CrimeCell.force(c))) & 1 == 1
        }
    }
}
