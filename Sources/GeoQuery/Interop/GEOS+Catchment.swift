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

    /// Appends this polygon's or multipolygon's little-endian 2D WKB to `out`, byte for byte what
    /// GEOS's writer gives (``wkb``), written from the coordinate sequences: GEOS's writer sets
    /// up a C++ stream per call, which cost a catchment build as much as a seventh of its time.
    /// Other geometry types go through GEOS's writer.
    func appendWKB(to out: inout [UInt8]) {
        let h = context.handle
        func uint32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) } }
        var coordinates: [Double] = []  // one ring's x, y, aligned (WKB's doubles are not)
        func polygon(_ p: OpaquePointer) {
            out.append(1)  // little-endian
            uint32(3)
            let holes = GEOSisEmpty_r(h, p) == 1 ? -1 : Int(GEOSGetNumInteriorRings_r(h, p))
            uint32(UInt32(holes + 1))
            guard holes >= 0 else { return }
            for r in -1..<holes {
                let ring = r < 0 ? GEOSGetExteriorRing_r(h, p)! : GEOSGetInteriorRingN_r(h, p, Int32(r))!
                let seq = GEOSGeom_getCoordSeq_r(h, ring)!  // borrowed from the ring
                var n: UInt32 = 0
                _ = GEOSCoordSeq_getSize_r(h, seq, &n)
                uint32(n)
                let count = 2 * Int(n)
                if coordinates.count < count { coordinates = [Double](repeating: 0, count: count) }
                coordinates.withUnsafeMutableBufferPointer { buffer in
                    _ = GEOSCoordSeq_copyToBuffer_r(h, seq, buffer.baseAddress, 0, 0)
                    // x, y as little-endian doubles: the buffer's own bytes on a little-endian machine.
                    for k in 0..<count { buffer[k] = Double(bitPattern: buffer[k].bitPattern.littleEndian) }
                    out.append(contentsOf: UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: buffer[0..<count])))
                }
            }
        }
        switch typeID {
        case 3: polygon(pointer)
        case 6:
            out.append(1)
            uint32(6)
            let n = GEOSGetNumGeometries_r(h, pointer)
            uint32(UInt32(max(n, 0)))
            for i in 0..<max(n, 0) { polygon(GEOSGetGeometryN_r(h, pointer, i)!) }
        default: out += wkb
        }
    }

    /// Calls `body` with a Polygon's exterior ring as x, y pairs (a buffer reused between calls);
    /// nil for other types and empty polygons.
    func withExteriorRing<R>(buffer: inout [Double], _ body: (UnsafeBufferPointer<Double>) -> R) -> R? {
        let h = context.handle
        guard typeID == 3, GEOSisEmpty_r(h, pointer) == 0, let ring = GEOSGetExteriorRing_r(h, pointer),
              let seq = GEOSGeom_getCoordSeq_r(h, ring) else { return nil }
        var n: UInt32 = 0
        _ = GEOSCoordSeq_getSize_r(h, seq, &n)
        if buffer.count < 2 * Int(n) { buffer = [Double](repeating: 0, count: 2 * Int(n)) }
        return buffer.withUnsafeMutableBufferPointer { b in
            _ = GEOSCoordSeq_copyToBuffer_r(h, seq, b.baseAddress, 0, 0)
            return body(UnsafeBufferPointer(rebasing: b[0..<(2 * Int(n))]))
        }
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
