import Foundation

/// `DIR/catchments.geoquery`: the catchments of a snapshot's map points, kept beside it.
///
/// Catchments are derived data (the map points and the force boundaries fix them), so they are
/// computed on first use after an ingest (1.3 s for 189,535 map points in a release build) and stored
/// here for every later query; ingest itself stays a crime-rows job. The file names the snapshot
/// it was made for (``Snapshot/catchmentIdentity``): a stale, damaged or missing file is simply
/// computed again, and a mirror folder that cannot be written to keeps them in memory.
///
/// Sections: identity u64s, meta (JSON: projection used), WKB offsets u64 × (n+1), WKB bytes
/// (BNG metres), planar area f64, box f64 × 4, clip i16 (boundary index or -1); since the
/// incremental builds, site f64 × 2 (BNG; NaN for a point without a catchment) and one key u64 per
/// group (``CatchmentBuilder/groupKey``), which let the next build keep unchanged groups' cells.
/// Files without those two still serve their snapshot; the next build just computes every group.
enum CatchmentFile {
    static let fileName = "catchments.geoquery"
    static let file = SectionedFile(magic: Array("GEOQCTCH".utf8), version: 1, what: "catchment file",
                                    rebuild: "it is computed again on next use")

    enum Section: UInt32, CaseIterable { case identity = 1, meta, start, wkb, area, box, clip, site, groupKey }
    /// Sections a file may lack (written before they were): it serves, but offers no reuse.
    static let optional: Set<Section> = [.site, .groupKey]

    struct Meta: Codable {
        var projection: String; var created: String
        /// Groups (the force boundaries with map points, and the points outside them) whose cells
        /// were kept from the earlier file, of all the groups; nil in files before the reuse.
        var groupsKept: Int? = nil, groups: Int? = nil
    }

    /// The catchments of `snapshot`: read from the mirror folder when it holds a file made for
    /// this snapshot, else computed and (where the folder is writable) stored.
    /// - Parameter progress: told when a computation starts and ends (not when the file is read).
    static func load(for snapshot: Snapshot, at location: MirrorLocation, progress: (@Sendable (CatchmentProgress) -> Void)? = nil) throws
        -> (bytes: SnapshotBytes, stored: Bool, views: [Section: UnsafeRawBufferPointer]) {
        try load(identity: snapshot.catchmentIdentity, mapPoints: snapshot.array(.pointLat, as: Int32.self).count,
                 inputs: { try Inputs(snapshot) }, at: location, progress: progress)
    }

    /// The catchments named by `identity` (of `mapPoints` points): read from the mirror folder
    /// when it holds them, else computed from `inputs` and (where the folder is writable) stored.
    static func load(identity: [UInt64], mapPoints: Int, inputs: () throws -> Inputs, at location: MirrorLocation,
                     progress: (@Sendable (CatchmentProgress) -> Void)? = nil) throws
        -> (bytes: SnapshotBytes, stored: Bool, views: [Section: UnsafeRawBufferPointer]) {
        if let found = stored(identity, at: location) { return (found.bytes, true, found.views) }
        let path = self.path(in: location)
        let started = Date()
        progress?(.computing(mapPoints: mapPoints, file: path))
        let serialized = try compute(inputs(), previous: previous(at: location)).bytes
        var kept = false, failure: String? = nil
        if path != nil {
            // A read-only mirror (or a full disk) still answers, from memory.
            do {
                try store(serialized, at: location)
                kept = true
            } catch {
                failure = "\(error)"
            }
        }
        progress?(.computed(mapPoints: mapPoints, seconds: Date().timeIntervalSince(started), file: path, stored: kept, failure: failure))
        let bytes = SnapshotBytes(copying: serialized)
        return (bytes, kept, try sections(of: bytes, identity: identity, path: fileName))
    }

    /// Where the catchment file of a mirror folder is (nil for the embedded sample).
    static func path(in location: MirrorLocation) -> String? {
        guard case .directory(let dir) = location else { return nil }
        return (dir as NSString).appendingPathComponent(fileName)
    }

    /// The mirror folder's catchment file when it is whole and made for `identity`.
    static func stored(_ identity: [UInt64], at location: MirrorLocation) -> (bytes: SnapshotBytes, views: [Section: UnsafeRawBufferPointer])? {
        guard let path = path(in: location), let bytes = try? SnapshotBytes(mapping: path),
              let views = try? sections(of: bytes, identity: identity, path: path) else { return nil }
        return (bytes, views)
    }

    /// Writes a computed catchment file into the mirror folder, atomically.
    static func store(_ serialized: [UInt8], at location: MirrorLocation) throws {
        _ = try location.writeFile(named: fileName, what: "the catchments") { sink in serialized.withUnsafeBytes { sink.append($0) } }
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

    /// The catchment file the mirror folder holds, whatever snapshot it was made for, as cells the
    /// next build may keep; nil when there is none whole, or it predates the sites and keys.
    static func previous(at location: MirrorLocation) -> CatchmentReuse? {
        guard let path = path(in: location), let bytes = try? SnapshotBytes(mapping: path),
              let views = try? sections(of: bytes, identity: nil, path: path) else { return nil }
        return CatchmentReuse(bytes: bytes, views: views)
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
        let grid = try BritishNationalGrid.shared()
        let live = inputs.skip.map { skip in skip.indices.filter { !skip[$0] } }
        var x = live.map { $0.map { Double(inputs.lng[$0]) / 1e6 } } ?? inputs.lng.map { Double($0) / 1e6 }
        var y = live.map { $0.map { Double(inputs.lat[$0]) / 1e6 } } ?? inputs.lat.map { Double($0) / 1e6 }
        grid.toBNG(longitudes: &x, latitudes: &y)
        // The sites are BNG metres from this PROJ: another projection gives other sites, so
        // nothing is kept across one.
        let earlier = previous.flatMap { $0.projection == grid.summary ? $0 : nil }
        var t = try CatchmentBuilder.build(x: x, y: y, boundaries: inputs.boundaries, previous: earlier)
        if let live { t = t.spread(to: inputs.lat.count, at: live) }
        return Computed(bytes: try bytes(of: t, identity: inputs.identity, projection: grid.summary), groupsComputed: (t.groups - t.groupsKept, t.groups))
    }

    /// The file of the catchments `t`, made for the snapshot `identity` names.
    static func bytes(of t: CatchmentTable, identity: [UInt64], projection: String) throws -> [UInt8] {
        let meta = Array(try JSONEncoder().encode(Meta(projection: projection, created: ISO8601DateFormatter().string(from: Date()),
                                                       groupsKept: t.groupsKept, groups: t.groups)))
        var out: [(id: UInt32, bytes: SectionedFile.Bytes)] = []
        func add<T>(_ s: Section, _ values: [T]) { out.append((s.rawValue, { body in values.withUnsafeBytes { body($0) } })) }
        add(.identity, identity); add(.meta, meta)
        add(.start, t.start); add(.wkb, t.wkb); add(.area, t.area); add(.box, t.box); add(.clip, t.clip)
        add(.site, t.site); add(.groupKey, t.groupKey)
        return file.bytes(out)
    }

    /// A computed file's bytes, and how many of its groups' cells were computed (the rest kept).
    struct Computed: Sendable {
        var bytes: [UInt8]
        var groupsComputed: (computed: Int, of: Int)
    }
}
