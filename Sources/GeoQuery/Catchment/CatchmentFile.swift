import Foundation

/// `DIR/catchments.geoquery`: the catchments of a snapshot's map points, kept beside it, and
/// `DIR/catchments-delta.geoquery`: the cells a delta changes (see ``CatchmentCells``).
///
/// Catchments are derived data (the map points and the force boundaries fix them), so they are
/// computed by the ingest that changes them (or on first use) and stored here for every later
/// query. A file names the snapshot it was made for (``Snapshot/catchmentIdentity``, or the
/// delta's): a stale, damaged or missing file is simply computed again, and a mirror folder that
/// cannot be written to keeps them in memory.
///
/// Sections: identity u64s, meta (JSON: projection used), WKB offsets u64 × (n+1), WKB bytes
/// (BNG metres), planar area f64, box f64 × 4, clip i16 (boundary index or -1), site f64 × 2
/// (BNG; NaN for a point without a catchment) and one key u64 per group
/// (``CatchmentBuilder/groupKey``), which let the next build keep unchanged groups' cells (files
/// made before the last two serve their snapshot, and the next build computes every group). A
/// delta's file adds base (the snapshot file's identity) and own (u32: the points it holds, one
/// entry of each per-point section for each).
enum CatchmentFile {
    static let fileName = "catchments.geoquery"
    static let deltaFileName = "catchments-delta.geoquery"
    static let file = SectionedFile(magic: Array("GEOQCTCH".utf8), version: 1, what: "catchment file",
                                    rebuild: "it is computed again on next use")

    enum Section: UInt32, CaseIterable { case identity = 1, meta, start, wkb, area, box, clip, site, groupKey, base, own }
    /// Sections a file may lack: the sites and keys (files made before them), base and own
    /// (a snapshot's file).
    static let optional: Set<Section> = [.site, .groupKey, .base, .own]

    struct Meta: Codable {
        var projection: String; var created: String
        /// The groups of map points (the force boundaries holding any, and the points outside
        /// them), and those computed (the rest kept from the earlier file), by index: a
        /// boundary's, or the boundaries' count for the points outside every boundary. Nil in
        /// files before the reuse.
        var groups: Int? = nil, computedGroups: [Int]? = nil

        /// The computed groups' names, given the boundaries' names.
        func computedGroupNames(boundaries: [String]) -> [String] { CatchmentFile.groupNames(computedGroups ?? [], boundaries: boundaries) }
    }

    /// Groups' names by index: a boundary's, or "outside every boundary" past the boundaries.
    static func groupNames(_ groups: [Int], boundaries: [String]) -> [String] {
        groups.map { $0 < boundaries.count ? boundaries[$0] : "outside every boundary" }
    }

    static func damaged(_ what: String) -> GeoQueryError {
        .mirrorCorrupt("the \(what) does not match its map points: \(file.rebuild)")
    }

    /// A mirror's catchments, whether they are in the mirror folder (false: in memory only), and
    /// whether this load computed any of them.
    struct Loaded {
        var cells: CatchmentCells; var stored: Bool; var computed = false
        /// Why a computed file could not be written to the folder (it answers from memory).
        var storeFailure: String? = nil
    }

    /// The catchments of `snapshot`: read from the mirror folder when it holds a file made for
    /// this snapshot, else computed and (where the folder is writable) stored.
    /// - Parameter progress: told when a computation starts and ends (not when the file is read).
    static func load(for snapshot: Snapshot, at location: MirrorLocation, progress: (@Sendable (CatchmentProgress) -> Void)? = nil) throws -> Loaded {
        if let found = stored(snapshot.catchmentIdentity, at: location) { return Loaded(cells: found.cells, stored: true) }
        return try computeAndStore(named: fileName, mapPoints: snapshot.array(.pointLat, as: Int32.self).count, at: location, progress: progress) {
            let computed = try compute(Inputs(snapshot), previous: previous(at: location))
            return (computed.bytes, { bytes, views in try CatchmentCells(file: bytes, views: views) })
        }
    }

    /// The catchments of the snapshot amended by a delta that changes its map points: the
    /// snapshot's own (computed first if the folder lacks them), and the delta's file of the cells
    /// that differ, read when the folder holds it, else computed (keeping every group whose
    /// points and boundary are unchanged) and stored.
    static func load(delta d: DeltaView, base snapshot: Snapshot, at location: MirrorLocation,
                     progress: (@Sendable (CatchmentProgress) -> Void)? = nil) throws -> Loaded {
        let base = try load(for: snapshot, at: location, progress: progress)
        let identity = d.catchmentIdentity(base: snapshot)
        if base.stored, let found = storedDelta(identity, base: base.cells, baseIdentity: snapshot.catchmentIdentity, at: location) {
            return Loaded(cells: found, stored: true, computed: base.computed)
        }
        let loaded = try computeAndStore(named: deltaFileName, mapPoints: base.cells.count + d.newCount, at: location, progress: progress) {
            let inputs = try d.catchmentInputs(base: snapshot)
            // The delta's cells before this one (or the snapshot's) offer their groups.
            let earlier = storedDelta(nil, base: base.cells, baseIdentity: snapshot.catchmentIdentity, at: location) ?? base.cells
            // Groups the snapshot has as they are need no cells here: its file serves them.
            let (t, projection) = try table(inputs, previous: CatchmentReuse(earlier), unneeded: Set(base.cells.groupKey ?? []).subtracting([0]))
            let bytes = try deltaBytes(of: t, base: base.cells, identity: identity, baseIdentity: snapshot.catchmentIdentity, projection: projection)
            return (bytes, { bytes, views in try CatchmentCells(base: base.cells, delta: bytes, views: views) })
        }
        return Loaded(cells: loaded.cells, stored: loaded.stored && base.stored, computed: true, storeFailure: loaded.storeFailure ?? base.storeFailure)
    }

    /// Computes a file (`make`: its bytes, and how to open them), stores it as `name` where the
    /// folder is writable, and opens it; progress is told of the start and the end.
    private static func computeAndStore(named name: String, mapPoints: Int, at location: MirrorLocation,
                                        progress: (@Sendable (CatchmentProgress) -> Void)?,
                                        _ make: () throws -> ([UInt8], (SnapshotBytes, [Section: UnsafeRawBufferPointer]) throws -> CatchmentCells)) throws -> Loaded {
        let path = self.path(name, in: location)
        let started = Date()
        progress?(.computing(mapPoints: mapPoints, file: path))
        let (serialized, open) = try make()
        var kept = false, failure: String? = nil
        if path != nil {
            // A read-only mirror (or a full disk) still answers, from memory.
            do {
                try store(serialized, named: name, at: location)
                kept = true
            } catch {
                failure = "\(error)"
            }
        }
        progress?(.computed(mapPoints: mapPoints, seconds: Date().timeIntervalSince(started), file: path, stored: kept, failure: failure))
        let bytes = SnapshotBytes(copying: serialized)
        return Loaded(cells: try open(bytes, try sections(of: bytes, identity: nil, path: name)), stored: kept, computed: true, storeFailure: failure)
    }

    /// Where a catchment file of a mirror folder is (nil for the embedded sample).
    static func path(_ name: String = fileName, in location: MirrorLocation) -> String? {
        guard case .directory(let dir) = location else { return nil }
        return (dir as NSString).appendingPathComponent(name)
    }

    /// The mirror folder's snapshot catchment file when it is whole and made for `identity` (nil:
    /// any snapshot), with the identity it names.
    static func stored(_ identity: [UInt64]?, at location: MirrorLocation, verifyAll: Bool = true) -> (cells: CatchmentCells, identity: [UInt64], bytes: Int)? {
        guard let path = path(in: location), let bytes = try? SnapshotBytes(mapping: path),
              let views = try? sections(of: bytes, identity: identity, path: path, verifyAll: verifyAll), views[.own] == nil,
              let cells = try? CatchmentCells(file: bytes, views: views) else { return nil }
        return (cells, Array(views[.identity]!.assumingMemoryBound(to: UInt64.self)), bytes.raw.count)
    }

    /// The snapshot's cells `base` amended by the folder's delta catchment file, when it is whole,
    /// made for `identity` (nil: any delta) and for the snapshot file `baseIdentity` names.
    static func storedDelta(_ identity: [UInt64]?, base: CatchmentCells, baseIdentity: [UInt64], at location: MirrorLocation) -> CatchmentCells? {
        guard let (bytes, views) = deltaFile(identity, baseIdentity: baseIdentity, at: location) else { return nil }
        return try? CatchmentCells(base: base, delta: bytes, views: views)
    }

    /// The folder's delta catchment file when it is whole (or, without `verifyAll`, its header
    /// and identity are), made for `identity` (nil: any delta) and the snapshot file `baseIdentity` names.
    private static func deltaFile(_ identity: [UInt64]?, baseIdentity: [UInt64], at location: MirrorLocation,
                                  verifyAll: Bool = true) -> (SnapshotBytes, [Section: UnsafeRawBufferPointer])? {
        guard let path = path(deltaFileName, in: location), let bytes = try? SnapshotBytes(mapping: path),
              let views = try? sections(of: bytes, identity: identity, path: path, verifyAll: verifyAll),
              let b = views[.base], Array(b.assumingMemoryBound(to: UInt64.self)) == baseIdentity, views[.own] != nil else { return nil }
        return (bytes, views)
    }

    /// The catchment files the folder holds for the snapshot (and its delta, when that changes
    /// map points), and their bytes; nil when it lacks any (headers and identities checked).
    static func storedFiles(snapshot: Snapshot, delta: DeltaView?, at location: MirrorLocation) -> (bytes: Int, files: [String])? {
        guard let base = stored(snapshot.catchmentIdentity, at: location, verifyAll: false) else { return nil }
        guard let d = delta, d.changesMapPoints else { return (base.bytes, [fileName]) }
        guard let (bytes, _) = deltaFile(d.catchmentIdentity(base: snapshot), baseIdentity: snapshot.catchmentIdentity, at: location, verifyAll: false) else { return nil }
        return (base.bytes + bytes.raw.count, [fileName, deltaFileName])
    }

    /// Writes a computed catchment file into the mirror folder, atomically.
    static func store(_ serialized: [UInt8], named name: String = fileName, at location: MirrorLocation) throws {
        _ = try location.writeFile(named: name, what: "the catchments") { sink in serialized.withUnsafeBytes { sink.append($0) } }
    }

    /// The section views of a catchment file, checked against `identity`.
    /// - Parameter verifyAll: false checks the header and the identity only (for `info`, which
    ///   reports the file's size and need not read 33 MB to do so).
    /// - Parameter identity: nil takes a file made for any snapshot.
    static func sections(of bytes: SnapshotBytes, identity: [UInt64]?, path: String, verifyAll: Bool = true) throws -> [Section: UnsafeRawBufferPointer] {
        let raw = bytes.raw
        let table = try file.sections(raw, path: path)
        let damaged = GeoQueryError.mirrorCorrupt("\(path) is damaged: \(file.rebuild)")
        var views: [Section: UnsafeRawBufferPointer] = [:]
        for s in Section.allCases {
            guard let e = table[s.rawValue] else {
                if optional.contains(s) { continue }
                throw damaged
            }
            views[s] = SectionedFile.bytes(raw, e)
        }
        guard SectionedFile.verify(raw, views.keys.filter { verifyAll || $0 == .identity }.map { table[$0.rawValue]! }) else { throw damaged }
        guard identity.map({ Array(views[.identity]!.assumingMemoryBound(to: UInt64.self)) == $0 }) ?? true else {
            throw GeoQueryError.mirrorCorrupt("\(path) was made for another snapshot: \(file.rebuild)")
        }
        return views
    }

    /// The catchments the mirror folder holds (its snapshot file, amended by its delta file when
    /// that is made for it), whatever snapshot they were made for, as cells the next build may
    /// keep; nil when there are none whole, or they predate the sites and keys.
    static func previous(at location: MirrorLocation) -> CatchmentReuse? {
        guard let base = stored(nil, at: location) else { return nil }
        return CatchmentReuse(storedDelta(nil, base: base.cells, baseIdentity: base.identity, at: location) ?? base.cells)
    }

    /// What a file's meta says (nil when it cannot be read).
    static func meta(_ views: [Section: UnsafeRawBufferPointer]) -> Meta? {
        views[.meta].flatMap { try? JSONDecoder().decode(Meta.self, from: Data($0)) }
    }

    /// What catchments are computed from: the map points in tree order, the force boundaries,
    /// and the identity of the snapshot they belong to.
    struct Inputs: Sendable {
        var lat: [Int32], lng: [Int32]
        var boundaries: [ForceBoundary]
        var identity: [UInt64]
        /// Points that take no catchment (a delta left them without a crime): they keep their
        /// place, with no area. Nil: none.
        var skip: [Bool]? = nil

        init(lat: [Int32], lng: [Int32], boundaries: [ForceBoundary], identity: [UInt64], skip: [Bool]?) {
            (self.lat, self.lng, self.boundaries, self.identity, self.skip) = (lat, lng, boundaries, identity, skip)
        }

        init(_ snapshot: Snapshot) throws {
            lat = Array(snapshot.array(.pointLat)); lng = Array(snapshot.array(.pointLng))
            boundaries = try snapshot.boundaries()
            identity = snapshot.catchmentIdentity
        }

        /// From a snapshot about to be written: the same inputs its file will give once opened.
        init(_ image: SnapshotImage) throws {
            let s = image.gathered(SnapshotFormat.catchmentSections + [.boundaryStart, .boundaryLonLatStart, .boundaryLonLatWKB])
            lat = Array(s.array(.pointLat)); lng = Array(s.array(.pointLng))
            boundaries = try s.boundaries()
            identity = SnapshotFormat.catchmentSections.map { s.checksum($0) } + [UInt64(image.mapPointCount)]
        }
    }

    /// Projects the map points to British National Grid and builds their catchments: the file's bytes.
    /// - Parameter previous: an earlier build whose unchanged groups' cells are kept.
    static func compute(_ inputs: Inputs, previous: CatchmentReuse? = nil) throws -> Computed {
        let (t, projection) = try table(inputs, previous: previous)
        return Computed(bytes: try bytes(of: t, identity: inputs.identity, projection: projection), groups: t.groups,
                        computedNames: groupNames(t.computedGroups, boundaries: inputs.boundaries.map(\.name)))
    }

    /// The catchments of `inputs` (a point skipped has none), and PROJ's words for the projection.
    /// - Parameter unneeded: keys of groups to leave without cells (``CatchmentBuilder/build(x:y:boundaries:plain:previous:unneeded:)``).
    static func table(_ inputs: Inputs, previous: CatchmentReuse? = nil, unneeded: Set<UInt64> = []) throws -> (CatchmentTable, String) {
        let grid = try BritishNationalGrid.shared()
        let live = inputs.skip.map { skip in skip.indices.filter { !skip[$0] } }
        var x = live.map { $0.map { Double(inputs.lng[$0]) / 1e6 } } ?? inputs.lng.map { Double($0) / 1e6 }
        var y = live.map { $0.map { Double(inputs.lat[$0]) / 1e6 } } ?? inputs.lat.map { Double($0) / 1e6 }
        grid.toBNG(longitudes: &x, latitudes: &y)
        // The sites are BNG metres from this PROJ: another projection gives other sites, so
        // nothing is kept across one.
        let earlier = previous.flatMap { $0.projection == grid.summary ? $0 : nil }
        var t = try CatchmentBuilder.build(x: x, y: y, boundaries: inputs.boundaries, previous: earlier, unneeded: unneeded)
        if let live { t = t.spread(to: inputs.lat.count, at: live) }
        return (t, grid.summary)
    }

    /// The file of the catchments `t`, made for the snapshot `identity` names.
    static func bytes(of t: CatchmentTable, identity: [UInt64], projection: String, extra: [(Section, [UInt8])] = []) throws -> [UInt8] {
        let meta = Array(try JSONEncoder().encode(Meta(projection: projection, created: ISO8601DateFormatter().string(from: Date()),
                                                       groups: t.groups, computedGroups: t.computedGroups)))
        var out: [(id: UInt32, bytes: SectionedFile.Bytes)] = []
        func add<T>(_ s: Section, _ values: [T]) { out.append((s.rawValue, { body in values.withUnsafeBytes { body($0) } })) }
        add(.identity, identity); add(.meta, meta)
        add(.start, t.start); add(.wkb, t.wkb); add(.area, t.area); add(.box, t.box); add(.clip, t.clip)
        add(.site, t.site); add(.groupKey, t.groupKey)
        for (section, bytes) in extra { add(section, bytes) }
        return file.bytes(out)
    }

    /// The delta file of the mirror's catchments `t` over the snapshot's `base`: the cells of its
    /// new points, of the points it leaves without a crime, and of every group whose key differs
    /// from the snapshot's (a group with the same key has the same sites, so the same cells).
    static func deltaBytes(of t: CatchmentTable, base: CatchmentCells, identity: [UInt64], baseIdentity: [UInt64], projection: String) throws -> [UInt8] {
        let unbounded = t.groupKey.count - 1
        let held = Set(base.groupKey ?? []).subtracting([0])
        let changed = t.groupKey.map { !held.contains($0) }
        var own: [UInt32] = []
        var d = CatchmentTable()
        for p in 0..<t.area.count {
            let g = t.clip[p] < 0 ? unbounded : Int(t.clip[p])
            guard p >= base.count || t.site[2 * p].isNaN || changed[g] else { continue }
            own.append(UInt32(p))
            d.wkb += t.wkb[Int(t.start[p])..<Int(t.start[p + 1])]
            d.start.append(UInt64(d.wkb.count))
            d.area.append(t.area[p]); d.clip.append(t.clip[p])
            d.box += t.box[(4 * p)..<(4 * p + 4)]; d.site += t.site[(2 * p)..<(2 * p + 2)]
        }
        d.groupKey = t.groupKey; d.groups = t.groups; d.computedGroups = t.computedGroups
        return try bytes(of: d, identity: identity, projection: projection, extra: [(.base, baseIdentity.withUnsafeBytes { Array($0) }),
                                                                                  (.own, own.withUnsafeBytes { Array($0) })])
    }

    /// A computed file's bytes, its groups, and the names of those computed (a force's, or
    /// "outside every boundary"; the rest were kept).
    struct Computed: Sendable {
        var bytes: [UInt8]
        var groups: Int
        var computedNames: [String]
    }
}
