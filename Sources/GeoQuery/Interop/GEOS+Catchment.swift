import CGEOS

// What catchments need from GEOS: Voronoi diagrams, rectangle clips, buffers, WKB for storage
// (polygons are built and read by the one builder and ring reader in GEOS.swift). Ownership notes follow
// the GEOS C API: `create*` functions take ownership of the sequences/rings/geometries passed in;
// `Get*` functions return pointers borrowed from their parent.

extension GEOSContext {
    /// Voronoi cells of `sites` (x, y), clipped to `envelope` (which must contain every site).
    /// GEOS 3.11 returns cells in no particular order; ``VoronoiCells`` pairs them with sites.
    func voronoi(sites: [(Double, Double)], envelope: Geometry) throws -> [Geometry] {
        var points: [OpaquePointer?] = sites.map { GEOSGeom_createPointFromXY_r(handle, $0.0, $0.1) }
        // createCollection takes ownership of the points.
        let multi = points.withUnsafeMutableBufferPointer {
            GEOSGeom_createCollection_r(handle, Int32(GEOS_MULTIPOINT.rawValue), $0.baseAddress, UInt32($0.count))
        }
        let sitesGeometry = Geometry(self, multi!)
        // onlyEdges = 0: polygons; returns NULL on exception.
        guard let cells = GEOSVoronoiDiagram_r(handle, sitesGeometry.pointer, envelope.pointer, 0, 0) else {
            throw GeoQueryError.catchment("GEOS could not build the Voronoi diagram of \(sites.count) map points")
        }
        return Geometry(self, cells).subgeometries()
    }

    /// Reads a geometry from WKB bytes.
    func readWKB(_ bytes: UnsafeRawBufferPointer) throws -> Geometry {
        let reader = GEOSWKBReader_create_r(handle)
        defer { GEOSWKBReader_destroy_r(handle, reader) }
        guard let p = GEOSWKBReader_read_r(handle, reader, bytes.bindMemory(to: UInt8.self).baseAddress, bytes.count) else {
            throw GeoQueryError.mirrorCorrupt("a stored catchment could not be read (damaged mirror): re-run geoquery ingest")
        }
        return Geometry(self, p)
    }
}

extension Geometry {
    /// The parts of a collection, borrowed (each keeps the collection alive; a clone of every
    /// Voronoi cell cost as much as writing it out); the geometry itself when it is not one.
    func subgeometries() -> [Geometry] {
        let n = GEOSGetNumGeometries_r(context.handle, pointer)
        return (0..<max(n, 0)).map { Geometry(part: $0, of: self) }
    }

    /// The part of this geometry inside an axis-aligned rectangle (`GEOSClipByRect_r`: fast, but
    /// the result may be invalid in degenerate cases, so callers intersect it again).
    func clipped(minX: Double, minY: Double, maxX: Double, maxY: Double) throws -> Geometry {
        guard let p = GEOSClipByRect_r(context.handle, pointer, minX, minY, maxX, maxY) else {
            throw GeoQueryError.catchment("GEOS could not clip a geometry to a rectangle")
        }
        return Geometry(context, p)
    }

    /// The area within `distance` (`quadrantSegments` segments per quarter circle).
    func buffer(_ distance: Double, quadrantSegments: Int32 = 16) throws -> Geometry {
        guard let p = GEOSBuffer_r(context.handle, pointer, distance, quadrantSegments) else {
            throw GeoQueryError.catchment("GEOS could not buffer a geometry")
        }
        return Geometry(context, p)
    }

    /// This polygon's or multipolygon's little-endian 2D WKB, byte for byte what GEOS's writer
    /// gives (``wkb``), written straight from the coordinate sequences into an array of its exact
    /// size: GEOS's writer sets up a C++ stream per call, which cost a catchment build as much as
    /// a seventh of its time. Other geometry types go through GEOS's writer.
    /// - Parameter scratch: a buffer reused between calls (the coordinates are copied out of GEOS
    ///   into it, aligned, then into the WKB, where doubles are not aligned).
    func wkbFromCoordinates(scratch: inout [Double]) -> [UInt8] {
        let h = context.handle
        let type = typeID
        guard type == 3 || type == 6 else { return wkb }
        // Nearly every cell is one polygon without holes: written without the lists below.
        if type == 3, GEOSisEmpty_r(h, pointer) == 0, GEOSGetNumInteriorRings_r(h, pointer) == 0 {
            let seq = GEOSGeom_getCoordSeq_r(h, GEOSGetExteriorRing_r(h, pointer)!)!
            var size: UInt32 = 0
            _ = GEOSCoordSeq_getSize_r(h, seq, &size)
            let n = Int(size)
            return [UInt8](unsafeUninitializedCapacity: 13 + 16 * n) { buffer, written in
                let base = UnsafeMutableRawPointer(buffer.baseAddress!)
                base.storeBytes(of: 1, as: UInt8.self)
                base.storeBytes(of: UInt32(3).littleEndian, toByteOffset: 1, as: UInt32.self)
                base.storeBytes(of: UInt32(1).littleEndian, toByteOffset: 5, as: UInt32.self)
                base.storeBytes(of: UInt32(n).littleEndian, toByteOffset: 9, as: UInt32.self)
                Self.copyCoordinates(seq, n, h, to: base + 13, scratch: &scratch)
                written = 13 + 16 * n
            }
        }
        let polygons: [OpaquePointer] = type == 3 ? [pointer] : (0..<max(GEOSGetNumGeometries_r(h, pointer), 0)).map { GEOSGetGeometryN_r(h, pointer, $0)! }
        // Each polygon's rings (borrowed) and their sizes; an empty polygon has none.
        var rings: [(seq: OpaquePointer, n: Int)] = []
        var ringCount: [Int] = []
        for p in polygons {
            let holes = GEOSisEmpty_r(h, p) == 1 ? -1 : Int(GEOSGetNumInteriorRings_r(h, p))
            ringCount.append(holes + 1)
            for r in stride(from: -1, to: holes, by: 1) {
                let ring = r < 0 ? GEOSGetExteriorRing_r(h, p)! : GEOSGetInteriorRingN_r(h, p, Int32(r))!
                let seq = GEOSGeom_getCoordSeq_r(h, ring)!  // borrowed from the ring
                var n: UInt32 = 0
                _ = GEOSCoordSeq_getSize_r(h, seq, &n)
                rings.append((seq, Int(n)))
            }
        }
        let size = (type == 6 ? 9 : 0) + 9 * polygons.count + rings.reduce(0) { $0 + 4 + 16 * $1.n }
        return [UInt8](unsafeUninitializedCapacity: size) { buffer, written in
            let base = UnsafeMutableRawPointer(buffer.baseAddress!)
            var at = 0
            func header(_ type: UInt32, _ count: Int) {
                base.storeBytes(of: 1, toByteOffset: at, as: UInt8.self)  // little-endian
                base.storeBytes(of: type.littleEndian, toByteOffset: at + 1, as: UInt32.self)
                base.storeBytes(of: UInt32(count).littleEndian, toByteOffset: at + 5, as: UInt32.self)
                at += 9
            }
            if type == 6 { header(6, polygons.count) }
            var next = 0
            for count in ringCount {
                header(3, count)
                for _ in 0..<count {
                    let (seq, n) = rings[next]
                    next += 1
                    base.storeBytes(of: UInt32(n).littleEndian, toByteOffset: at, as: UInt32.self)
                    at += 4
                    Self.copyCoordinates(seq, n, h, to: base + at, scratch: &scratch)
                    at += 16 * n
                }
            }
            written = at
        }
    }

    /// A sequence's n coordinates as little-endian x, y doubles at `destination` (not aligned),
    /// through the aligned `scratch`.
    private static func copyCoordinates(_ seq: OpaquePointer, _ n: Int, _ h: GEOSContextHandle_t,
                                        to destination: UnsafeMutableRawPointer, scratch: inout [Double]) {
        _ = GEOSContext.copy(seq, h, into: &scratch)
        #if _endian(big)
        for k in 0..<(2 * n) { scratch[k] = Double(bitPattern: scratch[k].bitPattern.littleEndian) }
        #endif
        scratch.withUnsafeBufferPointer { destination.copyMemory(from: $0.baseAddress!, byteCount: 16 * n) }
    }

    /// Calls `body` with the outer ring of the first non-empty polygon in this geometry (itself,
    /// or the first such part of a collection, in order) as x, y pairs, in a buffer reused
    /// between calls; nil when it holds no polygon.
    func withExteriorRing<R>(buffer: inout [Double], _ body: (UnsafeBufferPointer<Double>) -> R) -> R? {
        let h = context.handle
        func firstPolygon(_ g: OpaquePointer) -> OpaquePointer? {
            switch GEOSGeomTypeId_r(h, g) {
            case 3: return GEOSisEmpty_r(h, g) == 1 ? nil : g
            case 6, 7:
                for i in 0..<GEOSGetNumGeometries_r(h, g) { if let p = firstPolygon(GEOSGetGeometryN_r(h, g, i)!) { return p } }
                return nil
            default: return nil
            }
        }
        guard let polygon = firstPolygon(pointer), let ring = GEOSGetExteriorRing_r(h, polygon),
              let seq = GEOSGeom_getCoordSeq_r(h, ring) else { return nil }
        let n = GEOSContext.copy(seq, h, into: &buffer)
        return buffer.withUnsafeBufferPointer { body(UnsafeBufferPointer(rebasing: $0[0..<(2 * n)])) }
    }

    /// Little-endian 2D WKB.
    var wkb: [UInt8] {
        let h = context.handle
        let writer = GEOSWKBWriter_create_r(h)
        defer { GEOSWKBWriter_destroy_r(h, writer) }
        GEOSWKBWriter_setByteOrder_r(h, writer, Int32(GEOS_WKB_NDR.rawValue))
        GEOSWKBWriter_setOutputDimension_r(h, writer, 2)
        var size = 0
        // The returned buffer is owned by the caller and freed with GEOSFree_r.
        guard let bytes = GEOSWKBWriter_write_r(h, writer, pointer, &size) else { return [] }
        defer { GEOSFree_r(h, bytes) }
        return Array(UnsafeBufferPointer(start: bytes, count: size))
    }
}

extension PreparedGeometry {
    /// `g` lies wholly inside (its boundary may touch this geometry's boundary).
    func covers(_ g: Geometry) -> Bool { GEOSPreparedCovers_r(base.context.handle, pointer, g.pointer) == 1 }
}
