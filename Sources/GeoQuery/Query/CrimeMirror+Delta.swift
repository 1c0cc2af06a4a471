import Foundation

/// A delta file opened with its base (see ``MirrorDelta``): the delta's own index, how its
/// forces, categories, outcomes and months map into the mirror's, and what it takes from the base.
final class DeltaView: @unchecked Sendable {
    /// The delta's own index (its tables, months and map points).
    let mirror: CrimeMirror
    /// Each delta point's base twin (-1: new to the mirror); delta points without one before each.
    let twin: UnsafeBufferPointer<Int32>, newBefore: UnsafeBufferPointer<UInt32>
    /// The delta points that have a twin, sorted by it.
    let twinOrder: UnsafeBufferPointer<UInt32>
    /// Base nodes (sorted) holding cells of superseded partitions, and those cells (CSR).
    let cut: UnsafeBufferPointer<UInt32>, cutStart: UnsafeBufferPointer<UInt32>, cutCells: UnsafeBufferPointer<UInt64>
    /// Base points the superseded partitions leave without a crime, sorted.
    let emptied: UnsafeBufferPointer<UInt32>
    /// Base points and nodes (sorted) whose forces the superseded partitions change, and their new masks.
    let maskPoint: UnsafeBufferPointer<UInt32>, maskPointValue: UnsafeBufferPointer<UInt64>
    let maskNode: UnsafeBufferPointer<UInt32>, maskNodeValue: UnsafeBufferPointer<UInt64>
    /// The superseded base partitions, by name and as masks over the base's month offsets.
    let superseded: Set<MirrorDelta.Meta.Partition>
    let amendment: MirrorDelta.Amendment
    /// Delta force, category and outcome indices to the mirror's, and the delta's first month
    /// less the mirror's (set by `CrimeMirror.init`).
    var forceMap: [Int] = [], categoryMap: [Int] = [], outcomeMap: [Int] = []
    /// Each mirror force's, category's and outcome's place in name order, as one rebuilt snapshot
    /// numbers them.
    var forceRank: [Int] = [], categoryRank: [Int] = [], outcomeRank: [Int] = []
    var monthShift = 0

    /// Opens delta `d` for base `s` (``MirrorLocation/openDelta(of:)`` has checked it is `s`'s).
    init(delta d: Snapshot, base s: Snapshot) throws {
        guard d.has(.deltaMeta), d.has(.deltaBaseTwin), d.has(.deltaNewBefore), d.has(.baseEmptied), d.has(.deltaTwinOrder), d.has(.baseNodeCutStart),
              let meta = try? JSONDecoder().decode(MirrorDelta.Meta.self, from: Data(d.raw(.deltaMeta))) else {
            throw GeoQueryError.mirrorCorrupt("\(d.path) is not a geoquery delta (damaged or truncated): delete it and re-ingest the files it held")
        }
        mirror = try CrimeMirror(snapshot: d)
        twin = d.array(.deltaBaseTwin); newBefore = d.array(.deltaNewBefore); twinOrder = d.array(.deltaTwinOrder)
        cut = d.array(.baseNodeCut); cutStart = d.array(.baseNodeCutStart); cutCells = d.array(.baseNodeCutCells)
        emptied = d.array(.baseEmptied)
        maskPoint = d.array(.baseMaskPoint); maskPointValue = d.array(.baseMaskPointValue)
        maskNode = d.array(.baseMaskNode); maskNodeValue = d.array(.baseMaskNodeValue)
        superseded = Set(meta.superseded)
        amendment = MirrorDelta.Amendment(s, superseded: meta.superseded)
        guard twin.count == mirror.tree.pointCount, newBefore.count == twin.count + 1,
              maskPoint.count == maskPointValue.count, maskNode.count == maskNodeValue.count,
              cutStart.count == cut.count + 1, Int(cutStart.last ?? 0) == cutCells.count else {
            throw GeoQueryError.mirrorCorrupt("\(d.path) is inconsistent (its sections disagree): delete it and re-ingest the files it held")
        }
    }

    /// Delta points whose twin is not in the base: map points new to the mirror.
    var newCount: Int { Int(newBefore[twin.count]) }

    /// The delta point twinned with base point `b`, if any.
    func deltaTwin(ofBase b: Int) -> Int? {
        var lo = 0, hi = twinOrder.count
        while lo < hi {
            let mid = (lo + hi) >> 1
            if twin[Int(twinOrder[mid])] < Int32(b) { lo = mid + 1 } else { hi = mid }
        }
        return lo < twinOrder.count && twin[Int(twinOrder[lo])] == Int32(b) ? Int(twinOrder[lo]) : nil
    }

    /// The `j`-th delta point new to the mirror.
    func deltaPoint(ofNew j: Int) -> Int {
        var lo = 0, hi = twin.count
        // The first point with j + 1 new points up to and including it.
        while lo < hi {
            let mid = (lo + hi) >> 1
            if newBefore[mid + 1] < UInt32(j + 1) { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }

    /// Delta point `q`'s index among the mirror's map points: its twin's, or after the base's.
    func mirrorIndex(ofDelta q: Int, basePoints n: Int) -> Int { twin[q] >= 0 ? Int(twin[q]) : n + Int(newBefore[q]) }

    /// A delta cell key in the mirror's indices.
    func mirrorKey(_ key: UInt32) -> UInt32 {
        let c = CrimeCell.make(key: key, count: 0)
        return CrimeCell.key(month: CrimeCell.month(c) + monthShift, force: forceMap[CrimeCell.force(c)],
                             category: categoryMap[CrimeCell.category(c)], outcome: outcomeMap[CrimeCell.outcome(c)])
    }

    /// A mirror cell key with its force, category and outcome at their places in name order: the
    /// order one rebuilt snapshot keeps a point's rows in (see ``CrimeTable/numberNamesInOrder()``).
    func rebuiltOrder(_ key: UInt32) -> UInt32 {
        let c = CrimeCell.make(key: key, count: 0)
        return CrimeCell.key(month: CrimeCell.month(c), force: forceRank[CrimeCell.force(c)], category: categoryRank[CrimeCell.category(c)],
                             outcome: outcomeRank[CrimeCell.outcome(c)])
    }

    /// The superseded partitions' cells of base node `g` (empty when it holds none).
    func cutCells(ofNode g: Int) -> UnsafeBufferPointer<UInt64> {
        let lo = cut.lowerBound(UInt32(g))
        guard lo < cut.count && cut[lo] == UInt32(g) else { return UnsafeBufferPointer(start: nil, count: 0) }
        return UnsafeBufferPointer(rebasing: cutCells[Int(cutStart[lo])..<Int(cutStart[lo + 1])])
    }

    /// Map points new to the mirror among delta points `range`.
    @inline(__always) func newPoints(_ range: Range<Int>) -> Int { Int(newBefore[range.upperBound] - newBefore[range.lowerBound]) }

    /// Base points of `range` left without a crime.
    func emptiedCount(_ range: Range<Int>) -> Int {
        guard !emptied.isEmpty else { return 0 }
        return emptied.lowerBound(UInt32(range.upperBound)) - emptied.lowerBound(UInt32(range.lowerBound))
    }

    func isEmptied(_ p: Int) -> Bool { emptied.holds(UInt32(p)) }

    /// The forces of base point `p` (or node `g`) once the superseded partitions are taken out.
    func pointMask(_ p: Int, _ stored: UInt64) -> UInt64 { Self.find(maskPoint, maskPointValue, p) ?? stored }
    func nodeMask(_ g: Int, _ stored: UInt64) -> UInt64 { Self.find(maskNode, maskNodeValue, g) ?? stored }

    /// Whether the delta adds map points or leaves some of the snapshot's without a crime (so
    /// the catchments are not the snapshot's).
    var changesMapPoints: Bool { newCount > 0 || !emptied.isEmpty }

    /// What the mirror's catchments follow from: the snapshot's when the delta changes no map
    /// point (its catchment file still serves), else the snapshot's and the delta's.
    func catchmentIdentity(base s: Snapshot) -> [UInt64] {
        guard changesMapPoints else { return s.catchmentIdentity }
        // The points the delta adds and those it empties: a delta rewritten with the same map
        // points (a restatement) keeps the catchments.
        let inner = mirror.tree
        var added: [Int32] = []
        for q in 0..<inner.pointCount where twin[q] < 0 { added += [inner.lat[q], inner.lng[q]] }
        return s.catchmentIdentity + [added.withUnsafeBytes { SnapshotFormat.checksum($0) }, SnapshotFormat.checksum(UnsafeRawBufferPointer(emptied)),
                                      UInt64(newCount), UInt64(emptied.count)]
    }

    /// The mirror's map points for its catchments: the snapshot's (those without a crime
    /// skipped), then the delta's new ones, in index order.
    func catchmentInputs(base s: Snapshot) throws -> CatchmentFile.Inputs {
        let inner = mirror.tree
        let fresh = (0..<inner.pointCount).filter { twin[$0] < 0 }
        var skip = [Bool](repeating: false, count: s.array(.pointLat, as: Int32.self).count + fresh.count)
        for p in emptied { skip[Int(p)] = true }
        return CatchmentFile.Inputs(lat: Array(s.array(.pointLat)) + fresh.map { inner.lat[$0] },
                                    lng: Array(s.array(.pointLng)) + fresh.map { inner.lng[$0] },
                                    boundaries: try s.boundaries(), identity: catchmentIdentity(base: s), skip: emptied.isEmpty ? nil : skip)
    }

    /// A mask over the mirror's indices as one over the delta's (`map`: delta index to mirror index).
    func toDelta(_ mask: UInt64, _ map: [Int]) -> UInt64 {
        guard mask != ~0 else { return ~0 }
        var out: UInt64 = 0
        for (i, j) in map.enumerated() where (mask >> UInt64(j)) & 1 == 1 { out |= 1 << UInt64(i) }
        return out
    }

    /// A mask over the delta's forces as one over the mirror's.
    func toMirror(forces mask: UInt64) -> UInt64 {
        var out: UInt64 = 0
        for (i, j) in forceMap.enumerated() where (mask >> UInt64(i)) & 1 == 1 { out |= 1 << UInt64(j) }
        return out
    }

    private static func find(_ keys: UnsafeBufferPointer<UInt32>, _ values: UnsafeBufferPointer<UInt64>, _ k: Int) -> UInt64? {
        let i = keys.lowerBound(UInt32(k))
        return i < keys.count && keys[i] == UInt32(k) ? values[i] : nil
    }
}

extension TreeView {
    /// The points under global node `g` (as ``search(_:node:point:)`` names nodes).
    func points(globalNode g: Int) -> Range<Int> {
        var level = 1
        while level < levels && g >= Int(levelStart[level]) { level += 1 }
        return points(level: level, node: g - Int(levelStart[level - 1]))
    }
}

extension CrimeMirror {
    /// The base's walk with a delta that supersedes some of its partitions: a node or point
    /// holding a superseded force adds its cells less those partitions', its forces as amended,
    /// and its map points less those left without a crime; the rest add as without a delta.
    func addAmended<A: TreeArea>(_ area: A, to tally: Tally, path: SumPath, _ d: DeltaView) {
        let projected = tally.unfiltered && path == .fast
        let tree = self.tree, projections = self.projections, amendment = d.amendment, touched = amendment.forces
        let nodeCells = self.nodeCells, nodeCellStart = self.nodeCellStart, nodeForceMask = self.nodeForceMask
        let lists = self.pointLists, pointCells = lists.cells, pointForceMask = self.pointForceMask
        let periods = lists.periods(monthLo: tally.monthLo, monthHi: tally.monthHi)
        var present = tally.present, mapPoints = tally.mapPoints, nodes = tally.visitedNodes, points = tally.visitedPoints
        let record = tally.recordsVisits
        tree.search(area, node: { level, g in
            let mask = nodeForceMask[g], under = tree.points(level: level, node: g - Int(tree.levelStart[level - 1]))
            if mask & touched == 0 {
                if projected { tally.addProjected(projections, node: g) } else {
                    tally.add(nodeCells, Int(nodeCellStart[g])..<Int(nodeCellStart[g + 1]))
                }
                present |= mask
                mapPoints += under.count
            } else {
                let cut = d.cutCells(ofNode: g)
                if projected, let totals = projections.runningTotals {
                    // The node's sums less its superseded cells: a few, whatever the months.
                    tally.addProjected(projections, totals, node: g, less: cut, CollectionOfOne(0..<cut.count))
                } else if cut.isEmpty {
                    tally.add(nodeCells, Int(nodeCellStart[g])..<Int(nodeCellStart[g + 1]))
                } else {
                    tally.add(nodeCells, Int(nodeCellStart[g])..<Int(nodeCellStart[g + 1]), except: amendment)
                }
                present |= d.nodeMask(g, mask)
                mapPoints += under.count - d.emptiedCount(under)
            }
            if record { nodes.append(g) }
        }, point: { p in
            let mask = pointForceMask[p]
            if mask & touched == 0 {
                for k in periods { tally.add(pointCells, lists.range(p, period: k)) }
                present |= mask
                mapPoints += 1
            } else {
                for k in periods { tally.add(pointCells, lists.range(p, period: k), except: amendment) }
                present |= d.pointMask(p, mask)
                if !d.isEmptied(p) { mapPoints += 1 }
            }
            if record { points.append(p) }
        })
        (tally.present, tally.mapPoints, tally.visitedNodes, tally.visitedPoints) = (present, mapPoints, nodes, points)
    }

    /// Walks the delta over `area` into a tally of its own, then adds that into `tally` in the
    /// mirror's indices (map points the base also holds counted once); the delta's tally is kept
    /// on `tally` for coverage.
    func addDelta<A: TreeArea>(_ area: A, to tally: Tally, path: SumPath, _ d: DeltaView) {
        let inner = d.mirror
        let lo = max(0, tally.monthLo - d.monthShift), hi = min(inner.monthsHeldCount - 1, tally.monthHi - d.monthShift)
        let t = tallyPool.tally(monthLo: lo, monthHi: hi, categoryMask: d.toDelta(tally.categoryMask, d.categoryMap),
                      forceMask: d.toDelta(tally.forceMask, d.forceMap), btpForce: inner.btpForce,
                      categories: inner.categories.count, outcomes: inner.outcomes.count)
        inner.add(area, to: t, path: path)
        if lo <= hi {
            let cats = categories.count, innerCats = inner.categories.count
            for row in 0...(hi - lo) {
                let to = (lo + row + d.monthShift - tally.monthLo) * cats
                for c in 0..<innerCats { tally.matrix[to + d.categoryMap[c]] &+= t.matrix[row * innerCats + c] }
            }
        }
        for o in t.outcomes.indices { tally.outcomes[d.outcomeMap[o]] += t.outcomes[o] }
        tally.btp += t.btp
        tally.answered |= d.toMirror(forces: t.answered)
        tally.present |= d.toMirror(forces: t.present)
        var fresh = 0
        for g in t.visitedNodes.all { fresh += d.newPoints(inner.tree.points(globalNode: Int(g))) }
        for p in t.visitedPoints.all where d.twin[Int(p)] < 0 { fresh += 1 }
        tally.mapPoints += fresh
        tally.amended = t
    }

    /// ``materialForces(_:visited:path:)`` over the base less its superseded partitions and the
    /// delta: each force's crimes per month at the visited nodes and points of both walks.
    func materialForcesAmended(_ candidates: [Int], visited: Tally, path: SumPath, _ d: DeltaView) -> [Int] {
        let span = monthsHeldCount
        var counts = [Int](repeating: 0, count: forces.count * span)
        let amendment = d.amendment
        func add(_ cells: UnsafeBufferPointer<UInt64>, _ range: Range<Int>, map: DeltaView?) {
            for i in range {
                let c = cells[i]
                if let map {
                    counts[map.forceMap[CrimeCell.force(c)] * span + CrimeCell.month(c) + map.monthShift] += CrimeCell.count(c)
                } else if !amendment.excludes(c) {
                    counts[CrimeCell.force(c) * span + CrimeCell.month(c)] += CrimeCell.count(c)
                }
            }
        }
        func walked(_ m: CrimeMirror, _ t: Tally, map: DeltaView?) {
            let (nodeCells, nodeStart) = path == .fast ? (m.projections.monthForce, m.projections.monthForceStart) : (m.nodeCells, m.nodeCellStart)
            for g in t.visitedNodes.all { add(nodeCells, Int(nodeStart[Int(g)])..<Int(nodeStart[Int(g) + 1]), map: map) }
            for p in t.visitedPoints.all { for range in m.pointLists.ranges(Int(p)) { add(m.pointCells, range, map: map) } }
        }
        walked(self, visited, map: nil)
        if let t = visited.amended { walked(d.mirror, t, map: d) }
        return counts.withUnsafeBufferPointer { material(candidates, counts: $0) }
    }

    /// The map point nearest (lat, lng) among the mirror's: the base's still holding a crime and
    /// the delta's. Nil for an empty mirror.
    func nearestPoint(latE6: Int32, lngE6: Int32) -> (index: Int, latE6: Int32, lngE6: Int32, name: String)? {
        var best: (index: Int, latE6: Int32, lngE6: Int32, name: String)?
        if let p = tree.nearest(latE6: latE6, lngE6: lngE6, skipping: delta?.emptied) {
            best = (p, tree.lat[p], tree.lng[p], pointName(p))
        }
        if let d = delta, let q = d.mirror.tree.nearest(latE6: latE6, lngE6: lngE6) {
            let inner = d.mirror.tree, metric = LocalMetric(latE6: latE6, lngE6: lngE6)
            if best.map({ metric.squaredDistance(latE6: inner.lat[q], lngE6: inner.lng[q]) < metric.squaredDistance(latE6: $0.latE6, lngE6: $0.lngE6) }) ?? true {
                let i = d.mirrorIndex(ofDelta: q, basePoints: tree.pointCount)
                best = (i, inner.lat[q], inner.lng[q], pointName(i))
            }
        }
        return best
    }
}

extension MirrorLocation {
    /// The mirror folder's delta file (nil for the sample): what a server watches for ingests
    /// beside ``snapshotPath``.
    public var deltaPath: String? {
        guard case .directory(let d) = self else { return nil }
        return (d as NSString).appendingPathComponent(MirrorDelta.fileName)
    }

    /// Removes the temporary files of the folder's writes that were killed before their rename
    /// (`.NAME.PID.tmp` of a process no longer running): a write of the same file removes them
    /// too, but a mirror may not write that file again soon (a delta's catchments, say).
    func removeStaleTemporaries() {
        guard case .directory(let dir) = self else { return }
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? [] where entry.hasPrefix(".") && entry.hasSuffix(".tmp") {
            let parts = entry.dropFirst().dropLast(4).split(separator: ".")
            guard parts.count >= 2, let pid = Int32(parts.last!), MirrorLocation.fileNames.contains(parts.dropLast().joined(separator: ".")),
                  kill(pid, 0) != 0 && errno == ESRCH else { continue }
            unlink((dir as NSString).appendingPathComponent(entry))
        }
    }

    /// The delta beside `base`, or nil when there is none or it was made for another snapshot
    /// (a compaction that stopped before removing it: `base` already holds its rows).
    func openDelta(of base: Snapshot) throws -> Snapshot? {
        guard let path = deltaPath, try MirrorLocation.exists(path) else { return nil }
        let d = try Snapshot(bytes: SnapshotBytes(mapping: path), path: path)
        guard d.has(.deltaMeta), let meta = try? JSONDecoder().decode(MirrorDelta.Meta.self, from: Data(d.raw(.deltaMeta))) else {
            throw GeoQueryError.mirrorCorrupt("\(path) is not a geoquery delta (damaged or truncated): delete it and re-ingest the files it held")
        }
        return meta.base == base.identity ? d : nil
    }
}
