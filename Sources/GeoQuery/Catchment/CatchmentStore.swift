import Foundation

/// The catchments of an opened mirror (``CatchmentFile``), with boxes for the tree's nodes so
/// that the catchments touching an area are found without scanning every point.
///
/// Opened on first use (the node boxes take one pass over the per-point boxes, ~1 ms per 100k
/// points) and then shared by every query; read-only afterwards.
final class CatchmentStore: @unchecked Sendable {
    /// Every map point's cell (the snapshot's file, amended by the delta's).
    let cells: CatchmentCells
    /// Whether the catchments are in the mirror folder (false: computed into memory only).
    let stored: Bool
    /// PROJ's words for the WGS84 → BNG step used.
    let projection: String
    /// Whether opening computed any of them (false: all read from the mirror folder).
    let computedNow: Bool
    /// Why catchments computed now could not be written to the mirror folder; nil when they were
    /// (or none were computed).
    let storeFailure: String?
    /// The names of the groups the build computed (a force's, or "outside every boundary"; the
    /// rest it kept from the file before), of all the groups; nil for a file that does not say.
    let groupsComputed: (names: [String], of: Int)?
    /// Planar BNG m².
    var area: UnsafeBufferPointer<Double> { cells.area }
    /// (minX, minY, maxX, maxY) per point, BNG metres.
    var box: UnsafeBufferPointer<Double> { cells.box }
    /// The boundary each cell was clipped to (index), or -1.
    var clip: UnsafeBufferPointer<Int16> { cells.clip }
    let boundaryNames: [String]
    /// Union of the boxes of each tree node's points (same node numbering as the R-tree).
    private var nodeBox: [Double] = []
    private let tree: TreeView

    /// Map points after the tree's (a delta's new ones), searched one by one.
    private let extra: Int

    /// The catchments of `s`'s map points, or with a delta of the mirror's (the snapshot's that
    /// still hold a crime, then the delta's new ones; see ``MirrorDelta``).
    init(snapshot s: Snapshot, delta: DeltaView? = nil, location: MirrorLocation, tree: TreeView, progress: (@Sendable (CatchmentProgress) -> Void)? = nil) throws {
        let loaded = try delta.flatMap { d in d.changesMapPoints ? d : nil }.map { d in
            try CatchmentFile.load(delta: d, base: s, at: location, progress: progress)
        } ?? CatchmentFile.load(for: s, at: location, progress: progress)
        extra = delta?.newCount ?? 0
        cells = loaded.cells
        stored = loaded.stored
        let meta = cells.meta
        projection = meta?.projection ?? "unknown"
        computedNow = loaded.computed
        storeFailure = loaded.storeFailure
        let names = s.strings(.boundaryNames).all
        boundaryNames = names
        groupsComputed = meta.flatMap { m in m.groups.map { (m.computedGroupNames(boundaries: names), $0) } }
        self.tree = tree
        let n = tree.pointCount + extra
        guard cells.count == n else {
            throw GeoQueryError.mirrorCorrupt("\(s.path): the catchments do not match the map points: re-run geoquery ingest to rebuild the mirror")
        }
        let (area, box) = (cells.area, cells.box)
        let nodes = tree.minLat.count
        nodeBox = [Double](repeating: 0, count: 4 * nodes)
        // Level 1 (leaves) from the points, then each level from the one below.
        for level in 1...max(tree.levels, 1) where tree.levels > 0 {
            let lo = Int(tree.levelStart[level - 1]), hi = Int(tree.levelStart[level])
            for g in lo..<hi {
                var a = Double.infinity, b = Double.infinity, c = -Double.infinity, d = -Double.infinity
                let children: Range<Int>
                if level == 1 {
                    children = tree.points(level: 1, node: g - lo)
                    for p in children where area[p] > 0 {
                        a = min(a, box[4 * p]); b = min(b, box[4 * p + 1]); c = max(c, box[4 * p + 2]); d = max(d, box[4 * p + 3])
                    }
                } else {
                    let below = Int(tree.levelStart[level - 2]), k = g - lo
                    let first = below + k * PackedHilbertRTree.nodeSize
                    for child in first..<min(first + PackedHilbertRTree.nodeSize, lo) {
                        a = min(a, nodeBox[4 * child]); b = min(b, nodeBox[4 * child + 1])
                        c = max(c, nodeBox[4 * child + 2]); d = max(d, nodeBox[4 * child + 3])
                    }
                }
                nodeBox[4 * g] = a; nodeBox[4 * g + 1] = b; nodeBox[4 * g + 2] = c; nodeBox[4 * g + 3] = d
            }
        }
    }

    /// Map points (index order) whose catchment box meets the box (BNG metres).
    /// - Complexity: O(log n + nodes and points whose boxes meet it).
    func points(meeting q: (minX: Double, minY: Double, maxX: Double, maxY: Double)) -> [Int] {
        var out: [Int] = []
        let (area, box) = (cells.area, cells.box)
        let n = tree.pointCount
        func meets(_ b: UnsafeBufferPointer<Double>, _ i: Int) -> Bool {
            b[4 * i] <= q.maxX && b[4 * i + 2] >= q.minX && b[4 * i + 1] <= q.maxY && b[4 * i + 3] >= q.minY
        }
        out += (n..<(n + extra)).filter { area[$0] > 0 && meets(box, $0) }
        guard n > 0 else { return out }
        guard tree.levels > 0 else {
            return ((0..<n).filter { area[$0] > 0 && meets(box, $0) } + out).sorted()
        }
        nodeBox.withUnsafeBufferPointer { nb in
            var stack: [(level: Int, k: Int)] = [(tree.levels, 0)]
            while let (level, k) = stack.popLast() {
                let g = Int(tree.levelStart[level - 1]) + k
                guard meets(nb, g) else { continue }
                if level == 1 {
                    for p in tree.points(level: 1, node: k) where area[p] > 0 && meets(box, p) { out.append(p) }
                } else {
                    let count = Int(tree.levelStart[level - 1]) - Int(tree.levelStart[level - 2])
                    for c in (k * PackedHilbertRTree.nodeSize)..<min((k + 1) * PackedHilbertRTree.nodeSize, count) { stack.append((level - 1, c)) }
                }
            }
        }
        return out.sorted()
    }

    /// Point `p`'s catchment as a GEOS geometry in `geos` (nil when it has no area).
    func geometry(_ p: Int, in geos: GEOSContext) throws -> Geometry? {
        let bytes = cells.wkb(p)
        guard !bytes.isEmpty else { return nil }
        return try geos.readWKB(bytes)
    }

    /// Point `p`'s catchment as WKB bytes (empty when it has no area).
    func wkbBytes(_ p: Int) -> [UInt8] { Array(cells.wkb(p)) }

    /// What point `p`'s catchment was clipped to, in words.
    func clippedTo(_ p: Int) -> String {
        let c = Int(clip[p])
        return c >= 0 && c < boundaryNames.count ? boundaryNames[c] : "20 km from the point"
    }
}
