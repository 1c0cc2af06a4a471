import CPrefetch
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
    /// Each map point's cells, one list a point or by period (``PointCellLists``).
    let pointLists: PointCellLists
    /// `pointLists.cells`, for the loops that add them up.
    var pointCells: UnsafeBufferPointer<UInt64> { pointLists.cells }
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
    /// The (force, month) street partitions held, with their crime counts: the snapshot's less
    /// those a delta supersedes, then the delta's.
    let streetPartitions: [MirrorMeta.Partition]
    /// The (force, month)s whose outcomes files the mirror holds ("force month"), snapshot and delta.
    let outcomePartitions: Set<String>
    private let monthsHeld: [Bool]
    var monthsHeldCount: Int { monthsHeld.count }
    /// Outcome texts as results show them ("none" for no outcome).
    let outcomeLabels: [String]
    /// Force indices in slug order: a result lists its forces sorted, without sorting each time.
    let forcesByName: [Int]
    /// Each force's place in ``forcesByName``: an answer's few forces are put in slug order
    /// through a bit mask of their places, not by a pass over every force.
    let nameRank: [Int]
    /// Runs of month offsets each force holds (`lo...hi`), for the material-share check.
    let heldRuns: [[(lo: Int, hi: Int)]]
    /// No-location crimes by force, month offset and category, as running sums over months
    /// (`[(force × (span + 1) + m) × categories + c]` counts months before offset m), for `no_location`.
    private let noLocationRunning: [Int]
    /// The same over all categories (`[force × (span + 1) + m]`): two look-ups a force for a query
    /// without a category filter, not two per category.
    private let noLocationRunningAll: [Int]
    let btpForce: Int
    /// The catchments, opened on first use (see ``catchments()``).
    let catchmentCache = LazyValue<CatchmentStore>()
    /// The folder's harvested months, read on first use (see ``harvestedMonths()``).
    let harvestCache = LazyValue<HarvestedMonths>()
    /// Where each force is responsible, decoded on first use (see ``forceAreas()``).
    let forceAreaCache = LazyValue<ForceAreas>()
    /// The outcome events searchable by Crime ID, made on first use (see ``outcomeHistory(persistentID:)``).
    let outcomeEventCache = LazyValue<OutcomeEvents>()
    /// The queries' tallies, kept between queries.
    let tallyPool = TallyPool()

    /// Opens the mirror at `location`, verifying the snapshot's header and index checksums.
    /// - Parameters:
    ///   - location: a mirror folder, or the embedded sample.
    ///   - catchmentProgress: told when the catchments are computed (the first catchment
    ///     question after an ingest: seconds for the whole country); the library prints nothing.
    /// - Complexity: maps the file; reads only the index sections (no CSV, no crime rows).
    public static func open(_ location: MirrorLocation, catchmentProgress: (@Sendable (CatchmentProgress) -> Void)? = nil) throws -> CrimeMirror {
        let base = try location.openSnapshot()
        let m = try CrimeMirror(snapshot: base, delta: location.openDelta(of: base))
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

    /// The delta kept beside the snapshot, when there is one (see ``MirrorDelta``): queries add
    /// it to the snapshot less the partitions it supersedes. Nil for a compacted mirror.
    let delta: DeltaView?

    /// Opens the index of `s`, amended by the delta snapshot `d` when given (its tables are then
    /// the base's followed by what only the delta holds, so base indices stay valid).
    init(snapshot s: Snapshot, delta d: Snapshot? = nil) throws {
        snapshot = s
        tree = TreeView(pointCount: s.array(.pointLat, as: Int32.self).count, lat: s.array(.pointLat), lng: s.array(.pointLng),
                        levelStart: s.array(.levelStart), minLat: s.array(.nodeMinLat), minLng: s.array(.nodeMinLng),
                        maxLat: s.array(.nodeMaxLat), maxLng: s.array(.nodeMaxLng))
        pointLists = s.pointCellLists
        nodeCells = s.array(.nodeCells); nodeCellStart = s.array(.nodeCellStart)
        noLocationCells = s.array(.noLocationCells)
        pointForceMask = s.array(.pointForceMask); nodeForceMask = s.array(.nodeForceMask)
        projections = NodeProjections(monthCategoryStart: s.array(.nodeMonthCategoryStart), monthCategory: s.array(.nodeMonthCategory),
                                      monthOutcomeStart: s.array(.nodeMonthOutcomeStart), monthOutcome: s.array(.nodeMonthOutcome),
                                      monthForceStart: s.array(.nodeMonthForceStart), monthForce: s.array(.nodeMonthForce),
                                      runningTotals: s.nodeRunningTotals(),
                                      dense: s.has(.nodeDenseMonthCategoryStart)
                                          ? DenseMonthCategory(start: s.array(.nodeDenseMonthCategoryStart), firstMonth: s.array(.nodeDenseMonthCategoryFirst),
                                                               values: s.array(.nodeDenseMonthCategory), width: s.strings(.categories).count) : nil)
        var forces = s.strings(.forces).all, categories = s.strings(.categories).all, outcomes = s.strings(.outcomes).all
        let first = s.meta.firstMonth.flatMap { Month($0) }
        var last = s.meta.lastMonth.flatMap { Month($0) }
        var street = s.meta.street
        if let d {
            let view = try DeltaView(delta: d, base: s)
            let inner = view.mirror
            func extend(_ table: inout [String], with more: [String]) -> [Int] {
                more.map { x in
                    if let i = table.firstIndex(of: x) { return i }
                    table.append(x)
                    return table.count - 1
                }
            }
            view.forceMap = extend(&forces, with: inner.forces)
            view.categoryMap = extend(&categories, with: inner.categories)
            view.outcomeMap = extend(&outcomes, with: inner.outcomes)
            view.forceRank = CrimeTable.forceRanks(forces.map { Array($0.utf8) })
            view.categoryRank = CrimeTable.categoryRanks(categories.map { Array($0.utf8) })
            view.outcomeRank = CrimeTable.outcomeRanks(outcomes.map { Array($0.utf8) })
            // An ingest writes a delta only when these hold (else it compacts).
            guard let first, let innerFirst = inner.firstMonth, let innerLast = inner.lastMonth, innerFirst >= first,
                  forces.count <= 64, categories.count <= 64, outcomes.count <= 256 else {
                throw GeoQueryError.mirrorCorrupt("\(d.path) does not fit its mirror's snapshot: delete it and re-ingest the files it held")
            }
            view.monthShift = innerFirst.ordinal - first.ordinal
            last = max(last ?? innerLast, innerLast)
            street = street.filter { !view.superseded.contains(.init(force: $0.force, month: $0.month)) } + d.meta.street
            delta = view
        } else {
            delta = nil
        }
        self.forces = forces
        forcesByName = forces.indices.sorted { forces[$0] < forces[$1] }
        var rank = [Int](repeating: 0, count: forces.count)
        for (k, f) in forcesByName.enumerated() { rank[f] = k }
        nameRank = rank
        self.categories = categories
        self.outcomes = outcomes
        firstMonth = first
        lastMonth = last
        synthetic = s.meta.synthetic
        let span = (lastMonth?.ordinal ?? 0) - (firstMonth?.ordinal ?? 0) + 1
        var fm = [[Bool]](repeating: [Bool](repeating: false, count: span), count: forces.count)
        var any = [Bool](repeating: false, count: span)
        let index = Dictionary(uniqueKeysWithValues: forces.enumerated().map { ($1, $0) })
        for p in street {
            if let f = index[p.force], let m = Month(p.month), let first = firstMonth {
                fm[f][m.ordinal - first.ordinal] = true
                any[m.ordinal - first.ordinal] = true
            }
        }
        forceMonths = fm
        streetPartitions = street
        outcomePartitions = Set((s.meta.outcomes + (d?.meta.outcomes ?? [])).map { "\($0.force) \($0.month)" })
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
        for c in noLocationCells where !(delta?.amendment.excludes(c) ?? false) {
            nl[(CrimeCell.force(c) * (span + 1) + CrimeCell.month(c) + 1) * cats + CrimeCell.category(c)] += CrimeCell.count(c)
        }
        if let d = delta {
            for c in d.mirror.noLocationCells {
                let f = d.forceMap[CrimeCell.force(c)], m = CrimeCell.month(c) + d.monthShift
                nl[(f * (span + 1) + m + 1) * cats + d.categoryMap[CrimeCell.category(c)]] += CrimeCell.count(c)
            }
        }
        for f in forces.indices {
            for m in stride(from: 1, through: span, by: 1) {
                for c in 0..<cats { nl[(f * (span + 1) + m) * cats + c] += nl[(f * (span + 1) + m - 1) * cats + c] }
            }
        }
        noLocationRunning = nl
        noLocationRunningAll = (0..<(forces.count * (span + 1))).map { row in nl[row * cats..<(row + 1) * cats].reduce(0, +) }
        btpForce = index[Force.btp] ?? -1
        guard pointLists.isConsistent, nodeCellStart.count == tree.minLat.count + 1, Int(nodeCellStart.last ?? 0) == nodeCells.count,
              projections.monthCategoryStart.count == nodeCellStart.count, projections.monthOutcomeStart.count == nodeCellStart.count,
              projections.monthForceStart.count == nodeCellStart.count,
              projections.runningTotals?.isConsistent(nodes: nodeCellStart.count - 1) ?? true,
              projections.dense?.isConsistent(nodes: nodeCellStart.count - 1) ?? true else {
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
        try query(q, fields: fields.map(QueryResult.Fields.init) ?? .all)
    }

    /// ``query(_:fields:)-(_,Set<String>?)`` with the keys read once (a batch's, for all its
    /// lines; ``QueryResult/Fields/all`` for everything).
    public func query(_ q: CrimeQuery, fields: QueryResult.Fields) throws -> QueryResult {
        try query(QueryPlan(q, mirror: self, parts: .init(fields: fields)))
    }

    /// ``query(_:fields:)-(_,QueryResult.Fields)`` written into `result`, reusing its storage:
    /// a loop that answers into one result allocates nothing per query for its arrays once they
    /// have the sizes needed (same months and mirror), and the tally's buffers are the mirror's
    /// own, kept between queries. Every value of `result` is replaced; on a thrown error it is
    /// left as it was.
    ///
    /// ```swift
    /// var result = try mirror.query(queries[0], fields: .all)
    /// for q in queries.dropFirst() {
    ///     try mirror.query(q, fields: .all, into: &result)
    ///     print(result.total)
    /// }
    /// ```
    public func query(_ q: CrimeQuery, fields: QueryResult.Fields, into result: inout QueryResult) throws {
        try answer(QueryPlan(q, mirror: self, parts: .init(fields: fields)), into: &result)
    }

    /// How a query adds up inside nodes: `.fast` through the per-node projections and running
    /// totals, or `.cellWalk` through every node's full cells, the plain walk the fast one must
    /// equal (tests).
    enum SumPath { case fast, cellWalk }

    /// A query already checked against this mirror (callers that need the plan's masks too).
    func query(_ plan: QueryPlan, path: SumPath = .fast) throws -> QueryResult {
        var r = QueryResult(from: plan.from, to: plan.to)
        try answer(plan, path: path, into: &r)
        return r
    }

    /// Walks `plan`'s area into a pooled tally and writes the answer into `r` (left as it was
    /// when the walk throws); the one path every query takes.
    private func answer(_ plan: QueryPlan, path: SumPath = .fast, into r: inout QueryResult) throws {
        let tally = plan.tally(self)
        defer { tallyPool.give(tally) }
        try add(plan.query.area, to: tally, path: path)
        plan.fill(&r, tally, mirror: self, path: path)
    }

    /// Adds everything inside `area` to `tally`.
    func add(_ area: Area, to tally: Tally, path: SumPath = .fast) throws {
        switch area {
        case .circle(let c): add(CircleArea(c), to: tally, path: path)
        case .polygon(let p): add(try PolygonArea(p), to: tally, path: path)
        }
    }

    /// Adds everything inside `area` to `tally`: the snapshot's walk, amended by the delta when
    /// there is one, then the delta's.
    func add<A: TreeArea>(_ area: A, to tally: Tally, path: SumPath) {
        guard let d = delta else { addBase(area, to: tally, path: path); return }
        if d.amendment.forces != 0 { addAmended(area, to: tally, path: path, d) } else { addBase(area, to: tally, path: path) }
        addDelta(area, to: tally, path: path, d)
    }

    /// A full crossing leaf with at most `leafComplementMaxOutside` of its points outside the area
    /// and at least `leafComplementMinCells` cells is added as the leaf's sums less those points'
    /// cells. A quiet leaf is not: its sums sit apart from its points' cells (which are asked for
    /// as the leaf is reached), and waiting for them costs more than the few cells they save.
    static let leafComplementMaxOutside = 3, leafComplementMinCells = 256

    /// Walks the tree over `area`: whole inside nodes through their aggregates, crossing leaves point by point.
    private func addBase<A: TreeArea>(_ area: A, to tally: Tally, path: SumPath) {
        let projected = tally.unfiltered && path == .fast
        // Locals, so the hot closures touch no class property.
        let tree = self.tree, projections = self.projections
        let nodeCells = self.nodeCells, nodeCellStart = self.nodeCellStart, nodeForceMask = self.nodeForceMask
        let lists = self.pointLists, pointCells = lists.cells, pointForceMask = self.pointForceMask
        // The periods of the points' cells holding the months asked (the one list a point of a
        // short mirror).
        let periods = lists.periods(monthLo: tally.monthLo, monthHi: tally.monthHi)
        let wholeList = lists.periods == 1
        // Counters and visit lists in locals, written back once: a class property changed in the
        // closures would pay a dynamic exclusivity check per node and point.
        var present = tally.present, mapPoints = tally.mapPoints, nodes = tally.visitedNodes, points = tally.visitedPoints
        let record = tally.recordsVisits
        // Inside nodes are summed a batch at a time, their sums asked of memory a step ahead
        // (index entries, then what they point to, then the rows): each node's sums sit apart
        // in a large file, and one by one every node waited for them. Integer sums, so the
        // order does not change the answer. The batch lives on the thread's stack (a heap
        // buffer would be an allocation per query).
        // Leaves taken whole (see `leaf:` below) need the running totals, and the fast path.
        let totals = projected ? projections.runningTotals : nil
        withUnsafeTemporaryAllocation(of: Int.self, capacity: 16) { batch in
            var batched = 0
            // The count passed in, not captured: a local function's captured `var` pays a dynamic
            // exclusivity check at each access.
            func addBatch(_ batched: inout Int) {
                let lo = tally.monthLo, hi = tally.monthHi
                for step in 0..<3 { for i in 0..<batched { projections.prefetch(node: batch[i], step: step, monthLo: lo, monthHi: hi) } }
                for i in 0..<batched { tally.addProjected(projections, node: batch[i]) }
                batched = 0
            }
            tree.search(area, node: { level, g in
                if projected {
                    batch[batched] = g
                    batched += 1
                    if batched == 16 { addBatch(&batched) }
                } else {
                    tally.add(nodeCells, Int(nodeCellStart[g])..<Int(nodeCellStart[g + 1]))
                }
                present |= nodeForceMask[g]
                mapPoints += tree.points(level: level, node: g - Int(tree.levelStart[level - 1])).count
                if record { nodes.append(g) }
            }, point: { p in
                for k in periods { tally.add(point: pointCells, lists.range(p, period: k), forces: pointForceMask[p], wholeList: wholeList) }
                present |= pointForceMask[p]
                mapPoints += 1
                if record { points.append(p) }
            }, leafPushed: { first in
                // A leaf's points' cells of a period are one block (points and cells are in tree order).
                for k in periods { geoquery_prefetch(lists.start.baseAddress.unsafelyUnwrapped + (k &* lists.points &+ first)) }
                geoquery_prefetch(pointForceMask.baseAddress.unsafelyUnwrapped + first)
                geoquery_prefetch(pointForceMask.baseAddress.unsafelyUnwrapped + first + 8)
            }, leafPopped: { first in
                // The leaf's block of cells in each period asked, up to 16 cache lines each (its
                // points' tests come first).
                for k in periods {
                    let block = lists.block(leaf: first, period: k)
                    let cells = pointCells.baseAddress.unsafelyUnwrapped + block.lowerBound
                    for at in stride(from: 0, to: min(block.count, 128), by: 8) { geoquery_prefetch(cells + at) }
                }
            }, leaf: { first, count, inside in
                // A full leaf with nearly all its points inside: the leaf's sums less its few
                // points outside, rather than each inside point's cells. Out of line, so the
                // point-by-point loop around it compiles as it did without it.
                guard let totals, count == PackedHilbertRTree.nodeSize,
                      (~inside & PackedHilbertRTree.fullLeaf).nonzeroBitCount <= CrimeMirror.leafComplementMaxOutside,
                      periods.reduce(0, { $0 + lists.block(leaf: first, period: $1).count }) >= CrimeMirror.leafComplementMinCells else { return false }
                addLeaf(first: first, inside: inside, periods: periods, totals, to: tally, present: &present, mapPoints: &mapPoints, points: &points, record: record)
                return true
            })
            addBatch(&batched)
        }
        (tally.present, tally.mapPoints, tally.visitedNodes, tally.visitedPoints) = (present, mapPoints, nodes, points)
    }

    /// A full leaf's sums less the cells of its points outside the area (`inside`: the bits of
    /// those inside) in `periods`, with the inside points' forces, count and (when `record`) visits.
    @inline(never)
    private func addLeaf(first: Int, inside: UInt64, periods: Range<Int>, _ totals: NodeRunningTotals, to tally: Tally,
                         present: inout UInt64, mapPoints: inout Int, points: inout Tally.Visits, record: Bool) {
        let leaf = Int(tree.levelStart[0]) + first / PackedHilbertRTree.nodeSize
        tally.addProjected(projections, totals, node: leaf, less: pointCells,
                           pointLists.ranges(leaf: first, points: ~inside & PackedHilbertRTree.fullLeaf, periods: periods))
        var inner = inside
        while inner != 0 {
            let p = first + inner.trailingZeroBitCount
            present |= pointForceMask[p]
            mapPoints += 1
            if record { points.append(p) }
            inner &= inner &- 1
        }
    }

    /// Walks the tree over `area`: `node(level, g)` for each whole node inside it (g global),
    /// `point(p)` for each map point inside it on a crossing leaf.
    func walk(_ area: Area, node: (_ level: Int, _ globalNode: Int) -> Void, point: (Int) -> Void) throws {
        switch area {
        case .circle(let c): tree.search(CircleArea(c), node: node, point: point)
        case .polygon(let p): tree.search(try PolygonArea(p), node: node, point: point)
        }
    }

    /// Map points inside an area, in index order (with a delta: the snapshot's that still hold a
    /// crime, and the delta's new to the mirror, numbered after them).
    func points(in area: Area) throws -> [Int] {
        var points: [Int] = []
        let tree = self.tree
        try walk(area, node: { level, g in
            points += tree.points(level: level, node: g - Int(tree.levelStart[level - 1]))
        }, point: { points.append($0) })
        if let d = delta {
            if !d.emptied.isEmpty { points.removeAll { d.isEmptied($0) } }
            let inner = d.mirror.tree, n = tree.pointCount
            try d.mirror.walk(area, node: { level, g in
                for q in inner.points(level: level, node: g - Int(inner.levelStart[level - 1])) where d.twin[q] < 0 { points.append(d.mirrorIndex(ofDelta: q, basePoints: n)) }
            }, point: { q in if d.twin[q] < 0 { points.append(d.mirrorIndex(ofDelta: q, basePoints: n)) } })
        }
        return points.sorted()
    }
}

extension CrimeMirror {
    /// A map point's first "On or near ..." name.
    func pointName(_ p: Int) -> String {
        if p >= tree.pointCount, let d = delta { return d.mirror.pointName(d.deltaPoint(ofNew: p - tree.pointCount)) }
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
    /// Number of map points in the mirror's index order (with a delta, the snapshot's, some of
    /// which may hold no crime any more, then the delta's new ones).
    public var mapPointCount: Int { tree.pointCount + (delta?.newCount ?? 0) }

    /// The `i`-th map point in index order (`0..<mapPointCount`).
    public func mapPoint(_ i: Int) -> MapPoint {
        if i >= tree.pointCount, let d = delta {
            let q = d.deltaPoint(ofNew: i - tree.pointCount)
            return MapPoint(id: i, latE6: d.mirror.tree.lat[q], lngE6: d.mirror.tree.lng[q])
        }
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
    /// - Complexity: O(forces × categories): two running sums each, whatever the months (two a
    ///   force when every category is asked).
    func noLocationCount(monthLo: Int, monthHi: Int, categoryMask: UInt64, forces: UInt64) -> Int {
        guard monthLo <= monthHi else { return 0 }
        let span = monthsHeldCount, cats = categories.count
        let allCategories = cats >= 64 ? categoryMask == ~0 : categoryMask | ~((1 << UInt64(cats)) - 1) == ~0
        var total = 0
        // The forces' set bits only (an answer has a few of the mirror's 40-odd).
        var left = forces & (self.forces.count < 64 ? (1 << UInt64(self.forces.count)) - 1 : ~0)
        while left != 0 {
            let f = left.trailingZeroBitCount
            left &= left &- 1
            if allCategories {
                total += noLocationRunningAll[f * (span + 1) + monthHi + 1] - noLocationRunningAll[f * (span + 1) + monthLo]
                continue
            }
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
        count(point: p, monthLo: m, monthHi: m, categoryMask: categoryMask, forceMask: ~0)
    }

    /// Crimes at map point `p` in months `monthLo...monthHi` (offsets), categories and forces
    /// (masks): with a delta, the snapshot's less its superseded partitions, and the delta's.
    func count(point p: Int, monthLo: Int, monthHi: Int, categoryMask: UInt64, forceMask: UInt64) -> Int {
        let n = tree.pointCount
        var total = 0
        if p < n {
            for range in pointLists.ranges(p) {
                let cells = UnsafeBufferPointer(rebasing: pointCells[range])
                if let d = delta, pointForceMask[p] & d.amendment.forces != 0 {
                    for c in cells where (monthLo...max(monthLo, monthHi)).contains(CrimeCell.month(c)) && monthLo <= monthHi && !d.amendment.excludes(c)
                        && (categoryMask >> UInt64(CrimeCell.category(c))) & 1 == 1 && (forceMask >> UInt64(CrimeCell.force(c))) & 1 == 1 {
                        total += CrimeCell.count(c)
                    }
                } else {
                    total += CrimeCell.sum(cells, monthLo: monthLo, monthHi: monthHi, categoryMask: categoryMask, forceMask: forceMask)
                }
            }
        }
        if let d = delta, let q = p < n ? d.deltaTwin(ofBase: p) : d.deltaPoint(ofNew: p - n) {
            let inner = d.mirror
            for range in inner.pointLists.ranges(q) {
                total += CrimeCell.sum(UnsafeBufferPointer(rebasing: inner.pointCells[range]),
                                       monthLo: monthLo - d.monthShift, monthHi: monthHi - d.monthShift,
                                       categoryMask: d.toDelta(categoryMask, d.categoryMap), forceMask: d.toDelta(forceMask, d.forceMap))
            }
        }
        return total
    }
}

extension CrimeMirror {
    /// The map points inside an area.
    public func mapPoints(in area: Area) throws -> [MapPoint] { try points(in: area).map(mapPoint) }
}
