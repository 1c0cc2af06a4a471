import Foundation

/// An opened mirror: the library's entry point. Open once, then query as often as you like
/// (queries are read-only and may run concurrently).
///
/// ```swift
/// let mirror = try CrimeMirror.open(.directory("/data/police-uk"))
/// let result = try mirror.query(.radius(lat: 52.6297, lng: -1.1316, try Distance(parsing: "0.5mi")))
/// print(result.total, result.byCategory["burglary"] ?? 0)
/// ```
public final class CrimeMirror: @unchecked Sendable {
    let snapshot: Snapshot
    let tree: TreeView
    let pointCells: UnsafeBufferPointer<UInt64>, pointCellStart: UnsafeBufferPointer<UInt32>
    let nodeCells: UnsafeBufferPointer<UInt64>, nodeCellStart: UnsafeBufferPointer<UInt32>
    let noLocationCells: UnsafeBufferPointer<UInt64>
    let pointForceMask: UnsafeBufferPointer<UInt64>, nodeForceMask: UnsafeBufferPointer<UInt64>
    let projections: NodeProjections

    /// Force slugs, category slugs and outcome texts, indexed as in the cells.
    public let forces: [String]
    public let categories: [String]
    public let outcomes: [String]
    /// First and last month held (nil for an empty mirror).
    public let firstMonth: Month?
    public let lastMonth: Month?
    /// True for the embedded synthetic sample.
    public let synthetic: Bool
    /// Months each force holds, as bitmaps over month offsets, for coverage notes; and their union.
    private let forceMonths: [[Bool]]
    private let monthsHeld: [Bool]
    var monthsHeldCount: Int { monthsHeld.count }
    /// Outcome texts as results show them ("none" for no outcome).
    let outcomeLabels: [String]
    /// Runs of month offsets each force holds (`lo...hi`), for the material-share check.
    let heldRuns: [[(lo: Int, hi: Int)]]
    /// No-location crimes by force, month offset and category, as running sums over months
    /// (`[(force × (span + 1) + m) × categories + c]` counts months before offset m), for `no_location`.
    private let noLocationRunning: [Int]
    let btpForce: Int
    /// The catchments, opened on first use (see ``catchments()``).
    let catchmentCache = LazyValue<CatchmentStore>()
    /// The folder's harvested months, read on first use (see ``harvestedMonths()``).
    let harvestCache = LazyValue<HarvestedMonths>()
    /// Where each force is responsible, decoded on first use (see ``forceAreas()``).
    let forceAreaCache = LazyValue<ForceAreas>()
    /// The outcome events searchable by Crime ID, made on first use (see ``outcomeHistory(persistentID:)``).
    let outcomeEventCache = LazyValue<OutcomeEvents>()

    /// Opens the mirror at `location`, verifying the snapshot's header and index checksums.
    /// - Parameters:
    ///   - location: a mirror folder, or the embedded sample.
    ///   - catchmentProgress: told when the catchments are computed (the first catchment
    ///     question after an ingest: seconds for the whole country); the library prints nothing.
    /// - Complexity: maps the file; reads only the index sections (no CSV, no crime rows).
    public static func open(_ location: MirrorLocation, catchmentProgress: (@Sendable (CatchmentProgress) -> Void)? = nil) throws -> CrimeMirror {
        let m = try CrimeMirror(snapshot: location.openSnapshot())
        m.location = location
        m.catchmentProgress = catchmentProgress
        return m
    }

    /// Where the mirror was opened from (the sample for one built in memory).
    public private(set) var location: MirrorLocation = .sample
    /// Set once by ``open(_:catchmentProgress:)``, before the mirror is shared.
    private(set) var catchmentProgress: (@Sendable (CatchmentProgress) -> Void)?
    private let postcodeLock = NSLock()
    private var postcodeTable: PostcodeTable?

    /// The mirror's postcode table, opened on first use and kept.
    /// - Throws: ``GeoQueryError/postcodeFile(_:)`` when the mirror holds no postcodes.
    public func postcodes() throws -> PostcodeTable {
        postcodeLock.lock(); defer { postcodeLock.unlock() }
        if let t = postcodeTable { return t }
        let t = try PostcodeTable.open(location)
        postcodeTable = t
        return t
    }

    init(snapshot s: Snapshot) throws {
        snapshot = s
        tree = TreeView(pointCount: s.array(.pointLat, as: Int32.self).count, lat: s.array(.pointLat), lng: s.array(.pointLng),
                        levelStart: s.array(.levelStart), minLat: s.array(.nodeMinLat), minLng: s.array(.nodeMinLng),
                        maxLat: s.array(.nodeMaxLat), maxLng: s.array(.nodeMaxLng))
        pointCells = s.array(.pointCells); pointCellStart = s.array(.pointCellStart)
        nodeCells = s.array(.nodeCells); nodeCellStart = s.array(.nodeCellStart)
        noLocationCells = s.array(.noLocationCells)
        pointForceMask = s.array(.pointForceMask); nodeForceMask = s.array(.nodeForceMask)
        projections = NodeProjections(monthCategoryStart: s.array(.nodeMonthCategoryStart), monthCategory: s.array(.nodeMonthCategory),
                                      monthOutcomeStart: s.array(.nodeMonthOutcomeStart), monthOutcome: s.array(.nodeMonthOutcome),
                                      monthForceStart: s.array(.nodeMonthForceStart), monthForce: s.array(.nodeMonthForce),
                                      runningTotals: s.nodeRunningTotals())
        forces = s.strings(.forces).all
        categories = s.strings(.categories).all
        outcomes = s.strings(.outcomes).all
        firstMonth = s.meta.firstMonth.flatMap { Month($0) }
        lastMonth = s.meta.lastMonth.flatMap { Month($0) }
        synthetic = s.meta.synthetic
        let span = (lastMonth?.ordinal ?? 0) - (firstMonth?.ordinal ?? 0) + 1
        var fm = [[Bool]](repeating: [Bool](repeating: false, count: span), count: forces.count)
        var any = [Bool](repeating: false, count: span)
        let index = Dictionary(uniqueKeysWithValues: forces.enumerated().map { ($1, $0) })
        for p in s.meta.street {
            if let f = index[p.force], let m = Month(p.month), let first = firstMonth {
                fm[f][m.ordinal - first.ordinal] = true
                any[m.ordinal - first.ordinal] = true
            }
        }
        forceMonths = fm
        monthsHeld = any
        heldRuns = fm.map { held in
            var runs: [(lo: Int, hi: Int)] = []
            for m in held.indices where held[m] {
                if let last = runs.last, last.hi == m - 1 { runs[runs.count - 1].hi = m } else { runs.append((m, m)) }
            }
            return runs
        }
        outcomeLabels = outcomes.map { $0.isEmpty ? "none" : $0 }
        let cats = categories.count
        var nl = [Int](repeating: 0, count: forces.count * (span + 1) * cats)
        for c in noLocationCells {
            nl[(CrimeCell.force(c) * (span + 1) + CrimeCell.month(c) + 1) * cats + CrimeCell.category(c)] += CrimeCell.count(c)
        }
        for f in forces.indices {
            for m in stride(from: 1, through: span, by: 1) {
                for c in 0..<cats { nl[(f * (span + 1) + m) * cats + c] += nl[(f * (span + 1) + m - 1) * cats + c] }
            }
        }
        noLocationRunning = nl
        btpForce = index[Force.btp] ?? -1
        guard pointCellStart.count == tree.pointCount + 1, nodeCellStart.count == tree.minLat.count + 1,
              Int(pointCellStart.last ?? 0) == pointCells.count, Int(nodeCellStart.last ?? 0) == nodeCells.count,
              projections.monthCategoryStart.count == nodeCellStart.count, projections.monthOutcomeStart.count == nodeCellStart.count,
              projections.monthForceStart.count == nodeCellStart.count,
              projections.runningTotals?.isConsistent(nodes: nodeCellStart.count - 1) ?? true else {
            throw GeoQueryError.mirrorCorrupt("\(s.path) is inconsistent (index sizes disagree): re-run geoquery ingest to rebuild it")
        }
    }

    /// Answers a query: counts by category, month and outcome inside the area.
    /// - Complexity: O(boundary nodes × 16 + inside nodes' cells in the month range); no crime is touched.
    public func query(_ q: CrimeQuery) throws -> QueryResult {
        try query(QueryPlan(q, mirror: self))
    }

    /// Answers a query, computing only what the result's top-level JSON keys `fields` need
    /// (see ``QueryResult/jsonKeys``; nil: everything, as ``query(_:)``). The counts are always
    /// there; without `coverage` or `notes` no force area is measured against the query, which is
    /// most of a border polygon's cost. Parts not asked for are left empty, so write the result
    /// with the same `fields`.
    public func query(_ q: CrimeQuery, fields: Set<String>?) throws -> QueryResult {
        var plan = try QueryPlan(q, mirror: self)
        plan.parts = .init(fields: fields)
        return try query(plan)
    }

    /// How a query adds up inside nodes: `.fast` through the per-node projections and running
    /// totals, or `.cellWalk` through every node's full cells, the plain walk the fast one must
    /// equal (tests).
    enum SumPath { case fast, cellWalk }

    /// A query already checked against this mirror (callers that need the plan's masks too).
    func query(_ plan: QueryPlan, path: SumPath = .fast) throws -> QueryResult {
        let tally = plan.tally(self)
        try add(plan.query.area, to: tally, path: path)
        var result = plan.result(tally, mirror: self, path: path)
        if let c = plan.query.centre {
            result.centre = c
            result.notes = [c.description] + c.notes + result.notes
        }
        return result
    }

    /// Adds everything inside `area` to `tally`.
    func add(_ area: Area, to tally: Tally, path: SumPath = .fast) throws {
        switch area {
        case .circle(let c): add(CircleArea(c), to: tally, path: path)
        case .polygon(let p): add(try PolygonArea(p), to: tally, path: path)
        }
    }

    /// Walks the tree over `area`: whole inside nodes through their aggregates, crossing leaves point by point.
    private func add<A: TreeArea>(_ area: A, to tally: Tally, path: SumPath) {
        let projected = tally.unfiltered && path == .fast
        // Locals, so the hot closures touch no class property.
        let tree = self.tree, projections = self.projections
        let nodeCells = self.nodeCells, nodeCellStart = self.nodeCellStart, nodeForceMask = self.nodeForceMask
        let pointCells = self.pointCells, pointCellStart = self.pointCellStart, pointForceMask = self.pointForceMask
        // Counters and visit lists in locals, written back once: a class property changed in the
        // closures would pay a dynamic exclusivity check per node and point.
        var present = tally.present, mapPoints = tally.mapPoints, nodes = tally.visitedNodes, points = tally.visitedPoints
        tree.search(area, node: { level, g in
            if projected { tally.addProjected(projections, node: g) } else {
                tally.add(nodeCells, Int(nodeCellStart[g])..<Int(nodeCellStart[g + 1]))
            }
            present |= nodeForceMask[g]
            mapPoints += tree.points(level: level, node: g - Int(tree.levelStart[level - 1])).count
            nodes.append(g)
        }, point: { p in
            tally.add(pointCells, Int(pointCellStart[p])..<Int(pointCellStart[p + 1]))
            present |= pointForceMask[p]
            mapPoints += 1
            points.append(p)
        })
        (tally.present, tally.mapPoints, tally.visitedNodes, tally.visitedPoints) = (present, mapPoints, nodes, points)
    }

    /// Walks the tree over `area`: `node(level, g)` for each whole node inside it (g global),
    /// `point(p)` for each map point inside it on a crossing leaf.
    func walk(_ area: Area, node: (_ level: Int, _ globalNode: Int) -> Void, point: (Int) -> Void) throws {
        switch area {
        case .circle(let c): tree.search(CircleArea(c), node: node, point: point)
        case .polygon(let p): tree.search(try PolygonArea(p), node: node, point: point)
        }
    }

    /// Map points inside an area, in index order.
    func points(in area: Area) throws -> [Int] {
        var points: [Int] = []
        let tree = self.tree
        try walk(area, node: { level, g in
            points += tree.points(level: level, node: g - Int(tree.levelStart[level - 1]))
        }, point: { points.append($0) })
        return points.sorted()
    }
}

extension CrimeMirror {
    /// A map point's first "On or near ..." name.
    func pointName(_ p: Int) -> String {
        let start = snapshot.array(.pointNameStart, as: UInt32.self), names = snapshot.array(.pointNames, as: Int32.self)
        guard start[p] < start[p + 1] else { return "unnamed map point" }
        return snapshot.strings(.locations)[Int(names[Int(start[p])])]
    }
}

extension CrimeMirror {
    /// Where a query without a centre looks: the sample's city centre, or nil for a real mirror.
    public var defaultCentre: (lat: Double, lng: Double)? { synthetic ? SampleMirror.centre : nil }
}

extension CrimeMirror {
    /// Number of map points in the mirror.
    public var mapPointCount: Int { tree.pointCount }

    /// The `i`-th map point in index order (`0..<mapPointCount`).
    public func mapPoint(_ i: Int) -> MapPoint {
        let listed = snapshot.array(.pointListedID, as: Int64.self)[i]
        return MapPoint(id: listed >= 0 ? Int(listed) : i, latE6: tree.lat[i], lngE6: tree.lng[i])
    }
}

extension CrimeMirror {
    /// Whether any force (or force `f`) holds month `ordinal`.
    func holds(month ordinal: Int, force f: Int? = nil) -> Bool {
        guard let first = firstMonth?.ordinal, ordinal >= first, ordinal - first < monthsHeld.count else { return false }
        return f.map { forceMonths[$0][ordinal - first] } ?? monthsHeld[ordinal - first]
    }
}

extension CrimeMirror {
    /// No-location crimes of the given forces, months (offsets) and categories.
    /// - Complexity: O(forces × categories): two running sums each, whatever the months.
    func noLocationCount(monthLo: Int, monthHi: Int, categoryMask: UInt64, forces: UInt64) -> Int {
        guard monthLo <= monthHi else { return 0 }
        let span = monthsHeldCount, cats = categories.count
        var total = 0
        for f in 0..<self.forces.count where (forces >> UInt64(f)) & 1 == 1 {
            let before = (f * (span + 1) + monthLo) * cats, through = (f * (span + 1) + monthHi + 1) * cats
            for c in 0..<cats where (categoryMask >> UInt64(c)) & 1 == 1 {
                total += noLocationRunning[through + c] - noLocationRunning[before + c]
            }
        }
        return total
    }
}

extension CrimeMirror {
    /// Crimes at map point `p` in one month (offset from the first month), in the given categories.
    func count(point p: Int, monthOffset m: Int, categoryMask: UInt64) -> Int {
        CrimeCell.sum(UnsafeBufferPointer(rebasing: pointCells[Int(pointCellStart[p])..<Int(pointCellStart[p + 1])]),
                      monthLo: m, monthHi: m, categoryMask: categoryMask, forceMask: ~0)
    }
}

extension CrimeMirror {
    /// The map points inside an area.
    public func mapPoints(in area: Area) throws -> [MapPoint] { try points(in: area).map(mapPoint) }
}
