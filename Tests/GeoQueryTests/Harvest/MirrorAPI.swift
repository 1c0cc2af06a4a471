import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
@testable import GeoQuery
import GeoQueryHarvest

/// A data.police.uk stand-in answering from the real mirror in-process (for the harvester's
/// pieces; the end-to-end tests use `geoquery serve`): crimes-street (GET or POST poly),
/// crimes-at-location, crimes-no-location (from the archive's own rows, read independently),
/// crimes-street-dates; 503 above `cap` crimes, 429 with Retry-After beyond 15 requests/s
/// (burst 30), and faults on demand. It records when each request arrived.
final class MirrorAPI: APITransport, @unchecked Sendable {
    let mirror: CrimeMirror
    let cap: Int
    private let lock = NSLock()
    private var tokens = 30.0
    private var last = Date()
    /// Arrival times of every request, and of those answered 200.
    private(set) var arrivals: [Date] = []
    private(set) var answered: [String] = []
    /// Answer 404 to every request after this many (a run that dies part-way).
    var failAfter: Int?
    /// Answer 500 to this many requests first (retries).
    var serverErrors = 0
    /// The body of a 200 crimes-street or crimes-at-location answer (default: the crimes' JSON):
    /// a truncated or foreign answer, or one missing crimes, on demand.
    var body: @Sendable ([Crime]) -> String = { $0.policeJSON() }
    /// As geoquery serve answers: each listed month's forces in crimes-street-dates (month →
    /// slugs; a month not given lists none), and crimes-street's X-GeoQuery-Coverage.
    var forcesListed: [String: [String]]?
    var coverage: String?
    /// Forces whose crimes the answers leave out (a source that lacks them).
    var lacking: Set<String> = []
    /// Forces used for no-location answers: ids after every located crime's.
    private static let noLocationRows: [(index: Int, row: ReferenceRow)] = TestData.referenceRows.enumerated()
        .filter { $0.element.lat == nil }.map { ($0.offset, $0.element) }

    init(mirror: CrimeMirror, cap: Int = 10_000) {
        self.mirror = mirror
        self.cap = cap
    }

    func data(for request: URLRequest) async throws -> (Data, URLResponse) {
        let url = request.url!
        let query = request.httpMethod == "POST" ? String(decoding: request.httpBody ?? Data(), as: UTF8.self) : (url.query ?? "")
        var params: [String: String] = [:]
        for pair in query.split(separator: "&") {
            let kv = pair.split(separator: "=", maxSplits: 1).map(String.init)
            if kv.count == 2 { params[kv[0]] = kv[1].removingPercentEncoding ?? kv[1] }
        }
        let (status, body, retryAfter) = answer(path: url.path, params: params)
        var headers = ["Content-Type": "application/json"]
        if let retryAfter { headers["Retry-After"] = retryAfter }
        if let coverage, url.path.contains("crimes-street/") { headers["X-GeoQuery-Coverage"] = coverage }
        return (Data(body.utf8), HTTPURLResponse(url: url, statusCode: status, httpVersion: "HTTP/1.1", headerFields: headers)!)
    }

    private func answer(path: String, params: [String: String]) -> (Int, String, String?) {
        lock.lock()
        let now = Date()
        arrivals.append(now)
        tokens = min(30, tokens + now.timeIntervalSince(last) * 15)
        last = now
        if tokens < 1 { lock.unlock(); return (429, "", "1") }
        tokens -= 1
        if serverErrors > 0 { serverErrors -= 1; lock.unlock(); return (500, "", nil) }
        if let f = failAfter, answered.count >= f { lock.unlock(); return (404, "", nil) }
        answered.append(path + "?" + params.map { "\($0)=\($1)" }.sorted().joined(separator: "&"))
        lock.unlock()
        let month = params["date"].flatMap(Month.init)
        do {
            if path.hasSuffix("crimes-street-dates") {
                let months = (mirror.firstMonth!...mirror.lastMonth!).months.filter { mirror.holds(month: $0.ordinal) }
                let forces = forcesListed
                return (200, "[" + months.reversed().map { m in
                    "{\"date\":\"\(m)\",\"stop-and-search\":[]" + (forces.map { f in ",\"forces\":[" + (f[m.description] ?? []).map { "\"\($0)\"" }.joined(separator: ",") + "]" } ?? "") + "}"
                }.joined(separator: ",") + "]", nil)
            }
            guard let month else { return (400, "", nil) }
            if path.hasSuffix("crimes-no-location") {
                let category = params["category"] ?? "all-crime"
                let rows = Self.noLocationRows.filter {
                    $0.row.force == params["force"] && $0.row.month == month.description && (category == "all-crime" || $0.row.category == category)
                }
                let json = rows.map { r in
                    "{\"category\":\"\(r.row.category)\",\"location_type\":\"Force\",\"location\":null,\"context\":\"\",\"outcome_status\":" +
                    (r.row.outcome == "none" ? "null" : "{\"category\":\(JSONWriter.quote(r.row.outcome)),\"date\":\"\(month)\"}") +
                    ",\"persistent_id\":\"\",\"id\":\(10_000_000 + r.index),\"location_subtype\":\"\",\"month\":\"\(month)\"}"
                }
                return (200, "[" + json.joined(separator: ",") + "]", nil)
            }
            let polygon: Polygon
            if path.hasSuffix("crimes-at-location"), let lat = params["lat"].flatMap(Double.init), let lng = params["lng"].flatMap(Double.init) {
                let d = 0.4e-6
                polygon = Polygon(parts: [[[.init(lat: lat - d, lng: lng - d), .init(lat: lat - d, lng: lng + d), .init(lat: lat + d, lng: lng + d), .init(lat: lat + d, lng: lng - d)]]])
            } else if let poly = params["poly"] {
                polygon = try PolygonReader.poly(poly)
            } else { return (400, "", nil) }
            let category = path.split(separator: "/").last.map(String.init) ?? "all-crime"
            let crimes = try mirror.crimes(.polygon(polygon, from: month, to: month, categories: category == "all-crime" || !path.contains("crimes-street") ? [] : [category]))
                .filter { !lacking.contains($0.force) }
            if crimes.count > cap { return (503, "", nil) }
            return (200, body(crimes), nil)
        } catch {
            return (400, "\(error)", nil)
        }
    }
}
