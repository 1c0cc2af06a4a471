import Foundation

/// A query as users type it (CLI flags or a batch JSON line), validated into a ``CrimeQuery``
/// in one place so both front ends give the same errors.
public struct QueryInput: Sendable {
    public var lat: Double?
    public var lng: Double?
    /// `800m`, `1.2km`, `0.5mi`; a bare number is miles. Default 0.5 mi.
    public var radius: String?
    public var from: String?
    public var to: String?
    /// One month, instead of `from`/`to`.
    public var date: String?
    public var categories: [String] = []
    public var forces: [String] = []
    public var excludeBTP = false
    /// Polygon forms (at most one, and not with a centre): a data.police.uk poly string, WKT,
    /// GeoJSON text, KML text.
    public var poly: String?
    public var wkt: String?
    public var geojson: String? {
        get { geojsonText ?? geojsonObject?.ownText }
        set { geojsonText = newValue; geojsonObject = nil }
    }
    private var geojsonText: String?
    /// A batch line's `geojson` object as read with the line: ``geojson`` makes its text only
    /// when asked (the reader takes the object; copying and checking the text cost ~2% a line).
    var geojsonObject: JSONBytes?
    public var kml: String?
    /// Repair an invalid polygon with GEOS MakeValid instead of refusing it.
    public var repair = false
    /// A UK postcode unit, sector or district to centre on, instead of `lat`/`lng`.
    public var postcode: String?
    /// A batch line's `id` as JSON text (a number stays a number, a string keeps its quotes),
    /// echoed in its result so results can be matched to queries.
    public var idJSON: String?
    /// Which features of a GeoJSON FeatureCollection make the area (`--feature`, `--where`).
    public var featureSelection = PolygonReader.FeatureSelection()

    public static let defaultRadius = "0.5mi"

    /// How messages name the inputs: `--from` on the command line, `from` as an HTTP parameter.
    public enum ParameterStyle: Sendable {
        /// `--from`, as the CLI's flags.
        case flags
        /// `from`, as HTTP query parameters (`exclude_btp` for `--exclude-btp`).
        case queryParameters
        /// `from`, as the keys of a batch line's JSON object (`exclude_btp`).
        case jsonKeys

        /// A parameter's name as the user types it, from its flag's name without the dashes
        /// (`exclude-btp` → `--exclude-btp` or `exclude_btp`).
        public func name(_ key: String) -> String {
            self == .flags ? "--" + key : key.replacingOccurrences(of: "-", with: "_")
        }

        /// How the user turns a flag on, as a hint's words: `pass --repair`, `pass repair=true`
        /// or `add "repair":true` (a batch line's key takes a JSON boolean).
        public func enabling(_ flag: String) -> String {
            switch self {
            case .flags: return "pass " + name(flag)
            case .queryParameters: return "pass \(name(flag))=true"
            case .jsonKeys: return "add \"\(name(flag))\":true"
            }
        }

        /// Parameters with values, as the user would type them: `--lat 52.6 --lng -1.1`,
        /// `lat=52.6&lng=-1.1` or `{"lat": 52.6, "lng": -1.1}`.
        public func setting(_ pairs: KeyValuePairs<String, String>) -> String {
            switch self {
            case .flags: return pairs.map { "\(name($0.key)) \($0.value)" }.joined(separator: " ")
            case .queryParameters: return pairs.map { "\(name($0.key))=\($0.value)" }.joined(separator: "&")
            case .jsonKeys:
                return "{" + pairs.map { "\"\(name($0.key))\": \(Double(decimal: $0.value) != nil ? $0.value : JSONWriter.quote($0.value))" }.joined(separator: ", ") + "}"
            }
        }
    }
    /// How this input's error messages name its parameters (the CLI's flags by default).
    public var parameterStyle = ParameterStyle.flags

    /// An input's name as the user typed it (`lat` → `--lat` or `lat`).
    func name(_ key: String) -> String { parameterStyle.name(key) }

    /// Whether the input gives its area as a polygon (poly, WKT, GeoJSON or KML), before any is read.
    public var givesPolygon: Bool { poly != nil || wkt != nil || geojsonText != nil || geojsonObject != nil || kml != nil }

    /// Two areas compared with one shared radius (`compare`, `/v1/compare`): the radius is the
    /// circles'; a polygon side leaves it out (its reader refuses a radius beside it), decided
    /// before either polygon is read.
    public static func comparing(_ a: QueryInput, _ b: QueryInput) -> (QueryInput, QueryInput) {
        var (a, b) = (a, b)
        // A shared --repair is for the polygon side; a circle beside one has nothing to repair
        // (two circles keep it, and are refused for it as a circle is).
        if a.givesPolygon { a.radius = nil } else if b.givesPolygon { a.repair = false }
        if b.givesPolygon { b.radius = nil } else if a.givesPolygon { b.repair = false }
        return (a, b)
    }

    /// The ways an area is given, each a bit of `polygon()`'s `given` in this order.
    private static let areaForms = ["poly", "wkt", "geojson", "kml"]

    /// The polygon, when the input names one.
    public func polygon() throws -> Polygon? {
        // Which forms are given (a batch line's GeoJSON object without making its text). Bits,
        // not a list of names: the names are made only for the error (a list was an allocation a line).
        let given = (poly != nil ? 1 : 0) | (wkt != nil ? 2 : 0) | (geojsonText != nil || geojsonObject != nil ? 4 : 0) | (kml != nil ? 8 : 0)
        guard given != 0 else { return nil }
        let flag = QueryInput.areaForms[given.trailingZeroBitCount]
        if given.nonzeroBitCount > 1 {
            let forms = QueryInput.areaForms.indices.filter { given >> $0 & 1 == 1 }.map { QueryInput.areaForms[$0] }
            throw GeoQueryError.invalidQuery("give one area: \(forms.map(name).joined(separator: " and ")) were both given")
        }
        if lat != nil || lng != nil || radius != nil || postcode != nil {
            throw GeoQueryError.invalidQuery("\(name(flag)) gives the area: leave out \(["lat", "lng", "radius", "postcode"].map(name).joined(separator: "/"))")
        }
        switch flag {
        case "poly": return try PolygonReader.poly(poly!, repair: repair, naming: parameterStyle)
        case "wkt": return try PolygonReader.wkt(wkt!, repair: repair, naming: parameterStyle)
        case "geojson":
            if let object = geojsonObject, featureSelection.isEmpty { return try PolygonReader.geojson(object, repair: repair, naming: parameterStyle) }
            return try PolygonReader.geojson(geojson!, repair: repair, naming: parameterStyle, selecting: featureSelection)
        default: return try PolygonReader.kml(kml!, repair: repair, naming: parameterStyle)
        }
    }

    public init() {}

    /// Validates and builds the query against `mirror` (its default centre, its postcodes).
    public func query(in mirror: CrimeMirror) throws -> CrimeQuery {
        try query(fallbackCentre: mirror.defaultCentre, postcodes: mirror.postcodes)
    }

    /// Validates and builds the query. `fallbackCentre` is used when no centre is given (the
    /// sample); `postcodes` is asked for the postcode table only when a postcode is given.
    public func query(fallbackCentre: (lat: Double, lng: Double)? = nil, postcodes: (() throws -> PostcodeTable)? = nil) throws -> CrimeQuery {
        let (fromMonth, toMonth) = try monthRange()
        if let polygon = try polygon() {
            var q = CrimeQuery.polygon(polygon, from: fromMonth, to: toMonth, categories: categories, forces: forces, excludeBTP: excludeBTP)
            q.parameterStyle = parameterStyle
            return q
        }
        // Asked for and not done, it would read as done: a circle has nothing to repair.
        if repair {
            // KML is the command line's only (batch lines and /v1 take no kml).
            let forms = parameterStyle == .flags ? QueryInput.areaForms : QueryInput.areaForms.filter { $0 != "kml" }
            throw GeoQueryError.invalidQuery("\(name("repair")) mends a polygon given by \(forms.map(name).joined(separator: ", ")): a circle needs no repair, leave it out")
        }
        var postcodeCentre: PostcodeCentre?
        if let text = postcode {
            if lat != nil || lng != nil { throw GeoQueryError.invalidQuery("give one centre: \(name("postcode")) or \(name("lat"))/\(name("lng")), not both") }
            _ = try Postcode(parsing: text)  // a malformed postcode is reported even where no table exists
            guard let table = try postcodes?() else {
                throw GeoQueryError.postcodeNotFound("this mirror holds no postcodes: \(PostcodeTable.missing)")
            }
            postcodeCentre = try table.resolve(text)
        }
        let centre: (Double, Double)
        switch (postcodeCentre.map { $0.lat } ?? lat, postcodeCentre.map { $0.lng } ?? lng) {
        case let (la?, lo?): centre = (la, lo)
        case (nil, nil):
            guard let f = fallbackCentre else {
                throw GeoQueryError.invalidQuery("give a centre with \(name("lat")) and \(name("lng")) (decimal degrees, e.g. \(parameterStyle.setting(["lat": "52.6297", "lng": "-1.1316"])))")
            }
            centre = f
        default: throw GeoQueryError.invalidQuery("give both \(name("lat")) and \(name("lng"))")
        }
        let radiusText = (radius ?? QueryInput.defaultRadius).trimmed
        let r = try Distance(parsing: radiusText)
        // A bare number is miles, so "800" meant as metres lands far over the cap.
        if Double(radiusText) != nil, r.metres > Circle.maxRadius.metres {
            throw GeoQueryError.invalidRadius("radius \(radiusText) is above the cap of 10 mi (16.1 km): a bare number is miles; did you mean \(radiusText)m?")
        }
        // Map points are placed to a micro-degree (~0.1 m): a smaller circle holds at most the one
        // at its centre, and its outline collapses once projected (catchments, reports).
        if r.metres > 0 && r.metres < Circle.minRadius.metres {
            throw GeoQueryError.invalidRadius("radius must be at least 0.1 m (got \(r.metres) m): map points are placed to about 0.1 m apart; for one map point's crimes use 'geoquery point'")
        }
        var q = CrimeQuery.radius(lat: centre.0, lng: centre.1, r, from: fromMonth, to: toMonth,
                                  categories: categories, forces: forces, excludeBTP: excludeBTP)
        q.centre = postcodeCentre
        q.parameterStyle = parameterStyle
        if case .circle(let c) = q.area { try c.validate(naming: parameterStyle) }
        return q
    }

    /// `--from`/`--to` or `--date`, checked.
    public func monthRange() throws -> (Month?, Month?) {
        var fromMonth = try from.map { try month($0, flag: "from") }
        var toMonth = try to.map { try month($0, flag: "to") }
        if let d = date {
            guard from == nil && to == nil else { throw GeoQueryError.invalidMonth("use either \(name("date")) or \(name("from"))/\(name("to")), not both") }
            let m = try month(d, flag: "date")
            fromMonth = m
            toMonth = m
        }
        if let a = fromMonth, let b = toMonth, a > b {
            throw GeoQueryError.invalidMonth("the month range is reversed: \(name("from")) \(a) is after \(name("to")) \(b)")
        }
        return (fromMonth, toMonth)
    }

    func month(_ text: String, flag: String) throws -> Month {
        let t = text.trimmed
        guard let m = Month(t) else {
            // A well-formed month before 1900 (Month's floor) is a month, just not one of the data's.
            let u = Array(t.utf8)
            if u.count == 7, u[4] == UInt8(ascii: "-"), u[0..<4].allSatisfy({ (0x30...0x39).contains($0) }),
               let year = Int(t.prefix(4)), year < 1900, let mm = Int(t.suffix(2)), (1...12).contains(mm) {
                throw GeoQueryError.invalidMonth("\(name(flag)) '\(text)' is before 1900, the earliest month geoquery reads (Police UK's street-level data starts in 2010-12)")
            }
            let hint = Month.meant(by: t).map { "did you mean \($0)? " } ?? ""
            throw GeoQueryError.invalidMonth("\(name(flag)) '\(text)' is not a month: \(hint)use YYYY-MM, e.g. 2019-01")
        }
        return m
    }

    /// The keys a batch line may hold, in ``BatchKey`` order.
    static let batchKeys = BatchKey.allCases.map(\.spelling)

    /// A batch line's key; its raw value is its place in ``batchKeys``.
    enum BatchKey: Int, CaseIterable {
        case lat, lng, radius, from, to, date, category, force, excludeBTP, id, poly, wkt, geojson, repair, postcode
        /// As a line spells it: the case's name, but `exclude_btp`.
        fileprivate var spelling: String { self == .excludeBTP ? "exclude_btp" : String(describing: self) }
        var name: String { QueryInput.batchKeys[rawValue] }
    }

    /// Up to 16 bytes of a key packed into two integers with its length (nil for longer keys):
    /// each member's key is matched against ``batchKeys`` by integer compares, once per line.
    /// (String compares, a scan of the list per member and per key looked up, were ~1% of a line.)
    private static func packed(_ key: String) -> (UInt64, UInt64, Int)? {
        var a: UInt64 = 0, b: UInt64 = 0, n = 0
        for c in key.utf8 {
            guard n < 16 else { return nil }
            if n < 8 { a |= UInt64(c) << UInt64(8 * n) } else { b |= UInt64(c) << UInt64(8 * (n - 8)) }
            n += 1
        }
        return (a, b, n)
    }
    private static let packedBatchKeys = batchKeys.map { packed($0)! }

    /// The ``BatchKey`` spelled `key`, or nil.
    static func batchKey(_ key: String) -> BatchKey? {
        guard let p = packed(key) else { return nil }
        return packedBatchKeys.firstIndex { $0 == p }.flatMap(BatchKey.init(rawValue:))
    }

    /// Reads one batch line: `{"lat":52.63,"lng":-1.13,"radius":"0.5mi","from":"2020-01","to":"2020-12","category":["burglary"]}`.
    /// `category` and `force` take a string or an array; `radius` a string or a number of miles.
    public init(jsonLine line: String) throws {
        try self.init(batchLine: try BatchLine(line))
    }

    /// The query of a parsed batch line (see ``BatchLine``).
    public init(batchLine: BatchLine) throws {
        let json = batchLine.json
        // Each member to its key's slot, in one pass: the first unknown key is refused. (A key
        // given twice never gets here: the byte reader refuses the line, and Foundation's reading
        // then says so, `JSONInput.repeated`.) A key's member by its place, -1 for none.
        var slot = [Int](count: BatchKey.allCases.count) { $0.initialize(repeating: -1) }
        for (i, m) in json.members.enumerated() {
            guard let k = QueryInput.batchKey(m.key) else {
                throw GeoQueryError.invalidQuery("unknown key '\(m.key)' (known: \(QueryInput.batchKeys.sorted().joined(separator: ", ")))")
            }
            assert(slot[k.rawValue] < 0, "JSONBytes refuses a key given twice")
            slot[k.rawValue] = i
        }
        func member(_ k: BatchKey) -> Range<Int>? { slot[k.rawValue] < 0 ? nil : json.members[slot[k.rawValue]].value }
        func number(_ k: BatchKey) throws -> Double? {
            guard let v = member(k) else { return nil }
            if let n = json.number(v) { return n }
            if let s = json.string(v), let d = Double(decimal: s) { return d }
            throw GeoQueryError.invalidCoordinate("'\(k.name)' must be a number")
        }
        func string(_ k: BatchKey) throws -> String? {
            guard let v = member(k) else { return nil }
            if let s = json.string(v) { return s }
            throw GeoQueryError.invalidQuery("'\(k.name)' must be a string like \"2020-01\"")
        }
        func list(_ k: BatchKey) throws -> [String] {
            guard let v = member(k) else { return [] }
            if let s = json.string(v) { return [s] }
            if let a = json.strings(v) { return a }
            throw GeoQueryError.invalidQuery("'\(k.name)' must be a string or an array of strings")
        }
        func flag(_ k: BatchKey) throws -> Bool? {
            guard let v = member(k) else { return nil }
            // Foundation's Bool bridging (which also takes 0 and 1), as before.
            if let b = json.bool(v) ?? (json.foundationValue(v) as? Bool) { return b }
            throw GeoQueryError.invalidQuery("'\(k.name)' must be true or false")
        }
        self.init()
        parameterStyle = .jsonKeys
        lat = try number(.lat)
        lng = try number(.lng)
        if let r = member(.radius) {
            if let s = json.string(r) { radius = s } else if json.kind(r) == .number, let n = json.foundationValue(r) as? NSNumber {
                // A number of miles as Foundation spells it (1.0 is "1"), as the error messages quote it.
                radius = n.stringValue
            } else {
                throw GeoQueryError.invalidRadius("'radius' must be a string such as \"800m\" or a number of miles")
            }
        }
        from = try string(.from)
        to = try string(.to)
        date = try string(.date)
        categories = try list(.category)
        forces = try list(.force)
        idJSON = batchLine.id
        postcode = try string(.postcode)
        poly = try string(.poly)
        wkt = try string(.wkt)
        if let g = member(.geojson) {
            switch json.kind(g) {
            case .string: geojson = json.string(g)
            // The object's own text: the reader takes it from the bytes.
            case .object:
                if let object = JSONBytes(json, object: g) { geojsonObject = object } else { geojson = json.text(g) }
            case .array: geojson = json.text(g)
            // A number, boolean or null: Foundation's spelling of it (or the line's, for a number
            // Foundation refuses), which the GeoJSON reader then refuses in its words. (Written
            // without `.fragmentsAllowed`, such a value made Foundation stop the process.)
            default:
                geojson = json.foundationValue(g).flatMap { try? JSONSerialization.data(withJSONObject: $0, options: .fragmentsAllowed) }
                    .map { String(decoding: $0, as: UTF8.self) } ?? json.text(g)
            }
        }
        repair = try flag(.repair) ?? false
        excludeBTP = try flag(.excludeBTP) ?? false
    }
}

/// One line of `geoquery batch` input, parsed: its `id` is known before the query is checked, so
/// an error line can echo it.
public struct BatchLine {
    /// The line's `id` as JSON text, when it has one.
    public let id: String?
    let json: JSONBytes

    /// Parses the line's JSON object from its bytes; a syntax error names the column.
    public init(_ line: String) throws {
        json = try JSONInput.bytes(line, what: "the line", example: "each batch line is one query such as {\"lat\":52.63,\"lng\":-1.13,\"radius\":\"0.5mi\"}")
        // (Not `map(json.literal)`: a method taken as a value holds a copy of the line's bytes.)
        if let r = json.member("id") { id = json.literal(r) } else { id = nil }
    }

    /// The `id` of a line refused before its id could be read (a key given twice), when
    /// Foundation reads the line and `"id"` is keyed once in it: so its error object still
    /// carries it. Nil otherwise (an id given twice is no one id; an `"id"` nested too is left).
    public static func id(ofRefused line: String) -> String? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], let v = object["id"],
              let keyed = try? NSRegularExpression(pattern: #"[{,]\s*"id"\s*:"#),
              keyed.numberOfMatches(in: line, range: NSRange(line.startIndex..., in: line)) == 1 else { return nil }
        return JSONInput.literal(v)
    }
}
