import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import GeoQuery

/// One request of a harvest, under a key that a resumed run plans again identically.
public struct HarvestRequest: Codable, Sendable, Hashable {
    public enum Kind: String, Codable, Sendable {
        /// `crimes-street/<category>` over a ring (`poly`).
        case street
        /// `crimes-at-location`: one map point too busy to split further.
        case location
        /// `crimes-no-location` of one force.
        case noLocation = "no-location"
        /// `outcomes-at-location` over a ring (`poly`): `--outcomes`.
        case outcomes
    }

    /// `2019-01/s0.3.1`: the month, then the path of splits that made it.
    public var key: String
    public var kind: Kind
    public var month: String
    public var category: String
    /// Street requests: the ring, [lat, lng] pairs, closed, 7 decimals.
    public var ring: [[Double]]?
    /// The cell the ring covers (its area part), for splitting on a 503.
    public var cell: AreaCover.Cell?
    /// Location requests: the point.
    public var lat: Double?
    public var lng: Double?
    /// No-location requests: the force slug.
    public var force: String?

    /// The request as a path and query (`crimes-street/all-crime?poly=...&date=...`), relative to the API's base.
    public var pathAndQuery: (path: String, query: String) {
        switch kind {
        case .street:
            let poly = TilePlanner.polyParameter((ring ?? []).map { Polygon.Coordinate(lat: $0[0], lng: $0[1]) })
            return ("crimes-street/\(category)", "poly=\(poly)&date=\(month)")
        case .location:
            return ("crimes-at-location", "date=\(month)&lat=\(lat ?? 0)&lng=\(lng ?? 0)")
        case .noLocation:
            return ("crimes-no-location", "category=\(category)&force=\(force ?? "")&date=\(month)")
        case .outcomes:
            let poly = TilePlanner.polyParameter((ring ?? []).map { Polygon.Coordinate(lat: $0[0], lng: $0[1]) })
            return ("outcomes-at-location", "poly=\(poly)&date=\(month)")
        }
    }

    /// The HTTP request: GET, or POST with the parameters as a form body when the GET URL would
    /// exceed the API's 4,094 characters.
    public func urlRequest(base: URL, userAgent: String, timeout: TimeInterval) -> URLRequest {
        let (path, query) = pathAndQuery
        let root = base.absoluteString.hasSuffix("/") ? base.absoluteString : base.absoluteString + "/"
        let get = root + path + "?" + query
        var r: URLRequest
        if get.utf8.count <= TilePlanner.urlLimit, let url = URL(string: get) {
            r = URLRequest(url: url)
        } else {
            r = URLRequest(url: URL(string: root + path)!)
            r.httpMethod = "POST"
            r.setValue("application/x-www-form-urlencoded", forHTTPHeaderField: "Content-Type")
            r.httpBody = Data(query.utf8)
        }
        r.timeoutInterval = timeout
        r.setValue(userAgent, forHTTPHeaderField: "User-Agent")
        r.setValue("application/json", forHTTPHeaderField: "Accept")
        return r
    }

    /// Words for messages: the kind, key and what it asks.
    public var summary: String {
        switch kind {
        case .street: return "crimes-street \(key) (\(max(0, (ring?.count ?? 1) - 1))-vertex ring)"
        case .location: return "crimes-at-location \(key) (\(lat ?? 0),\(lng ?? 0))"
        case .noLocation: return "crimes-no-location \(key) (\(force ?? "?"))"
        case .outcomes: return "outcomes-at-location \(key) (\(max(0, (ring?.count ?? 1) - 1))-vertex ring)"
        }
    }

    /// The street requests covering `area` inside `cell`, one per part, keyed under `key`.
    static func covering(_ area: Area, cell: AreaCover.Cell, key: String, month: String, category: String, kind: Kind = .street) throws -> [HarvestRequest] {
        let rings = try AreaCover.rings(of: area, in: cell)
        return rings.enumerated().map { i, ring in
            HarvestRequest(key: rings.count == 1 ? key : "\(key)p\(i)", kind: kind, month: month, category: category,
                           ring: ring.map { [$0.lat, $0.lng] }, cell: cell)
        }
    }

    /// The `outcomes-at-location` request for the same place as this street or location request
    /// (`--outcomes`), keyed `o` + its key. A map point's is a square of half a micro-degree around
    /// it: it holds that point and no other (points sit on the micro-degree grid).
    func outcomesTwin() -> HarvestRequest? {
        let slash = key.firstIndex(of: "/").map { key.index(after: $0) } ?? key.startIndex
        let twinKey = String(key[..<slash]) + "o" + key[slash...]
        switch kind {
        case .street:
            return HarvestRequest(key: twinKey, kind: .outcomes, month: month, category: category, ring: ring, cell: cell)
        case .location:
            guard let lat, let lng else { return nil }
            let h = 5e-7
            let square = [[lat - h, lng - h], [lat - h, lng + h], [lat + h, lng + h], [lat + h, lng - h], [lat - h, lng - h]]
            return HarvestRequest(key: twinKey, kind: .outcomes, month: month, category: category, ring: square)
        case .noLocation, .outcomes:
            return nil
        }
    }

    /// The requests replacing this one after a 503 (too many crimes): the area inside each
    /// quadrant of its cell; for a cell too small to split, whose crimes are all at the one map
    /// point it can hold, that point's `crimes-at-location`. Empty for a request that is not a
    /// street request (nothing smaller to ask).
    func split(area: Area) throws -> [HarvestRequest] {
        guard kind == .street || kind == .outcomes, let cell else { return [] }
        let quarters = cell.quadrants
        guard !quarters.isEmpty else {
            let p = cell.onlyPoint
            let point = HarvestRequest(key: "\(key).L", kind: .location, month: month, category: category, lat: p.lat, lng: p.lng)
            // One map point's outcomes over the cap: a square around it, which cannot be split further.
            return kind == .street ? [point] : [point.outcomesTwin().map { HarvestRequest(key: "\(key).L", kind: .outcomes, month: month, category: category, ring: $0.ring) }!]
        }
        return try quarters.enumerated().flatMap { q, quarter in
            try HarvestRequest.covering(area, cell: quarter, key: "\(key).\(q)", month: month, category: category, kind: kind)
        }
    }
}
