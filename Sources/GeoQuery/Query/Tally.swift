import CPrefetch
import Foundation

/// The running sums of one query: a dense month × category matrix, outcome counts, BTP's share
/// and the forces seen. Filters are bit masks so each cell costs a few instructions.
///
/// A class over raw buffers (freed in `deinit`): the hot loops then add into memory with no
/// copy-on-write checks or reference counting per call. A mirror keeps used tallies in its
/// ``TallyPool`` and sets them up again (``reset(monthLo:monthHi:categoryMask:forceMask:btpForce:categories:outcomes:recordsVisits:)``),
/// so a query allocates no tally once a few have been made.
///
/// (Unchecked Sendable: one query at a time uses a tally; the pool hands it over under its lock.
/// So no two accesses to a tally's `var`s can overlap, and they skip the dynamic exclusivity
/// check a class's `var` would otherwise pay on each access: ~80 instructions each, ten a query.)
final class Tally: @unchecked Sendable {
    @exclusivity(unchecked) private(set) var monthLo = 0
    @exclusivity(unchecked) private(set) var monthHi = -1
    @exclusivity(unchecked) private(set) var categoryMask: UInt64 = ~0
    @exclusivity(unchecked) private(set) var forceMask: UInt64 = ~0
    @exclusivity(unchecked) private(set) var btpForce = -1
    @exclusivity(unchecked) private(set) var categoryCount = 0
    /// True when no category or force filter applies, so node projections can be used.
    @exclusivity(unchecked) private(set) var unfiltered = true
    @exclusivity(unchecked) private(set) var recordsVisits = true

    /// 32-bit: a (month, category) count of one query stays far below 2^32 (England and Wales
    /// record ~500k crimes a month), and half the width doubles what one vector add covers.
    /// The first `months × categories` cells of `matrixStore`, zeroed by each reset.
    @exclusivity(unchecked) private(set) var matrix = UnsafeMutableBufferPointer<UInt32>(start: nil, count: 0)
    @exclusivity(unchecked) private(set) var outcomes = UnsafeMutableBufferPointer<Int>(start: nil, count: 0)
    @exclusivity(unchecked) private var matrixStore = UnsafeMutableBufferPointer<UInt32>(start: nil, count: 0)
    @exclusivity(unchecked) private var outcomeStore = UnsafeMutableBufferPointer<Int>(start: nil, count: 0)
    @exclusivity(unchecked) var btp = 0
    @exclusivity(unchecked) var answered: UInt64 = 0
    /// Forces with any crime at the visited points, in any month (for coverage notes).
    @exclusivity(unchecked) var present: UInt64 = 0
    @exclusivity(unchecked) var mapPoints = 0
    /// Inside nodes (global index) and boundary map points the walk added, so coverage's
    /// material-share check reads them without walking the tree again; recorded only when
    /// `recordsVisits` (an answer without coverage never reads them).
    @exclusivity(unchecked) var visitedNodes = Visits()
    @exclusivity(unchecked) var visitedPoints = Visits()
    /// The delta's own tally, in its indices, when the mirror has a delta (for coverage).
    @exclusivity(unchecked) var amended: Tally?

    convenience init(monthLo: Int, monthHi: Int, categoryMask: UInt64, forceMask: UInt64, btpForce: Int, categories: Int, outcomes: Int,
                     recordsVisits: Bool = true) {
        self.init()
        reset(monthLo: monthLo, monthHi: monthHi, categoryMask: categoryMask, forceMask: forceMask, btpForce: btpForce,
              categories: categories, outcomes: outcomes, recordsVisits: recordsVisits)
    }

    /// An empty tally, for ``reset(monthLo:monthHi:categoryMask:forceMask:btpForce:categories:outcomes:recordsVisits:)``.
    init() {}

    /// Sets the tally up for a new query: its settings, zeroed sums (the buffers grown when too
    /// small, else reused) and no visits.
    @discardableResult
    func reset(monthLo: Int, monthHi: Int, categoryMask: UInt64, forceMask: UInt64, btpForce: Int, categories: Int, outcomes: Int,
               recordsVisits: Bool = true) -> Tally {
        (self.monthLo, self.monthHi, self.categoryMask, self.forceMask) = (monthLo, monthHi, categoryMask, forceMask)
        (self.btpForce, categoryCount, self.recordsVisits) = (btpForce, categories, recordsVisits)
        unfiltered = categoryMask == ~0 && forceMask == ~0
        matrix = Self.zeroed(&matrixStore, max(0, monthHi - monthLo + 1) * categories)
        self.outcomes = Self.zeroed(&outcomeStore, outcomes)
        (btp, answered, present, mapPoints) = (0, 0, 0, 0)
        visitedNodes.removeAll()
        visitedPoints.removeAll()
        amended = nil
        return self
    }

    /// The first `count` values of `store`, zeroed; `store` is made larger first when it is too small.
    private static func zeroed<T: FixedWidthInteger>(_ store: inout UnsafeMutableBufferPointer<T>, _ count: Int) -> UnsafeMutableBufferPointer<T> {
        if store.count < count {
            store.deallocate()
            store = .allocate(capacity: count)
        }
        let part = UnsafeMutableBufferPointer(rebasing: store[0..<count])
        part.initialize(repeating: 0)
        return part
    }

    /// Entries in its largest buffer (matrix, outcomes, visit lists): what the pool weighs
    /// before keeping the tally.
    var largestBuffer: Int { max(matrixStore.count, outcomeStore.count, visitedNodes.capacity, visitedPoints.capacity) }

    deinit {
        matrixStore.deallocate()
        outcomeStore.deallocate()
        visitedNodes.deallocate()
        visitedPoints.deallocate()
    }

    /// A growable list of node or point indices in raw memory (no copy-on-write or reference
    /// counting per append); its owner deallocates it.
    struct Visits {
        private var base: UnsafeMutablePointer<Int32>? = nil
        private(set) var count = 0
        private(set) var capacity = 0

        @inline(__always) mutating func append(_ i: Int) {
            if count == capacity { grow() }
            base.unsafelyUnwrapped[count] = Int32(truncatingIfNeeded: i)
            count &+= 1
        }

        private mutating func grow() {
            capacity = max(64, capacity * 2)
            let bigger = UnsafeMutablePointer<Int32>.allocate(capacity: capacity)
            if let base { bigger.moveInitialize(from: base, count: count); base.deallocate() }
            base = bigger
        }

        var all: UnsafeBufferPointer<Int32> { UnsafeBufferPointer(start: base, count: count) }
        func deallocate() { base?.deallocate() }
        /// Forgets the indices, keeping the memory for the next query's.
        mutating func removeAll() { count = 0 }
    }

    /// Calls `body` for each cell of `cells[range]` whose month lies in the query's range
    /// (binary search to the range, then a check for short lists that skip the search).
    @inline(__always)
    private func forEachInMonths(_ cells: UnsafeBufferPointer<UInt64>, _ range: Range<Int>, _ body: (UInt64) -> Void) {
        let lo = monthLo, hi = monthHi
        for i in CrimeCell.monthSlice(cells, range, lo: lo, hi: hi) {
            let c = cells[i]
            let month = CrimeCell.month(c)
            if month >= lo && month <= hi { body(c) }
        }
    }

    /// Adds the cells of one point or node.
    /// - Complexity: O(cells in the month range), with a binary search to find that range.
    @inline(__always)
    func add(_ cells: UnsafeBufferPointer<UInt64>, _ range: Range<Int>) {
        guard monthLo <= monthHi else { return }
        let cats = categoryCount, lo = monthLo, unfiltered = self.unfiltered
        let forceMask = self.forceMask, categoryMask = self.categoryMask, btpForce = self.btpForce
        var answered = self.answered, btp = self.btp
        let m = matrix, o = outcomes
        forEachInMonths(cells, range) { c in
            let force = CrimeCell.force(c), category = CrimeCell.category(c)
            if !unfiltered && ((forceMask >> UInt64(force)) & 1 == 0 || (categoryMask >> UInt64(category)) & 1 == 0) { return }
            let n = CrimeCell.count(c)
            // Wrapping adds: counts are far below Int.max, and overflow checks dominate this loop.
            m[(CrimeCell.month(c) &- lo) &* cats &+ category] &+= UInt32(truncatingIfNeeded: n)
            o[CrimeCell.outcome(c)] &+= n
            answered |= 1 << UInt64(force)
            if force == btpForce { btp &+= n }
        }
        self.answered = answered
        self.btp = btp
    }

    /// ``add(_:_:)`` for a map point whose crimes come from `forces`, for an unfiltered query at a
    /// point with no BTP crime (a boundary point's cells are most of a dense query's work): the
    /// months asked are found by their first and last cells, or else by binary search, and each
    /// cell in them only adds its count to the matrix and the outcomes. When every month of the
    /// point is asked, its forces answer at once; otherwise (or when `range` is one period's
    /// cells of the point, not `wholeList`) each cell's force does.
    @inline(__always)
    func add(point cells: UnsafeBufferPointer<UInt64>, _ range: Range<Int>, forces: UInt64, wholeList: Bool = true) {
        guard unfiltered, btpForce < 0 || (forces >> UInt64(btpForce)) & 1 == 0 else {
            add(cells, range)
            return
        }
        // Cell months lie in 0..<maxMonths; a delta's tally may ask for months beyond either end.
        let lo = max(monthLo, 0), hi = min(monthHi, CrimeCell.maxMonths - 1)
        guard lo <= hi, !range.isEmpty else { return }
        let first = CrimeCell.month(cells[range.lowerBound]), last = CrimeCell.month(cells[range.upperBound - 1])
        guard last >= lo, first <= hi else { return }
        let cats = categoryCount, base = monthLo, m = matrix, o = outcomes
        if wholeList && first >= lo && last <= hi {
            for i in range {
                let c = cells[i], n = CrimeCell.count(c)
                m[(CrimeCell.month(c) &- base) &* cats &+ CrimeCell.category(c)] &+= UInt32(truncatingIfNeeded: n)
                o[CrimeCell.outcome(c)] &+= n
            }
            answered |= forces
            return
        }
        let from = first >= lo ? range.lowerBound : cells.lowerBound(UInt64(lo) << 52, in: range)
        let to = last <= hi ? range.upperBound : cells.lowerBound(UInt64(hi + 1) << 52, in: from..<range.upperBound)
        var answered = self.answered
        for i in from..<to {
            let c = cells[i], n = CrimeCell.count(c)
            m[(CrimeCell.month(c) &- base) &* cats &+ CrimeCell.category(c)] &+= UInt32(truncatingIfNeeded: n)
            o[CrimeCell.outcome(c)] &+= n
            answered |= 1 << UInt64(CrimeCell.force(c))
        }
        self.answered = answered
    }

    /// ``add(_:_:)`` less the cells of the partitions a delta supersedes.
    func add(_ cells: UnsafeBufferPointer<UInt64>, _ range: Range<Int>, except amendment: MirrorDelta.Amendment) {
        guard monthLo <= monthHi else { return }
        let cats = categoryCount, lo = monthLo
        let forceMask = self.forceMask, categoryMask = self.categoryMask, btpForce = self.btpForce
        forEachInMonths(cells, range) { c in
            let force = CrimeCell.force(c), category = CrimeCell.category(c)
            guard (forceMask >> UInt64(force)) & 1 == 1, (categoryMask >> UInt64(category)) & 1 == 1, !amendment.excludes(c) else { return }
            let n = CrimeCell.count(c)
            matrix[(CrimeCell.month(c) - lo) * cats + category] &+= UInt32(truncatingIfNeeded: n)
            outcomes[CrimeCell.outcome(c)] += n
            answered |= 1 << UInt64(force)
            if force == btpForce { btp += n }
        }
    }

    /// ``addProjected(_:node:)`` for a node less some of its cells (those of `ranges` in `cells`):
    /// the cells a delta supersedes, or a leaf's map points outside the area. The projection and
    /// running totals, less those cells; a force answers when its crimes left in the months asked
    /// are more than none.
    func addProjected<R: Sequence<Range<Int>>>(_ p: NodeProjections, _ totals: NodeRunningTotals, node g: Int,
                                               less cells: UnsafeBufferPointer<UInt64>, _ ranges: R) {
        guard monthLo <= monthHi else { return }
        let lo = monthLo, hi = monthHi, cats = categoryCount, m = matrix, o = outcomes
        addMonthCategories(p, node: g)
        withUnsafeTemporaryAllocation(of: Int.self, capacity: 64) { gone in
            gone.initialize(repeating: 0)
            for range in ranges {
                for i in range {
                    let c = cells[i]
                    guard CrimeCell.month(c) >= lo && CrimeCell.month(c) <= hi else { continue }
                    let n = CrimeCell.count(c)
                    // Wrapping: the node's own cells are added above, so the sum never goes below zero.
                    m[(CrimeCell.month(c) &- lo) &* cats &+ CrimeCell.category(c)] &-= UInt32(truncatingIfNeeded: n)
                    o[CrimeCell.outcome(c)] &-= n
                    gone[CrimeCell.force(c)] &+= n
                }
            }
            guard let r = totals.rows(node: g, monthLo: lo, monthHi: hi) else { return }
            var answered = self.answered, btp = self.btp
            for j in 0..<r.width {
                let n = r.count(j), id = r.id(j)
                if id < NodeRunningTotals.forceColumn { o[id] &+= n; continue }
                let force = id &- NodeRunningTotals.forceColumn, left = n &- gone[force]
                if left > 0 { answered |= 1 << UInt64(force) }
                if force == btpForce { btp &+= left }
            }
            self.answered = answered
            self.btp = btp
        }
    }

    /// Node `g`'s (month, category) projection into the matrix: its dense rows, or else its
    /// sparse cells (a node has one or the other).
    @inline(__always)
    private func addMonthCategories(_ p: NodeProjections, node g: Int) {
        if p.dense?.add(node: g, monthLo: monthLo, monthHi: monthHi, into: matrix, stride: categoryCount) == true { return }
        let lo = monthLo, cats = categoryCount, m = matrix
        forEachInMonths(p.monthCategory, Int(p.monthCategoryStart[g])..<Int(p.monthCategoryStart[g + 1])) { c in
            m[(CrimeCell.month(c) &- lo) &* cats &+ CrimeCell.category(c)] &+= UInt32(truncatingIfNeeded: CrimeCell.count(c))
        }
    }

    /// Adds a node through its (month, category) projection, and its outcomes and forces through
    /// its running totals (two rows whatever the months) or, in a snapshot without them, its
    /// (month, outcome) and (month, force) projections: the same sums as ``add(_:_:)`` for an
    /// unfiltered query, from fewer cells.
    @inline(__always)
    func addProjected(_ p: NodeProjections, node g: Int) {
        guard monthLo <= monthHi else { return }
        let btpForce = self.btpForce, o = outcomes
        var answered = self.answered, btp = self.btp
        addMonthCategories(p, node: g)
        if let totals = p.runningTotals {
            if let r = totals.rows(node: g, monthLo: monthLo, monthHi: monthHi) {
                for j in 0..<r.width {
                    let n = r.count(j), id = r.id(j)
                    if id < NodeRunningTotals.forceColumn { o[id] &+= n } else if n > 0 {
                        let force = id &- NodeRunningTotals.forceColumn
                        answered |= 1 << UInt64(force)
                        if force == btpForce { btp &+= n }
                    }
                }
            }
        } else {
            forEachInMonths(p.monthOutcome, Int(p.monthOutcomeStart[g])..<Int(p.monthOutcomeStart[g + 1])) { c in
                o[CrimeCell.outcome(c)] &+= CrimeCell.count(c)
            }
            forEachInMonths(p.monthForce, Int(p.monthForceStart[g])..<Int(p.monthForceStart[g + 1])) { c in
                let force = CrimeCell.force(c)
                answered |= 1 << UInt64(force)
                if force == btpForce { btp &+= CrimeCell.count(c) }
            }
        }
        self.answered = answered
        self.btp = btp
    }
}

/// A mirror's used tallies, shared by its concurrent queries: a query takes one (a lock and a
/// pop, no allocation once the pool has some) and gives it back when its answer is made.
final class TallyPool: @unchecked Sendable {
    // (Unchecked, and no dynamic exclusivity check: `spare` is read and written only under
    // `lock`. An NSLock rather than a Mutex:
    // ThreadSanitizer on Linux does not see Mutex's lock and reports races that are not there.)
    private let lock = NSLock()
    @exclusivity(unchecked) private var spare: [Tally] = []
    /// Kept at most: one per query in flight on a busy server is plenty.
    static let kept = 32
    /// A tally whose matrix or visit lists grew beyond this many entries (a whole-history query
    /// of a national mirror needs ~3,000 cells; a county polygon visits ~10,000 nodes and points)
    /// is freed, not kept: a rare huge query should not pin its memory.
    static let largestKept = 1 << 16

    init() { spare.reserveCapacity(Self.kept) }

    /// A tally set up as ``Tally/reset(monthLo:monthHi:categoryMask:forceMask:btpForce:categories:outcomes:recordsVisits:)`` sets it.
    func tally(monthLo: Int, monthHi: Int, categoryMask: UInt64, forceMask: UInt64, btpForce: Int, categories: Int, outcomes: Int,
               recordsVisits: Bool = true) -> Tally {
        lock.lock()
        let t = spare.popLast()
        lock.unlock()
        return (t ?? Tally()).reset(monthLo: monthLo, monthHi: monthHi, categoryMask: categoryMask, forceMask: forceMask,
                                    btpForce: btpForce, categories: categories, outcomes: outcomes, recordsVisits: recordsVisits)
    }

    /// Takes back `t` (and the delta's tally it holds) once nothing reads it any more.
    func give(_ t: Tally) {
        if let a = t.amended {
            t.amended = nil
            give(a)
        }
        guard t.largestBuffer <= Self.largestKept else { return }
        lock.lock()
        if spare.count < Self.kept { spare.append(t) }
        lock.unlock()
    }
}

extension NodeProjections {
    /// Asks memory for what ``Tally/addProjected(_:node:)`` will read of node `g`, in three steps
    /// a caller takes over a batch of nodes before adding them: 0, the node's index entries; 1,
    /// what they point to (its dense rows or sparse cells, its running totals' header); 2, the two
    /// running-total rows of the months asked. Hints only: nothing is read that could fault, and
    /// the sums are the same without them.
    @inline(__always)
    func prefetch(node g: Int, step: Int, monthLo: Int, monthHi: Int) {
        @inline(__always) func ask<T>(_ b: UnsafeBufferPointer<T>, _ i: Int) { if let p = b.baseAddress { geoquery_prefetch(p + i) } }
        switch step {
        case 0:
            ask(monthCategoryStart, g)
            if let d = dense { ask(d.start, g); ask(d.firstMonth, g) }
            if let t = runningTotals { ask(t.start, g) }
        case 1:
            if let d = dense, d.start[g] < d.start[g + 1] {
                let from = Int(d.start[g]) + max(0, monthLo - Int(d.firstMonth[g])) * d.width
                for line in 0..<4 { ask(d.values, from + line * 32) }
            } else {
                ask(monthCategory, Int(monthCategoryStart[g]))
            }
            if let t = runningTotals { ask(t.values, Int(t.start[g])) }
        default:
            guard let t = runningTotals, let r = t.rows(node: g, monthLo: monthLo, monthHi: monthHi) else { return }
            ask(t.values, r.through)
            if r.before >= 0 { ask(t.values, r.before) }
        }
    }
}

/// The per-node sums stored in the snapshot for unfiltered queries: the projections of the cells
/// (see ``CrimeCell/projections(_:starts:)``) and, when the snapshot has them, the running totals.
struct NodeProjections {
    let monthCategoryStart: UnsafeBufferPointer<UInt32>, monthCategory: UnsafeBufferPointer<UInt64>
    let monthOutcomeStart: UnsafeBufferPointer<UInt32>, monthOutcome: UnsafeBufferPointer<UInt64>
    let monthForceStart: UnsafeBufferPointer<UInt32>, monthForce: UnsafeBufferPointer<UInt64>
    /// Nil for a snapshot written before they were stored (or when a test asks for the projections).
    let runningTotals: NodeRunningTotals?
    /// Busy nodes' (month, category) rows, whose sparse lists are then empty (nil before v5).
    var dense: DenseMonthCategory? = nil
}
