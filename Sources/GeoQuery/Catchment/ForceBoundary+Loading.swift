import Foundation

extension ForceBoundary {
    /// Reads force boundaries from GeoJSON files (FeatureCollections such as ONS's police force
    /// areas), projected to British National Grid. Invalid rings are repaired with GEOS MakeValid
    /// (the generalised ONS file has some) and each repair is returned as a warning.
    /// Feature names come from `PFA20NM`/`name`-like properties.
    static func load(_ paths: [String]) throws -> (boundaries: [ForceBoundary], warnings: [String]) {
        let grid = try BritishNationalGrid.shared()
        let geos = GEOSContext()
        var boundaries: [ForceBoundary] = [], warnings: [String] = [], seen: [String: Int] = [:]
        for path in paths {
            // read(2)'s own reason ("No such file or directory"), not Foundation's "The operation
            // could not be completed".
            var bytes: [UInt8] = []
            let count = try IngestSource.readFile(path, what: "a boundary file", into: &bytes)
            let text = String(decoding: bytes[..<count], as: UTF8.self)
            let features: [PolygonReader.Feature]
            do { features = try PolygonReader.geojsonFeatures(text, key: nil, repair: true) } catch let e as GeoQueryError {
                throw GeoQueryError.unreadableInput("\(path): not a GeoJSON file of boundary polygons (\(e.description))")
            }
            // Boundaries say which force is responsible where (coverage notes, harvests): a file
            // of other areas (LSOAs) made each one a "force" holding no data.
            let unknown = features.map(\.key).filter { Force.info($0) == nil }
            if !features.isEmpty && unknown.count == features.count {
                throw GeoQueryError.unreadableInput("\(path): none of its \(features.count) feature(s) names a police force (the first is '\(unknown[0])'): --boundaries takes police force areas, such as ONS's (named by PFA20NM or PFA20CD); nothing was written")
            }
            if !unknown.isEmpty {
                let shown = unknown.prefix(5).joined(separator: ", ") + (unknown.count > 5 ? ", …" : "")
                warnings.append("\(path): \(unknown.count) of its \(features.count) features name no police force (\(shown)): each is kept as an area of its own, responsible for its part")
            }
            for f in features {
                warnings += f.polygon.warnings.map { "\(path): \($0)" }
                var g = try grid.bngGeometry(f.polygon, in: geos)
                if !g.isValid { g = try g.makeValid() }
                seen[f.key, default: 0] += 1
                let name = seen[f.key]! == 1 ? f.key : "\(f.key) (\(seen[f.key]!))"
                var lonLat = try f.polygon.geometry(in: geos)
                if !lonLat.isValid { lonLat = try lonLat.makeValid() }
                boundaries.append(ForceBoundary(name: name, wkb: g.wkb, lonLatWKB: lonLat.wkb))
            }
        }
        return (boundaries, warnings)
    }
}

extension BritishNationalGrid {
    /// A WGS84 polygon as a GEOS geometry in BNG metres (vertices projected; edges stay straight,
    /// which for query-sized edges differs from the lat/lng-straight edge by millimetres).
    func bngGeometry(_ polygon: Polygon, in geos: GEOSContext) throws -> Geometry {
        let parts = polygon.parts.map { part in
            part.map { ring -> [(Double, Double)] in
                var xs = ring.map(\.lng), ys = ring.map(\.lat)
                toBNG(longitudes: &xs, latitudes: &ys)
                return Array(zip(xs, ys))
            }
        }
        return try geos.polygon(parts)
    }
}
