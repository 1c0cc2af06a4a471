import Foundation

/// Every map point's catchment as a mirror holds them: one catchment file (``CatchmentFile``), or,
/// for a mirror with a delta, the snapshot's file amended by the delta's catchment file, which holds
/// only the cells that differ (the groups the delta changed, its new points, the points it left
/// without a crime).
///
/// Per-point arrays: views into the mapped file, or, amended, arrays merged once at open (about
/// 60 bytes a point); the cells' WKB stays in the files.
final class CatchmentCells: @unchecked Sendable {
    /// Keeps the mapped (or computed) files alive for the views below.
    private let files: [SnapshotBytes]
    let count: Int
    /// Planar BNG m².
    let area: UnsafeBufferPointer<Double>
    /// (minX, minY, maxX, maxY) per point, BNG metres.
    let box: UnsafeBufferPointer<Double>
    /// The boundary the cell was clipped to, or -1.
    let clip: UnsafeBufferPointer<Int16>
    /// Each point's site (x, y; NaN for a point without a catchment); nil in files made before
    /// the sites were kept.
    let site: UnsafeBufferPointer<Double>?
    /// Each group's key (``CatchmentBuilder/groupKey``); nil in files made before the keys.
    let groupKey: [UInt64]?
    /// The meta of the file that made these cells (the delta's, when amended).
    let meta: CatchmentFile.Meta?
    /// WKB of point p: `wkb[start[p]..<start[p + 1]]` (one file), or, amended, at `place[p]` in
    /// the snapshot's file or (high bit set) the delta's, `length[p]` bytes.
    private let wkb: UnsafeRawBufferPointer
    private let start: UnsafeBufferPointer<UInt64>
    private let amendment: (wkb: UnsafeRawBufferPointer, place: [UInt64], length: [UInt32])?
    /// Buffers this instance allocated (amended), freed with it.
    private var owned: [UnsafeMutableRawPointer] = []

    private static let inDelta: UInt64 = 1 << 63

    /// The cells of one whole catchment file.
    init(file: SnapshotBytes, views: [CatchmentFile.Section: UnsafeRawBufferPointer]) throws {
        files = [file]
        area = views[.area]!.assumingMemoryBound(to: Double.self)
        box = views[.box]!.assumingMemoryBound(to: Double.self)
        clip = views[.clip]!.assumingMemoryBound(to: Int16.self)
        site = views[.site]?.assumingMemoryBound(to: Double.self)
        groupKey = views[.groupKey].map { Array($0.assumingMemoryBound(to: UInt64.self)) }
        meta = CatchmentFile.meta(views)
        wkb = views[.wkb]!
        start = views[.start]!.assumingMemoryBound(to: UInt64.self)
        amendment = nil
        count = area.count
        guard start.count == count + 1, box.count == 4 * count, clip.count == count, Int(start.last ?? 0) == wkb.count,
              site.map({ $0.count == 2 * count }) ?? true else { throw CatchmentFile.damaged("catchment file") }
    }

    /// The snapshot's cells amended by a delta catchment file (`views`: its sections; `own`, the
    /// points whose cells it holds, ascending; its other sections hold one entry per own point).
    init(base: CatchmentCells, delta file: SnapshotBytes, views: [CatchmentFile.Section: UnsafeRawBufferPointer]) throws {
        let own = views[.own]!.assumingMemoryBound(to: UInt32.self)
        let dArea = views[.area]!.assumingMemoryBound(to: Double.self), dBox = views[.box]!.assumingMemoryBound(to: Double.self)
        let dClip = views[.clip]!.assumingMemoryBound(to: Int16.self), dStart = views[.start]!.assumingMemoryBound(to: UInt64.self)
        let dSite = views[.site]?.assumingMemoryBound(to: Double.self), dWKB = views[.wkb]!
        let k = own.count
        let n = max(base.count, own.last.map { Int($0) + 1 } ?? 0)
        guard dArea.count == k, dBox.count == 4 * k, dClip.count == k, dStart.count == k + 1, Int(dStart.last ?? 0) == dWKB.count,
              let dSite, dSite.count == 2 * k, zip(own, own.dropFirst()).allSatisfy({ $0 < $1 }) else {
            throw CatchmentFile.damaged("delta catchment file")
        }
        precondition(base.amendment == nil, "a delta amends the snapshot's own catchments")
        files = base.files + [file]
        count = n
        var allocated: [UnsafeMutableRawPointer] = []
        // The snapshot's values, the delta's over them at its points (new points after).
        func make<T>(_ from: UnsafeBufferPointer<T>, _ width: Int, _ fill: T, _ delta: UnsafeBufferPointer<T>) -> UnsafeBufferPointer<T> {
            let out = UnsafeMutableBufferPointer<T>.allocate(capacity: width * n)
            let kept = min(from.count, width * n)
            out.baseAddress!.initialize(from: from.baseAddress!, count: kept)
            (out.baseAddress! + kept).initialize(repeating: fill, count: width * n - kept)
            for (j, p) in own.enumerated() { for w in 0..<width { out[width * Int(p) + w] = delta[width * j + w] } }
            allocated.append(UnsafeMutableRawPointer(out.baseAddress!))
            return UnsafeBufferPointer(out)
        }
        area = make(base.area, 1, 0, dArea)
        box = make(base.box, 4, 0, dBox)
        clip = make(base.clip, 1, -1, dClip)
        site = base.site.map { make($0, 2, .nan, dSite) }
        owned = allocated
        groupKey = views[.groupKey].map { Array($0.assumingMemoryBound(to: UInt64.self)) }
        meta = CatchmentFile.meta(views)
        wkb = base.wkb
        start = base.start
        var place = [UInt64](repeating: 0, count: n), length = [UInt32](repeating: 0, count: n)
        for p in 0..<base.count {
            place[p] = base.start[p]; length[p] = UInt32(base.start[p + 1] - base.start[p])
        }
        for (j, p) in own.enumerated() {
            place[Int(p)] = Self.inDelta | dStart[j]; length[Int(p)] = UInt32(dStart[j + 1] - dStart[j])
        }
        amendment = (dWKB, place, length)
    }

    deinit { for p in owned { p.deallocate() } }

    /// Point `p`'s catchment as WKB (empty when it has no area).
    func wkb(_ p: Int) -> UnsafeRawBufferPointer {
        if let a = amendment {
            let at = Int(a.place[p] & ~Self.inDelta), bytes = a.place[p] & Self.inDelta != 0 ? a.wkb : wkb
            return UnsafeRawBufferPointer(rebasing: bytes[at..<(at + Int(a.length[p]))])
        }
        return UnsafeRawBufferPointer(rebasing: wkb[Int(start[p])..<Int(start[p + 1])])
    }
}
