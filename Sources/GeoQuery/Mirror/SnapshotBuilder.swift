import Foundation

/// Turns a ``CrimeTable`` into a snapshot: map points in Hilbert order, the packed R-tree, the
/// per-point and per-node crime cells, and the crime rows sorted to match.
struct SnapshotBuilder {
    /// Consumed by ``build()``: its rows are sorted in place into the snapshot's crime order.
    var table: CrimeTable
    let synthetic: Bool
    /// Force boundaries (BNG) the catchments are clipped to; kept in the snapshot for re-ingest.
    var boundaries: [ForceBoundary] = []
    /// The layout to write: the current one, or an older one (2: fixed-width crime columns; 3:
    /// no 3-byte widths, a 4-byte Crime ID index) as mirrors made by older geoquery hold it, so
    /// tests can check such mirrors still open and extend.
    var formatVersion = SnapshotFormat.version
    /// Months a period of the per-point cells spans (see ``PointCellLists``): nil for the rule
    /// (``PointCellLists/periodMonths(cells:points:span:)``), 0 for one list per point. Tests set
    /// it to lay the small real archive out by period.
    var pointCellPeriodMonths: Int? = nil

    init(table: CrimeTable, synthetic: Bool, boundaries: [ForceBoundary] = [], formatVersion: UInt32 = SnapshotFormat.version) {
        self.table = table
        self.synthetic = synthetic
        self.boundaries = boundaries
        self.formatVersion = formatVersion
    }

    private var writeV2: Bool { formatVersion == 2 }

    /// Builds the snapshot. Consuming: the rows are permuted in place rather than copied, so a
    /// caller that hands over its only reference to the table (`consume`) pays for one copy of them.
    consuming func build() -> SnapshotImage {
        table.numberNamesInOrder()
        var rows = table.rows
        table.rows = []

        // Map points (every distinct coordinate with crimes, plus every listed point) and the
        // tree on this core; the crimes' outcomes, months and cell keys on another meanwhile.
        var numbering = CoordinateNumbering()
        var rowPoint: [Int32] = [], listedPoint: [Int32] = []
        var outcomes: [(outcome: UInt8, month: Int32)] = [], keys: [UInt32] = []
        var first = Int32.max, last = Int32.min
        rows.withUnsafeBufferPointer { rows in
            SnapshotBuilder.concurrently({
                rowPoint = rows.map { $0.hasLocation ? numbering.number(latE6: $0.latE6, lngE6: $0.lngE6) : -1 }
                listedPoint = table.listedPoints.map { numbering.number(latE6: $0.latE6, lngE6: $0.lngE6) }
            }, {
                outcomes = effectiveOutcomes(rows)
                for r in rows { first = min(first, r.month); last = max(last, r.month) }
                for e in table.events { first = min(first, e.month); last = max(last, e.month) }
                if first > last { (first, last) = (0, 0) }
                precondition(Int(last - first) < CrimeCell.maxMonths, "mirror spans more than 4096 months")
                keys = rows.indices.map { i in
                    CrimeCell.key(month: Int(rows[i].month - first), force: Int(rows[i].force),
                                  category: Int(rows[i].category), outcome: Int(outcomes[i].outcome))
                }
            })
        }
        let (lat, lng) = numbering.coordinates()
        let n = lat.count
        let layout = PackedHilbertRTree.build(latE6: lat, lngE6: lng)
        var rank = [Int32](repeating: 0, count: n)
        for (r, p) in layout.order.enumerated() { rank[Int(p)] = Int32(r) }

        // Crime order (bucket by point rank, no location last, then by cell key within a point)
        // on this core; on another, the points' names (first-seen order in the input), listed
        // ids and the crime columns' widths, which all need the rows before they move.
        var pointCrimeStart = [UInt32](repeating: 0, count: n + 2)
        var order = [Int32](repeating: 0, count: rows.count)
        var listedID = [Int64](repeating: -1, count: n)
        var pointNameStart: [UInt32] = [0], pointNames: [Int32] = []
        var columnMaxima: [UInt32]? = nil
        SnapshotBuilder.concurrently({
            for p in rowPoint { pointCrimeStart[(p < 0 ? n : Int(rank[Int(p)])) + 1] += 1 }
            for i in 0..<(n + 1) { pointCrimeStart[i + 1] += pointCrimeStart[i] }
            var fill = pointCrimeStart
            for (i, p) in rowPoint.enumerated() {
                let b = p < 0 ? n : Int(rank[Int(p)])
                order[Int(fill[b])] = Int32(i)
                fill[b] += 1
            }
            for b in 0...n {
                let lo = Int(pointCrimeStart[b]), hi = Int(pointCrimeStart[b + 1])
                if hi - lo > 1 { order[lo..<hi].sort { (keys[Int($0)], $0) < (keys[Int($1)], $1) } }
            }
        }, {
            var names = [[Int32]](repeating: [], count: n)
            for (i, p) in rowPoint.enumerated() where p >= 0 && !names[Int(p)].contains(rows[i].location) { names[Int(p)].append(rows[i].location) }
            for (j, p) in listedPoint.enumerated() {
                listedID[Int(p)] = table.listedPoints[j].id
                let name = table.listedPoints[j].name
                if name != 0 && !names[Int(p)].contains(name) { names[Int(p)].insert(name, at: 0) }
            }
            for p in layout.order {
                pointNames += names[Int(p)]
                pointNameStart.append(UInt32(pointNames.count))
            }
            if !writeV2 {
                columnMaxima = rows.withUnsafeBufferPointer { r in outcomes.withUnsafeBufferPointer { CrimeColumn.maxima(rows: r, outcomes: $0) } }
            }
        })

        // Each row's map point is in the crime order now; let go before the rows move, whose
        // destinations take as much again for a moment.
        rowPoint = []
        // The cell keys in crime order, gathered: `order` stays whole for moving the rows.
        let orderedKeys = order.map { keys[Int($0)] }
        keys = []
        let crimeStart = pointCrimeStart
        // Per-point cells, then the node aggregates, on another core while the rows move into
        // crime order and the crimes' ids are worked out.
        nonisolated(unsafe) var cells: PointCells? = nil, nodes: NodeAggregates? = nil
        let cellsDone = DispatchGroup(), nodesDone = DispatchGroup()
        cellsDone.enter()
        DispatchQueue.global().async(group: nodesDone) {
            let c = SnapshotBuilder.pointCells(keys: orderedKeys, pointCrimeStart: crimeStart, points: n)
            cells = c
            cellsDone.leave()
            nodes = SnapshotBuilder.nodeAggregates(layout: layout, points: n, pointCells: c.cells,
                                                   pointCellStart: c.start, pointForceMask: c.forceMask)
        }
        SnapshotBuilder.permute(&rows, &outcomes, by: consume order)
        cellsDone.wait()
        let (pointCells, pointCellStart, pointForceMask, noLocationCells) = (cells!.cells, cells!.start, cells!.forceMask, cells!.noLocation)

        var image = SnapshotImage()
        image.mapPointCount = n
        image.formatVersion = formatVersion
        image.add(.meta, Array(meta(rows, first: first, last: last, pointCount: n)))
        image.add(.forces, strings: table.forces)
        image.add(.agencies, strings: table.agencies)
        image.add(.categories, strings: table.categories)
        image.add(.outcomes, strings: table.outcomes)
        image.add(.locations, strings: table.locations)
        image.add(.lsoaCodes, strings: table.lsoaCodes)
        image.add(.lsoaNames, strings: table.lsoaNames)
        image.add(.contexts, strings: table.contexts)
        image.add(.textIDs, strings: table.textIDs)
        image.add(.pointLat, layout.order.map { lat[Int($0)] })
        image.add(.pointLng, layout.order.map { lng[Int($0)] })
        image.add(.pointListedID, layout.order.map { listedID[Int($0)] })
        image.add(.pointNameStart, pointNameStart)
        image.add(.pointNames, pointNames)
        image.add(.pointForceMask, pointForceMask)
        image.add(.levelStart, layout.levelStart)
        image.add(.nodeMinLat, layout.minLat)
        image.add(.nodeMinLng, layout.minLng)
        image.add(.nodeMaxLat, layout.maxLat)
        image.add(.nodeMaxLng, layout.maxLng)
        let periodMonths = formatVersion < 6 ? 0
            : pointCellPeriodMonths ?? PointCellLists.periodMonths(cells: pointCells.count, points: n, span: Int(last - first) + 1)
        let byPeriod = periodMonths > 0 ? PointCellLists.byPeriod(cells: pointCells, start: pointCellStart, months: periodMonths) : nil
        if let byPeriod, byPeriod.periods > 1 {
            image.add(.pointCellStart, byPeriod.start)
            image.add(.pointCells, byPeriod.cells)
            image.add(.pointCellPeriods, [UInt32(periodMonths), UInt32(byPeriod.periods)])
        } else {
            image.add(.pointCellStart, pointCellStart)
            image.add(.pointCells, pointCells)
        }
        image.add(.noLocationCells, noLocationCells)
        image.add(.pointCrimeStart, pointCrimeStart)
        CrimeColumn.add(rows: rows, outcomes: outcomes, maxima: columnMaxima, to: &image, formatVersion: formatVersion)
        if !writeV2 { addIdentity(rows, pointCrimeStart: pointCrimeStart, listedID: layout.order.map { listedID[Int($0)] }, to: &image) }
        let events = writeV2 ? table.events : SnapshotBuilder.sortedByCrimeID(table.events)
        image.add(.eventMonth, events.map(\.month))
        image.add(.eventForce, events.map(\.force))
        image.add(.eventOutcome, events.map(\.outcome))
        image.add(.eventIDKind, events.map(\.id.kind.rawValue))
        image.add(.eventIDWords, events.flatMap { [$0.id.w0, $0.id.w1, $0.id.w2, $0.id.w3] })
        image.add(.listedID, table.listedPoints.map(\.id))
        image.add(.listedLat, table.listedPoints.map(\.latE6))
        image.add(.listedLng, table.listedPoints.map(\.lngE6))
        image.add(.listedName, table.listedPoints.map(\.name))
        var boundaryNames = StringTable()
        var boundaryStart: [UInt64] = [0], boundaryWKB: [UInt8] = []
        for b in boundaries {
            _ = boundaryNames.intern(b.name)
            boundaryWKB += b.wkb
            boundaryStart.append(UInt64(boundaryWKB.count))
        }
        image.add(.boundaryNames, strings: boundaryNames)
        image.add(.boundaryStart, boundaryStart)
        image.add(.boundaryWKB, boundaryWKB)
        var lonLatStart: [UInt64] = [0], lonLatWKB: [UInt8] = []
        if boundaries.allSatisfy({ $0.lonLatWKB != nil }) {
            for b in boundaries { lonLatWKB += b.lonLatWKB!; lonLatStart.append(UInt64(lonLatWKB.count)) }
        }
        image.add(.boundaryLonLatStart, lonLatStart)
        image.add(.boundaryLonLatWKB, lonLatWKB)
        nodesDone.wait()
        let node = nodes!
        image.add(.nodeForceMask, node.forceMask)
        image.add(.nodeCellStart, node.cellStart)
        image.add(.nodeCells, node.cells)
        if formatVersion >= 5 {
            let dense = DenseMonthCategory.build(node.projections.monthCategory, categories: table.categories.count)
            image.add(.nodeMonthCategoryStart, dense.sparse.starts)
            image.add(.nodeMonthCategory, dense.sparse.cells)
            image.add(.nodeDenseMonthCategoryStart, dense.start)
            image.add(.nodeDenseMonthCategoryFirst, dense.firstMonth)
            image.add(.nodeDenseMonthCategory, dense.values)
        } else {
            image.add(.nodeMonthCategoryStart, node.projections.monthCategory.starts)
            image.add(.nodeMonthCategory, node.projections.monthCategory.cells)
        }
        image.add(.nodeMonthOutcomeStart, node.projections.monthOutcome.starts)
        image.add(.nodeMonthOutcome, node.projections.monthOutcome.cells)
        image.add(.nodeMonthForceStart, node.projections.monthForce.starts)
        image.add(.nodeMonthForce, node.projections.monthForce.cells)
        let totals = NodeRunningTotals.build(cells: node.cells, starts: node.cellStart)
        image.add(.nodeRunningTotalStart, totals.start)
        image.add(.nodeRunningTotals, totals.values)
        return image
    }

    /// The sections that make ids and look-ups cheap: clashing numeric ids (see ``CrimeIdentity``),
    /// hex Crime IDs' slots sorted by Crime ID, and listed map points sorted by their id.
    private func addIdentity(_ rows: [CrimeRow], pointCrimeStart: [UInt32], listedID: [Int64], to image: inout SnapshotImage) {
        let hasher = CrimeIdentity.RowHasher(table)
        let clashes = rows.withUnsafeBufferPointer { rows in
            CrimeIdentity.exceptions(rows: rows.count, naturals: { CrimeIdentity.fillNaturals($0, rows: rows, bucketStart: pointCrimeStart, hasher: hasher) },
                                     forEachRow: { only, body in CrimeIdentity.forEachRow(rows, bucketStart: pointCrimeStart, hasher: hasher, only: only, body) })
        }
        image.add(.crimeIDExceptionRow, clashes.map(\.row))
        image.add(.crimeIDExceptionValue, clashes.map(\.id))
        image.add(.crimeIDOrder, SnapshotBuilder.crimeIDOrder(rows, formatVersion: image.formatVersion))
        let listed = listedID.indices.filter { listedID[$0] >= 0 }.sorted { (listedID[$0], $0) < (listedID[$1], $1) }
        image.add(.pointsByListedID, listed.map { UInt32($0) })
    }

    /// The slots of the rows' hex Crime IDs in Crime ID order, packed (the `crimeIDOrder` section).
    static func crimeIDOrder(_ rows: [CrimeRow], formatVersion: UInt32) -> [UInt8] {
        // Slots count every row with an id (as the id-words section does); only hex ids are indexed.
        var keyed: [IndexedCrimeID] = []
        // Sized first: grown by doubling, a national mirror's keys were copied several times over.
        keyed.reserveCapacity(rows.reduce(0) { $0 + ($1.id.kind == .hex ? 1 : 0) })
        var slot: UInt32 = 0
        for (i, r) in rows.enumerated() where r.id.kind != .none {
            if r.id.kind == .hex { keyed.append(IndexedCrimeID(w0: r.id.w0, slot: slot, row: UInt32(i))) }
            slot += 1
        }
        keyed.radixSort()
        let width = PackedIntegers.slotWidth(slots: Int(slot), formatVersion: formatVersion)
        // Laid out now, so the 16-byte keys are freed before the file is written.
        var order: [UInt8] = []
        order.reserveCapacity(keyed.count * width)
        var slots = IndexedCrimeID.Slots(consume keyed, rows: rows)
        PackedIntegers.pack(count: slots.count, width: width, { _ in slots.next()! }) { order += $0 }
        return order
    }

    /// Outcome events sorted by Crime ID, stably (a crime's events keep their input order).
    static func sortedByCrimeID(_ events: [OutcomeEvent]) -> [OutcomeEvent] {
        let order = events.indices.sorted { a, b in
            let x = events[a].id, y = events[b].id
            return (x.kind.rawValue, x.w0, x.w1, x.w2, x.w3, a) < (y.kind.rawValue, y.w0, y.w1, y.w2, y.w3, b)
        }
        return order.map { events[$0] }
    }

    /// Moves what was at position `order[j]` of each array to position `j`, in place, so no second
    /// copy of the rows is made. Streaming passes of swaps put every row into the part of the
    /// arrays that holds its destination, halving the parts each pass; then the parts follow
    /// their own cycles, each on whichever core is free. A cycle through a part that fits in the
    /// cache costs a few nanoseconds a row; through the whole array, a cache miss a row.
    static func permute(_ rows: inout [CrimeRow], _ outcomes: inout [(outcome: UInt8, month: Int32)], by order: consuming [Int32],
                        parts: Int? = nil) {
        let parts = parts ?? permuteParts(rows: rows.count)
        precondition(rows.count == order.count && outcomes.count == order.count)
        // Where each row goes, kept beside it as the rows are swapped between parts.
        var destination = [Int32](repeating: 0, count: order.count)
        for (j, from) in order.enumerated() { destination[Int(from)] = Int32(j) }
        _ = consume order
        let bounds = partBounds(count: rows.count, parts: max(1, parts))
        rows.withUnsafeMutableBufferPointer { rows in
            outcomes.withUnsafeMutableBufferPointer { outcomes in
                destination.withUnsafeMutableBufferPointer { to in
                    nonisolated(unsafe) let (rows, outcomes, to) = (rows, outcomes, to)
                    // Parts `a..<b` (indices into bounds), split the way the bounds were cut.
                    @Sendable func split(_ a: Int, _ b: Int) {
                        guard b - a > 1 else { return }
                        let m = a + (b - a) / 2, mid = bounds[m]
                        var i = bounds[a], j = bounds[b] - 1
                        while true {
                            while i < mid && Int(to[i]) < mid { i += 1 }
                            while j >= mid && Int(to[j]) >= mid { j -= 1 }
                            guard i < mid && j >= mid else { break }
                            rows.swapAt(i, j); outcomes.swapAt(i, j); to.swapAt(i, j)
                        }
                        // The two sides touch different rows: one core each.
                        DispatchQueue.concurrentPerform(iterations: 2) { $0 == 0 ? split(a, m) : split(m, b) }
                    }
                    split(0, bounds.count - 1)
                    DispatchQueue.concurrentPerform(iterations: bounds.count - 1) { k in
                        let lo = bounds[k], hi = bounds[k + 1]
                        var done = [UInt64](repeating: 0, count: (hi - lo + 63) / 64)
                        for i in lo..<hi where done[(i - lo) >> 6] >> UInt64((i - lo) & 63) & 1 == 0 {
                            done[(i - lo) >> 6] |= 1 << UInt64((i - lo) & 63)
                            var d = Int(to[i])
                            guard d != i else { continue }
                            var (row, outcome) = (rows[i], outcomes[i])
                            // Each step puts the carried row in its place and picks up the one there.
                            while d != i {
                                swap(&row, &rows[d]); swap(&outcome, &outcomes[d])
                                done[(d - lo) >> 6] |= 1 << UInt64((d - lo) & 63)
                                d = Int(to[d])
                            }
                            rows[i] = row; outcomes[i] = outcome
                        }
                    }
                }
            }
        }
    }

    /// How many parts ``permute(_:_:by:parts:)`` cuts `rows` rows into: about 8 MB of rows each
    /// (a share of the cache), a power of two from one per core up to 128 (each halving is one
    /// more pass over all the rows). For 18M rows, shuffled alone: 2.3–2.8 s in two parts,
    /// 1.5–1.8 s in 64 or 128.
    static func permuteParts(rows: Int) -> Int {
        let cores = ProcessInfo.processInfo.activeProcessorCount
        let wanted = rows * (MemoryLayout<CrimeRow>.stride + 12) / (8 << 20)  // a row, its outcome and month, its destination
        var parts = 1
        while parts * 2 <= min(wanted, 128) { parts *= 2 }
        return max(cores, parts)
    }

    /// Where ``permute(_:_:by:parts:)`` cuts `count` positions into `parts`: in two (the first
    /// half of the parts before the cut), then each side the same way, so each cut is one pass.
    static func partBounds(count: Int, parts: Int) -> [Int] {
        func cut(_ lo: Int, _ hi: Int, _ parts: Int) -> [Int] {
            guard parts > 1 else { return [lo] }
            let mid = lo + (hi - lo) * (parts / 2) / parts
            return cut(lo, mid, parts / 2) + cut(mid, hi, parts - parts / 2)
        }
        return cut(0, count, parts) + [count]
    }

    /// Runs `a` and `b` at once, each on its own thread, and returns when both are done.
    static func concurrently(_ a: () -> Void, _ b: () -> Void) {
        withoutActuallyEscaping(a) { a in
            withoutActuallyEscaping(b) { b in
                nonisolated(unsafe) let (a, b) = (a, b)
                DispatchQueue.concurrentPerform(iterations: 2) { $0 == 0 ? a() : b() }
            }
        }
    }

    /// Each map point's cells (its crimes' keys, counted), its forces, and the no-location cells.
    struct PointCells: Sendable {
        var start: [UInt32], cells: [UInt64], forceMask: [UInt64], noLocation: [UInt64]
    }

    /// - Parameter keys: the crimes' cell keys in crime order (grouped by point, sorted within each).
    static func pointCells(keys: [UInt32], pointCrimeStart: [UInt32], points n: Int) -> PointCells {
        var start: [UInt32] = [0], cells: [UInt64] = [], forceMask = [UInt64](repeating: 0, count: n)
        cells.reserveCapacity(keys.count)
        for r in 0..<n {
            for i in Int(pointCrimeStart[r])..<Int(pointCrimeStart[r + 1]) {
                if let last = cells.last, Int(start[r]) < cells.count, last >> 32 == UInt64(keys[i]) {
                    cells[cells.count - 1] += 1
                } else {
                    cells.append(CrimeCell.make(key: keys[i], count: 1))
                }
                forceMask[r] |= 1 << UInt64(CrimeCell.force(cells[cells.count - 1]))
            }
            start.append(UInt32(cells.count))
        }
        var noLocation = keys[Int(pointCrimeStart[n])...].map { CrimeCell.make(key: $0, count: 1) }
        CrimeCell.coalesce(&noLocation)
        return PointCells(start: start, cells: cells, forceMask: forceMask, noLocation: noLocation)
    }

    struct NodeAggregates: Sendable {
        var cellStart: [UInt32], cells: [UInt64], forceMask: [UInt64]
        var projections: (monthCategory: CrimeCell.Lists, monthOutcome: CrimeCell.Lists, monthForce: CrimeCell.Lists)
    }

    /// Per-node cells, level by level: a node's cells are its children's, merged.
    static func nodeAggregates(layout: PackedHilbertRTree.Layout, points n: Int, pointCells: [UInt64],
                               pointCellStart: [UInt32], pointForceMask: [UInt64]) -> NodeAggregates {
        var nodeCellStart: [UInt32] = [0], nodeCells: [UInt64] = [], nodeForceMask: [UInt64] = []
        var scratch: [UInt64] = []
        let levels = layout.levelStart.count - 1
        for level in 1...max(1, levels) where levels > 0 {
            let count = Int(layout.levelStart[level]) - Int(layout.levelStart[level - 1])
            let below = level == 1 ? n : Int(layout.levelStart[level - 1]) - Int(layout.levelStart[max(0, level - 2)])
            let belowBase = level == 1 ? 0 : Int(layout.levelStart[level - 2])
            for k in 0..<count {
                scratch.removeAll(keepingCapacity: true)
                var mask: UInt64 = 0
                for c in (k * PackedHilbertRTree.nodeSize)..<min(below, (k + 1) * PackedHilbertRTree.nodeSize) {
                    if level == 1 {
                        scratch += pointCells[Int(pointCellStart[c])..<Int(pointCellStart[c + 1])]
                        mask |= pointForceMask[c]
                    } else {
                        let g = belowBase + c
                        scratch += nodeCells[Int(nodeCellStart[g])..<Int(nodeCellStart[g + 1])]
                        mask |= nodeForceMask[g]
                    }
                }
                CrimeCell.coalesce(&scratch)
                nodeCells += scratch
                nodeCellStart.append(UInt32(nodeCells.count))
                nodeForceMask.append(mask)
            }
        }
        return NodeAggregates(cellStart: nodeCellStart, cells: nodeCells, forceMask: nodeForceMask,
                              projections: CrimeCell.projections(nodeCells, starts: nodeCellStart))
    }

    /// Each crime's final outcome and the month it was recorded (a street outcome is dated at the
    /// crime's month, or at its latest outcomes-file event's when there is one, a lower bound).
    ///
    /// A street file's "Last outcome category" is the crime's latest outcome as of the release
    /// the file came from, and a release holds its force's street files up to its own month; the
    /// street outcome is dated at the crime's month only because the file gives no date. So an
    /// outcomes-file event (no older than the crime) replaces it when the street row names no
    /// outcome, or when the event is no older than the newest street month held for the crime's
    /// force: then no street file held could have known it. An older event is the crime's
    /// history (outcomes-for-crime), not its last outcome: a release's street files already
    /// carry what its outcomes files say (City of London's 2018-10..2020 street files say "Court
    /// result unavailable" where the 2018-12 outcomes file's "Suspect charged" came first).
    private func effectiveOutcomes(_ rows: UnsafeBufferPointer<CrimeRow>) -> [(outcome: UInt8, month: Int32)] {
        if table.events.isEmpty { return rows.map { ($0.outcome, $0.month) } }
        var latest: [CrimeID: (month: Int32, outcome: UInt8)] = [:]
        for e in table.events where e.id.kind != .none {
            if let cur = latest[e.id], cur.month > e.month { continue }
            latest[e.id] = (e.month, e.outcome)
        }
        var newestStreetMonth = [Int32](repeating: .min, count: 256)
        for r in rows { newestStreetMonth[Int(r.force)] = max(newestStreetMonth[Int(r.force)], r.month) }
        return rows.map { r in
            guard r.id.kind != .none, let l = latest[r.id], l.month >= r.month else { return (r.outcome, r.month) }
            if r.outcome == 0 || l.month >= newestStreetMonth[Int(r.force)] { return (l.outcome, l.month) }
            // The street's outcome stands; it came no earlier than the outcome already recorded
            // (the crime's month would date it before that one).
            return (r.outcome, l.month)
        }
    }

    /// - Parameters: first, last: the months `build` found over the rows and events (0, 0 when none).
    private func meta(_ rows: [CrimeRow], first: Int32, last: Int32, pointCount: Int) -> [UInt8] {
        // Count in a dense (force, month) table (months from `first`: at most 4,096 of them);
        // strings only for the partitions held.
        let span = Int(last - first) + 1
        var crimes = [Int](repeating: 0, count: table.forces.count * span), noLocation = crimes
        for r in rows {
            let k = Int(r.force) * span + Int(r.month - first)
            crimes[k] += 1
            if !r.hasLocation { noLocation[k] += 1 }
        }
        var street: [CrimeTable.Partition: (Int, Int)] = [:]
        for k in crimes.indices where crimes[k] > 0 {
            street[CrimeTable.Partition(force: table.forces[Int32(k / span)], month: first + Int32(k % span))] = (crimes[k], noLocation[k])
        }
        var outcome: [CrimeTable.Partition: Int] = [:]
        for e in table.events { outcome[CrimeTable.Partition(force: table.forces[Int32(e.force)], month: e.month), default: 0] += 1 }
        let empty = rows.isEmpty && table.events.isEmpty
        let meta = MirrorMeta(
            formatVersion: formatVersion, synthetic: synthetic,
            created: ISO8601DateFormatter().string(from: Date()),
            firstMonth: empty ? nil : Month(ordinal: Int(first)).description,
            lastMonth: empty ? nil : Month(ordinal: Int(last)).description,
            street: street.keys.sorted().map { MirrorMeta.Partition(force: $0.force, month: Month(ordinal: Int($0.month)).description, crimes: street[$0]!.0, noLocation: street[$0]!.1) },
            outcomes: outcome.keys.sorted().map { MirrorMeta.Partition(force: $0.force, month: Month(ordinal: Int($0.month)).description, crimes: outcome[$0]!, noLocation: 0) },
            crimes: rows.count, noLocation: street.values.reduce(0) { $0 + $1.1 },
            mapPoints: pointCount, listedMapPoints: table.listedPoints.count, outcomeEvents: table.events.count,
            eventsByCrimeID: writeV2 ? nil : true)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return Array((try? encoder.encode(meta)) ?? Data())
    }
}

/// Distinct coordinates numbered in first-seen order: open addressing with linear probing over
/// packed (latitude, longitude) keys. A `Dictionary` here cost ~4 s of a national ingest's build
/// (18M look-ups through Swift's seeded hasher); this is a multiply and a shift.
struct CoordinateNumbering {
    private var keys = [UInt64](repeating: 0, count: 1 << 16)
    private var numbers = [Int32](repeating: -1, count: 1 << 16)
    private var lat: [Int32] = [], lng: [Int32] = []
    private var shift = 64 - 16

    /// The number of the point at these coordinates, a new one if they are new.
    mutating func number(latE6: Int32, lngE6: Int32) -> Int32 {
        let key = UInt64(UInt32(bitPattern: latE6)) << 32 | UInt64(UInt32(bitPattern: lngE6))
        let mask = keys.count - 1
        var i = Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> UInt64(shift))
        while numbers[i] >= 0 {
            if keys[i] == key { return numbers[i] }
            i = (i + 1) & mask
        }
        let p = Int32(lat.count)
        keys[i] = key; numbers[i] = p
        lat.append(latE6); lng.append(lngE6)
        if lat.count * 2 > keys.count { grow() }
        return p
    }

    /// Each point's coordinates, by number.
    func coordinates() -> (lat: [Int32], lng: [Int32]) { (lat, lng) }

    private mutating func grow() {
        shift -= 1
        keys = [UInt64](repeating: 0, count: keys.count * 2)
        numbers = [Int32](repeating: -1, count: keys.count)
        let mask = keys.count - 1
        for p in lat.indices {
            let key = UInt64(UInt32(bitPattern: lat[p])) << 32 | UInt64(UInt32(bitPattern: lng[p]))
            var i = Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> UInt64(shift))
            while numbers[i] >= 0 { i = (i + 1) & mask }
            keys[i] = key; numbers[i] = Int32(p)
        }
    }
}

/// A hex Crime ID's first word, its slot (its place among the rows with an id) and its row, for
/// the Crime ID index: sorted by (first word, slot), and the rare ids sharing a first word put in
/// full-id order as they are read back (``Slots``), so the sort compares two integers, not rows.
struct IndexedCrimeID: RadixSortable, Sendable {
    var w0: UInt64, slot: UInt32, row: UInt32

    static func < (a: IndexedCrimeID, b: IndexedCrimeID) -> Bool { (a.w0, a.slot) < (b.w0, b.slot) }
    /// Sorted by the first word; ties are broken by the slot, which is unique, so the radix sort
    /// (not stable) has only one order to reach.
    var radixKey: UInt64 { w0 }

    /// The slots in index order: by full Crime ID, then slot.
    struct Slots: IteratorProtocol {
        private let sorted: [IndexedCrimeID]
        private let rows: [CrimeRow]
        private var run: [IndexedCrimeID] = [], next_ = 0, at = 0

        /// `sorted`: the keys sorted by (first word, slot).
        init(_ sorted: consuming [IndexedCrimeID], rows: [CrimeRow]) {
            self.sorted = sorted
            self.rows = rows
        }

        var count: Int { sorted.count }

        mutating func next() -> UInt32? {
            if next_ < run.count { next_ += 1; return run[next_ - 1].slot }
            guard at < sorted.count else { return nil }
            let first = sorted[at]
            // Nearly every first word is unique: its slot needs no run (the last one is spent).
            if at + 1 == sorted.count || sorted[at + 1].w0 != first.w0 {
                at += 1
                return first.slot
            }
            run.removeAll(keepingCapacity: true)
            while at < sorted.count && sorted[at].w0 == first.w0 { run.append(sorted[at]); at += 1 }
            if run.count > 1 {
                let rows = self.rows
                run.sort { a, b in
                    let x = rows[Int(a.row)].id, y = rows[Int(b.row)].id
                    return (x.w1, x.w2, x.w3, a.slot) < (y.w1, y.w2, y.w3, b.slot)
                }
            }
            next_ = 1
            return run[0].slot
        }
    }
}
