/// Where a `--postcode` query is centred: a unit's centroid, or the mean of a sector's or
/// district's unit centroids.
///
/// A unit centroid is one point (Code-Point Open and ONSPD place it at a delivery address near
/// the middle of the unit's ~15 addresses); a sector or district centroid is the plain mean of
/// its units' latitudes and longitudes, which over a district's few kilometres differs from a
/// geodesic mean by centimetres.
public struct PostcodeCentre: Sendable, Equatable, CustomStringConvertible {
    /// The postcode, sector or district, normalised ("LE1 5WW", "LE1 5", "LE1").
    public var postcode: Postcode
    /// How many unit centroids the centre stands for (1 for a unit).
    public var postcodes: Int
    public var lat: Double
    public var lng: Double
    /// What a reader must know about coverage there (Scotland, Northern Ireland).
    public var notes: [String]

    public var kind: Postcode.Kind { postcode.kind }

    /// "centre: LE1 5WW postcode centroid (52.631234, -1.132345)", "centre: LE1 5 sector
    /// centroid of 312 postcodes (…)".
    public var description: String { "centre: " + label }

    /// "LE1 5WW postcode centroid (52.631234, -1.132345)": the place, as a report names it.
    public var label: String {
        let at = "(\(Format.decimal(lat, places: 6)), \(Format.decimal(lng, places: 6)))"
        switch kind {
        case .unit: return "\(postcode) postcode centroid \(at)"
        case .sector, .district: return "\(postcode) \(kind.rawValue) centroid of \(Format.grouped(postcodes)) postcodes \(at)"
        }
    }
}

extension PostcodeTable {
    /// Resolves a unit, sector or district in any spelling to its centre.
    /// - Throws: ``GeoQueryError/invalidPostcode(_:)`` for text of no postcode shape,
    ///   ``GeoQueryError/postcodeNotFound(_:)`` naming the nearest postcodes held: for a unit,
    ///   its alphabetical neighbours in the same sector (Royal Mail allocates units along
    ///   delivery walks, so neighbours in the alphabet are mostly neighbours on the ground);
    ///   for a sector, the sectors of its district; for a district, the districts of its area.
    /// - Complexity: O(log n) for a unit; O(log n + units) for a sector or district.
    public func resolve(_ text: String) throws -> PostcodeCentre {
        let p = try Postcode(parsing: text)
        let units = self.units(p)
        guard !units.isEmpty else { throw GeoQueryError.postcodeNotFound(notFound(p)) }
        var sumLat = 0.0, sumLng = 0.0
        for i in units { sumLat += lat[i]; sumLng += lng[i] }
        let n = Double(units.count)
        return PostcodeCentre(postcode: p, postcodes: units.count, lat: sumLat / n, lng: sumLng / n,
                              notes: p.coverageNote.map { [$0] } ?? [])
    }

    /// "postcode not found: LE1 9ZZ; nearest known postcodes in sector LE1 9: …".
    private func notFound(_ p: Postcode) -> String {
        let what = p.kind == .unit ? "postcode" : "postcode \(p.kind.rawValue)"
        let head = "\(what) not found: \(p)"
        func list(_ items: [Postcode], limit: Int = 12) -> String {
            items.prefix(limit).map(\.description).joined(separator: ", ") + (items.count > limit ? ", …" : "")
        }
        if let sector = p.sector, p.kind == .unit {
            let inSector = units(sector)
            if !inSector.isEmpty {
                // Up to 5 units around the insertion point, alphabetically.
                let at = lowerBound(p.key)
                let lo = max(inSector.lowerBound, min(at - 2, inSector.upperBound - 5))
                let near = (lo..<min(inSector.upperBound, lo + 5)).map { Postcode(key: keys[$0]) }
                return "\(head); nearest known postcodes in sector \(sector) (alphabetical neighbours): \(list(near))"
            }
        }
        let district = p.district
        if p.kind != .district {
            let sectors = distinct(units(district), inwardLength: 1)
            if !sectors.isEmpty { return "\(head); sectors held in district \(district): \(list(sectors))" }
        }
        let area = p.area
        // Every unit whose first letter is the area's, then those of the area itself (E, not EC).
        let districts = distinct(units(keyPrefix: p.key >> 48, bytes: 1), inwardLength: 0).filter { $0.area == area }
            .sorted { ($0.outward.count, $0.outward) < ($1.outward.count, $1.outward) }  // LE2 before LE10
        if !districts.isEmpty { return "\(head); districts held in area \(area): \(list(districts, limit: 20))" }
        let areas = distinct(0..<count, inwardLength: 0).map(\.area).reduce(into: [String]()) { if $0.last != $1 { $0.append($1) } }
        // Load that area's postcodes, but know first what Police UK holds there.
        let coverage = p.coverageNote.map { " (\($0))" } ?? ""
        return "\(head); this mirror holds postcodes in area(s) \(areas.joined(separator: ", ")) only\(coverage)"
    }
}
