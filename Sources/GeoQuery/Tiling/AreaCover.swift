import Foundation

/// Request rings for an area when there are no crime counts to plan from (an empty mirror, a
/// month far from any held): the area inside a rectangular cell, split into quadrants whenever
/// the API answers that a cell holds too many crimes.
///
/// Unlike ``TilePlanner``'s rings, which hold exactly the mirror's known map points, these rings
/// cover every place of the area in the cell, so a map point the mirror has never seen is not
/// lost; they reach about 0.1 m beyond it, and the caller keeps only the crimes ``AreaMembership``
/// puts inside.
public enum AreaCover {
    /// A rectangle in degrees whose split lines fall on half micro-degrees, so that no map point
    /// (on the micro-degree grid) lies on one.
    public struct Cell: Sendable, Hashable, Codable {
        public var minLat: Double, minLng: Double, maxLat: Double, maxLng: Double

        public init(minLat: Double, minLng: Double, maxLat: Double, maxLng: Double) {
            self.minLat = minLat; self.minLng = minLng; self.maxLat = maxLat; self.maxLng = maxLng
        }

        /// The four quarters (south-west, south-east, north-west, north-east), split at the
        /// centre moved to the nearest half micro-degree; the two halves when only one side is
        /// wider than a micro-degree; empty when neither is (the cell then holds one place of the
        /// micro-degree grid, ``onlyPoint``).
        public var quadrants: [Cell] {
            func half(_ v: Double) -> Double { ((v * 1e6).rounded(.down) + 0.5) / 1e6 }
            let midLat = half((minLat + maxLat) / 2), midLng = half((minLng + maxLng) / 2)
            let splitLat = midLat > minLat && midLat < maxLat, splitLng = midLng > minLng && midLng < maxLng
            switch (splitLat, splitLng) {
            case (true, true):
                return [Cell(minLat: minLat, minLng: minLng, maxLat: midLat, maxLng: midLng),
                        Cell(minLat: minLat, minLng: midLng, maxLat: midLat, maxLng: maxLng),
                        Cell(minLat: midLat, minLng: minLng, maxLat: maxLat, maxLng: midLng),
                        Cell(minLat: midLat, minLng: midLng, maxLat: maxLat, maxLng: maxLng)]
            case (true, false):
                return [Cell(minLat: minLat, minLng: minLng, maxLat: midLat, maxLng: maxLng),
                        Cell(minLat: midLat, minLng: minLng, maxLat: maxLat, maxLng: maxLng)]
            case (false, true):
                return [Cell(minLat: minLat, minLng: minLng, maxLat: maxLat, maxLng: midLng),
                        Cell(minLat: minLat, minLng: midLng, maxLat: maxLat, maxLng: maxLng)]
            case (false, false):
                return []
            }
        }

        /// The one micro-degree place inside a cell too small to split (its sides lie on half
        /// micro-degrees), as (lat, lng) degrees: where the map point of that cell must be.
        public var onlyPoint: (lat: Double, lng: Double) {
            (((minLat + maxLat) / 2 * 1e6).rounded() / 1e6, ((minLng + maxLng) / 2 * 1e6).rounded() / 1e6)
        }
    }

    /// The cell holding the whole area, on half micro-degrees just outside it.
    public static func cell(of area: Area) throws -> Cell {
        let ring = try TilePlanner.areaPolygon(area).parts.flatMap { $0.flatMap { $0 } }
        func below(_ v: Double) -> Double { ((v * 1e6).rounded(.down) - 0.5) / 1e6 }
        func above(_ v: Double) -> Double { ((v * 1e6).rounded(.up) + 0.5) / 1e6 }
        return Cell(minLat: below(ring.map(\.lat).min() ?? 0), minLng: below(ring.map(\.lng).min() ?? 0),
                    maxLat: above(ring.map(\.lat).max() ?? 0), maxLng: above(ring.map(\.lng).max() ?? 0))
    }

    /// Closed rings (7 decimals, as sent) whose union covers every place of `area` inside `cell`:
    /// one per part of the area clipped to the cell, holes dropped, grown by 1 µ° (about 0.1 m)
    /// so that rounding to 7 decimals cuts off no map point on the edge. Empty when the area
    /// misses the cell.
    public static func rings(of area: Area, in cell: Cell) throws -> [[Polygon.Coordinate]] {
        let context = GEOSContext()
        let shape = try TilePlanner.areaPolygon(area).geometry(in: context)
        let box = context.rectangle(minX: cell.minLng, minY: cell.minLat, maxX: cell.maxLng, maxY: cell.maxLat)
        return try shape.intersection(box).polygonalParts().compactMap { part -> [Polygon.Coordinate]? in
            guard let outer = part.rings().first, outer.count >= 4 else { return nil }
            let grown = try context.polygon([[outer]]).buffered(1e-6)
            guard let ring = grown.polygonalParts().first?.rings().first else { return nil }
            return TileBuilder.rounded(ring)
        }
    }
}

/// Whether a place lies inside an area by exactly the rule queries use: the geodesic distance
/// for a circle, the polygon with its boundary included (the tree's own point tests).
/// Not for sharing between threads (a polygon holds a GEOS context).
public final class AreaMembership {
    private let test: (Int32, Int32) -> Bool

    public init(_ area: Area) throws {
        switch area {
        case .circle(let c):
            try c.validate()
            let a = CircleArea(c)
            test = { a.contains(latE6: $0, lngE6: $1) }
        case .polygon(let p):
            let a = try PolygonArea(p)
            test = { a.contains(latE6: $0, lngE6: $1) }
        }
    }

    /// Inside or on the edge; coordinates in micro-degrees, as map points are stored.
    public func contains(latE6: Int32, lngE6: Int32) -> Bool { test(latE6, lngE6) }
}

extension CrimeMirror {
    /// Whether the mirror holds any crime of force `slug` in `month`.
    public func holds(force slug: String, month: Month) -> Bool {
        guard let f = forces.firstIndex(of: slug) else { return false }
        return holds(month: month.ordinal, force: f)
    }

    /// Whether the mirror holds an outcomes file of force `slug` for `month` (the archive's
    /// outcomes CSVs, or a harvest's `--outcomes`).
    public func holdsOutcomes(force slug: String, month: Month) -> Bool { outcomePartitions.contains("\(slug) \(month)") }

    /// The force areas this mirror's coverage uses: loaded boundaries, else the built-in ones.
    public var responsibleAreas: ForceAreas { forceAreas() }
}

extension ForceAreas {
    /// The forces of `area` as coverage counts them: those whose area covers at least 1% of it
    /// (less is within the generalised boundaries' precision) or has at least 10% of its own area
    /// inside it, largest share first.
    public func forces(meeting area: Area) -> [String] {
        forcesOf(area, shares: shares(of: area)).sorted { ($0.share, $1.slug) > ($1.share, $0.slug) }.map(\.slug)
    }
}
