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
/// (BNG metres), planar area f64, box f64 × 4, clip i16 (boundary index or -1).
enum CatchmentFile {
    static let fileName = "catchments.geoquery"
    static let file = SectionedFile(magic: Array("GEOQCTCH".utf8), version: 1, what: "catchment file",
                                    rebuild: "it is computed again on next use")

    enum Section: UInt32, CaseIterable { case identity = 1, meta, start, wkb, area, box, clip }

    struct Meta: Codable { var projection: String; var created: String }

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
        let serialized = try compute(inputs())
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
    static func sections(of bytes: SnapshotBytes, identity: [UInt64], path: String, verifyAll: Bool = true) throws -> [Section: UnsafeRawBufferPointer] {
        let raw = bytes.raw
        let table = try file.sections(raw, path: path)
        let damaged = GeoQueryError.mirrorCorrupt("\(path) is damaged: \(file.rebuild)")
        var views: [Section: UnsafeRawBufferPointer] = [:]
        for s in Section.allCases {
            guard let e = table[s.rawValue] else { throw damaged }
            views[s] = SectionedFile.bytes(raw, e)
        }
        guard SectionedFile.verify(raw, Section.allCases.filter { verifyAll || $0 == .identity }.map { table[$0.rawValue]! }) else { throw damaged }
        guard Array(views[.identity]!.assumingMemoryBound(to: UInt64.self)) == identity else {
            throw GeoQueryError.mirrorCorrupt("\(path) was made for another snapshot: \(file.rebuild)")
        }
        return views
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
    static func compute(_ inputs: Inputs) throws -> [UInt8] {
        let grid = try BritishNationalGrid.shared()
        let live = inputs.skip.map { skip in skip.indices.filter { !skip[$0] } }
        var x = live.map { $0.map { Double(inputs.lng[$0]) / 1e6 } } ?? inputs.lng.map { Double($0) / 1e6 }
        var y = live.map { $0.map { Double(inputs.lat[$0]) / 1e6 } } ?? inputs.lat.map { Double($0) / 1e6 }
        grid.toBNG(longitudes: &x, latitudes: &y)
        var t = try CatchmentBuilder.build(x: x, y: y, boundaries: inputs.boundaries)
        if let live { t = t.spread(to: inputs.lat.count, at: live) }
        let meta = Array(try JSONEncoder().encode(Meta(projection: grid.summary, created: ISO8601DateFormatter().string(from: Date()))))
        var out: [(id: UInt32, bytes: SectionedFile.Bytes)] = []
        func add<T>(_ s: Section, _ values: [T]) { out.append((s.rawValue, { body in values.withUnsafeBytes { body($0) } })) }
        add(.identity, inputs.identity); add(.meta, meta)
        add(.start, t.start); add(.wkb, t.wkb); add(.area, t.area); add(.box, t.box); add(.clip, t.clip)
        return file.bytes(out)
    }
}
