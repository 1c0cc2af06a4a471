import Foundation
import GeoQuery

/// The country the generator draws from: for every force of England and Wales plus BTP, its map
/// points and the real rows it resamples.
///
/// A force's points are the archive's real map points that lie in its built-in force area, plus
/// jittered copies near them (the archive shows one month of most forces, so it misses the quiet
/// points a force uses over years; the copies stand in for those). A force the archive lacks takes
/// a similar force's points and rows, moved and scaled onto its own area, with LSOAs renamed.
/// Rows keep their real crime type, outcome and Crime ID presence, so each force's category and
/// outcome mix, and which categories happen where, are the archive's.
struct NationalModel: Sendable {
    /// One force's points and the rows drawn from.
    struct ForceTable: Sendable {
        let slug: String
        /// "Reported by" and "Falls within".
        let name: String
        /// The archive force whose pattern was moved here, for a force the archive lacks.
        let standIn: String?
        /// Rows in an average month before scaling to the national total.
        let monthlyRows: Double
        /// Point `i`'s Longitude-to-LSOA-name fields are `encoded[offsets[i]..<offsets[i + 1]]`.
        let encoded: [UInt8]
        let offsets: [Int32]
        let latitude: [Int32], longitude: [Int32]
        /// Points `0..<parents` are real (or moved) map points; the jittered copies of point `p` are
        /// `copies[p]..<copies[p + 1]`, all at or after `parents`.
        let parents: Int
        let copies: [Int32]
        /// The archive's rows, their points renumbered to this table's parents.
        let rows: [ArchivePattern.Row]
        /// Chance, per 10,000, that a row drawn at a point with copies stays on the real point.
        let parentShare: Int

        var pointCount: Int { latitude.count }
    }

    let forces: [ForceTable]
    let crimeTypeFields: [[UInt8]]
    let outcomeFields: [[UInt8]]
    /// Multiplier for each calendar month (January first), averaging 1.
    let seasonal: [Double]
    /// Real archive points left out because the built-in force areas put them outside their force.
    let realPointsOutsideArea: Int

    /// Forces the mirror in ../shared lacks, each with a similar force that stands in for it, its
    /// assumed rows in an average month (about its 2019 street-level volume, so the country's total
    /// comes to about 500,000 a month), and its city centre in micro-degrees, where the donor's
    /// busiest square kilometre goes. Used only when the archive has no file of the force.
    static let standIns: [(force: String, donor: String, monthlyRows: Double, centre: (latitude: Int32, longitude: Int32))] = [
        ("metropolitan", "merseyside", 85_000, (51_507_400, -127_800)),            // Charing Cross
        ("greater-manchester", "south-yorkshire", 28_000, (53_480_800, -2_242_600)), // Manchester Piccadilly
        ("west-midlands", "cleveland", 25_000, (52_479_600, -1_902_600)),           // Birmingham New Street
        ("west-yorkshire", "lancashire", 27_000, (53_796_500, -1_547_800)),         // Leeds
    ]

    /// Every force of England and Wales and BTP, in the force table's order.
    static let forceSlugs: [String] = GeoQuery.Force.all.map(\.slug).filter { $0 != "northern-ireland" }

    /// Map points per row in an average month, by default: Police UK's ~750,000 points for ~500,000 rows.
    static let pointsPerMonthlyRow = 1.5
    /// Chance, per 10,000, that a row at a real point with copies stays there in a force the
    /// archive holds: with 1.5 points per monthly row this gives about as many distinct points per
    /// force-month as the archive's (~45% of rows) while 36 months use nearly every point.
    static let realParentShare = 8_000

    /// Builds the model.
    /// - Parameters:
    ///   - rowsPerMonth: the national total of an average month.
    ///   - mapPoints: how many map points the country should have (at least the real ones are kept).
    ///   - seed: drives the copies' positions.
    static func build(pattern: ArchivePattern, rowsPerMonth: Int, mapPoints: Int, seed: UInt64) throws -> NationalModel {
        let areas = ForceAreas.builtIn
        var random = SplitMix64(seed: seed ^ 0x4E41_5449_4F4E_414C) // "NATIONAL"
        var taken = Set<Int64>() // packed coordinates in use: membership only, never iterated
        var lsoaNumber = 0
        var outside = 0
        let seasonal = seasonalProfile(pattern)

        // Parents and rows of each force, before copies.
        var drafts: [Draft] = []
        for slug in forceSlugs {
            let info = GeoQuery.Force.info(slug)!
            if let real = pattern.forces[slug] {
                var draft = Draft(slug: slug, name: info.name, standIn: nil, monthlyRows: averageMonth(real, seasonal))
                var renumber = [Int32](repeating: -1, count: real.points.count)
                for (i, p) in real.points.enumerated() {
                    // BTP has no area: its points are stations anywhere.
                    if slug != GeoQuery.Force.btp && areas.force(at: GeoQuery.MicroDegrees.degrees(p.latitude), GeoQuery.MicroDegrees.degrees(p.longitude)) != slug {
                        outside += 1
                        continue
                    }
                    renumber[i] = Int32(draft.points.count)
                    draft.points.append(p)
                    taken.insert(ArchivePattern.key(p.latitude, p.longitude))
                }
                draft.rows = renumbered(real.rows, renumber)
                drafts.append(draft)
            } else if let standIn = standIns.first(where: { $0.force == slug }) {
                guard let donor = pattern.forces[standIn.donor] else {
                    throw GeoQueryError.unreadableInput("the archive has no street CSV of \(slug) nor of \(standIn.donor), which stands in for it")
                }
                drafts.append(try moved(donor, to: slug, centre: standIn.centre, name: info.name, monthlyRows: standIn.monthlyRows,
                                        areas: areas, taken: &taken, lsoaNumber: &lsoaNumber))
            } else {
                throw GeoQueryError.unreadableInput("the archive has no street CSV of \(slug) (\(info.name)); the national sample needs every force of England and Wales and BTP")
            }
        }

        if let empty = drafts.first(where: { $0.rows.isEmpty }) {
            throw GeoQueryError.unreadableInput("no usable rows for \(empty.slug) in the archive (none of its map points lies in its force area)")
        }

        // Copies: enough that the country has `mapPoints` points, each force in proportion to its rows.
        let total = drafts.reduce(0) { $0 + $1.monthlyRows }
        let scale = Double(rowsPerMonth) / total
        let perRow = pointsPerRow(drafts.map { (Double($0.points.count), $0.monthlyRows * scale) }, target: Double(mapPoints))
        var tables: [ForceTable] = []
        for draft in drafts {
            let wanted = max(Double(draft.points.count), perRow * draft.monthlyRows * scale)
            let copiesPerPoint = draft.points.isEmpty ? 0 : wanted / Double(draft.points.count) - 1
            tables.append(draft.table(copiesPerPoint: copiesPerPoint, areas: areas, random: &random, taken: &taken))
        }
        return NationalModel(
            forces: tables,
            crimeTypeFields: pattern.crimeTypes.map(StreetCSVFormat.encodedField),
            outcomeFields: pattern.outcomes.map(StreetCSVFormat.encodedField),
            seasonal: seasonal,
            realPointsOutsideArea: outside)
    }

    /// The points-per-monthly-row ratio `c` with Σ max(points, c·rows) = target (bisection; 0 when
    /// the real points alone reach the target).
    private static func pointsPerRow(_ forces: [(points: Double, rows: Double)], target: Double) -> Double {
        func total(_ c: Double) -> Double { forces.reduce(0) { $0 + max($1.points, c * $1.rows) } }
        guard total(0) < target else { return 0 }
        var low = 0.0, high = 1.0
        while total(high) < target { high *= 2 }
        for _ in 0..<60 { let mid = (low + high) / 2; if total(mid) < target { low = mid } else { high = mid } }
        return high
    }

    /// The rows whose points were kept, renumbered; "No Location" rows are kept in the same
    /// proportion as located ones (evenly spread), so leaving points out does not raise their share.
    private static func renumbered(_ rows: [ArchivePattern.Row], _ renumber: [Int32]) -> [ArchivePattern.Row] {
        let located = rows.filter { $0.point >= 0 }
        let keptShare = located.isEmpty ? 1 : Double(located.filter { renumber[Int($0.point)] >= 0 }.count) / Double(located.count)
        var unlocated = 0
        return rows.compactMap { row in
            guard row.point >= 0 else {
                unlocated += 1
                return (Double(unlocated) * keptShare).rounded(.down) > (Double(unlocated - 1) * keptShare).rounded(.down) ? row : nil
            }
            let point = renumber[Int(row.point)]
            guard point >= 0 else { return nil } // its point lies outside the force area
            var kept = row
            kept.point = point
            return kept
        }
    }

    /// A force's rows in an average month: its rows over the seasonal factors of the months held, so
    /// a force the archive holds for January only is not taken at January's level all year.
    private static func averageMonth(_ force: ArchivePattern.Force, _ seasonal: [Double]) -> Double {
        // Sorted: a dictionary's order changes from run to run, and so would the sum's last bits.
        let factors = force.rowsByMonth.keys.sorted().reduce(0.0) { $0 + (Month($1).map { seasonal[$0.month - 1] } ?? 1) }
        return Double(force.rows.count) / max(factors, 1e-9)
    }

    /// Each calendar month's rows relative to the force's level around it (the mean of its months
    /// within six either side, so a trend or a lockdown year weighs less), averaged over the
    /// archive's forces that hold at least two years; flat when none does.
    private static func seasonalProfile(_ pattern: ArchivePattern) -> [Double] {
        var sum = [Double](repeating: 0, count: 12), count = [Double](repeating: 0, count: 12)
        for slug in forceSlugs {
            guard let f = pattern.forces[slug], f.rowsByMonth.count >= 24 else { continue }
            // Sorted: a dictionary's order changes from run to run, and so would the sums' last bits.
            let held = f.rowsByMonth.compactMap { label, rows in Month(label).map { ($0, Double(rows)) } }.sorted { $0.0 < $1.0 }
            for (month, rows) in held {
                let around = held.filter { abs($0.0.ordinal - month.ordinal) <= 6 }
                let level = around.reduce(0.0) { $0 + $1.1 } / Double(around.count)
                sum[month.month - 1] += rows / level
                count[month.month - 1] += 1
            }
        }
        var profile = (0..<12).map { count[$0] > 0 ? sum[$0] / count[$0] : 1 }
        let mean = profile.reduce(0, +) / 12
        profile = profile.map { $0 / mean }
        return profile
    }
}

// MARK: - Building one force

extension NationalModel {
    /// A force's parents and rows, before copies.
    fileprivate struct Draft {
        let slug: String
        let name: String
        let standIn: String?
        let monthlyRows: Double
        /// Rows a month of the force whose rows these are (the donor's, for a moved force).
        var sourceMonthlyRows: Double
        var points: [ArchivePattern.MapPoint] = []
        var rows: [ArchivePattern.Row] = []

        init(slug: String, name: String, standIn: String?, monthlyRows: Double) {
            self.slug = slug; self.name = name; self.standIn = standIn; self.monthlyRows = monthlyRows
            sourceMonthlyRows = monthlyRows
        }

        /// Adds `copiesPerPoint` (on average) jittered copies of each point, within the force's area,
        /// at coordinates no other point has.
        func table(copiesPerPoint: Double, areas: ForceAreas, random: inout SplitMix64, taken: inout Set<Int64>) -> ForceTable {
            var latitude = points.map(\.latitude), longitude = points.map(\.longitude)
            var encoded: [UInt8] = [], offsets: [Int32] = [0]
            // Copies share their real point's street and LSOA fields.
            let places = points.map { StreetCSVFormat.placeFields(location: $0.location, lsoaCode: $0.lsoaCode, lsoaName: $0.lsoaName) }
            func encode(_ parent: Int, _ lat: Int32, _ lng: Int32) {
                StreetCSVFormat.appendLocatedFields(longitude: Int(lng), latitude: Int(lat), place: places[parent], to: &encoded)
                offsets.append(Int32(encoded.count))
            }
            for (i, p) in points.enumerated() { encode(i, p.latitude, p.longitude) }
            let spacing = localSpacing()
            let metrePerMicroLng = NationalModel.metresPerMicroDegree * NationalModel.cosine(centreLatitude)
            let whole = Int(copiesPerPoint), fractionPer10k = Int((copiesPerPoint - Double(whole)) * 10_000)
            var copies: [Int32] = [Int32(points.count)]
            for (i, p) in points.enumerated() {
                let wanted = whole + (random.chance(fractionPer10k) ? 1 : 0)
                var made = 0, tries = 0
                // A few tries per copy: near a coast or border most offsets may land outside.
                while made < wanted && tries < 4 * wanted + 4 {
                    tries += 1
                    let radius = spacing[i]
                    let east = random.below(2 * radius + 1) - radius, north = random.below(2 * radius + 1) - radius
                    guard east * east + north * north <= radius * radius, east != 0 || north != 0 else { continue }
                    let lat = p.latitude + Int32((Double(north) / NationalModel.metresPerMicroDegree).rounded())
                    let lng = p.longitude + Int32((Double(east) / metrePerMicroLng).rounded())
                    guard !taken.contains(ArchivePattern.key(lat, lng)) else { continue }
                    if slug != GeoQuery.Force.btp && areas.force(at: GeoQuery.MicroDegrees.degrees(lat), GeoQuery.MicroDegrees.degrees(lng)) != slug { continue }
                    taken.insert(ArchivePattern.key(lat, lng))
                    latitude.append(lat); longitude.append(lng)
                    encode(i, lat, lng)
                    made += 1
                }
                copies.append(Int32(latitude.count))
            }
            // Rows move to copies only when there are copies; a moved force's real points are far
            // fewer than its rows, so they keep about the share a real force's points keep.
            let donorRatio = min(1, sourceMonthlyRows / max(1, monthlyRows))
            let share = copiesPerPoint > 0 ? Int(Double(NationalModel.realParentShare) * donorRatio) : 10_000
            return ForceTable(slug: slug, name: name, standIn: standIn, monthlyRows: monthlyRows, encoded: encoded,
                              offsets: offsets, latitude: latitude, longitude: longitude, parents: points.count,
                              copies: copies, rows: rows, parentShare: share)
        }

        /// Mean latitude of the points, micro-degrees (the force's scale for longitude).
        var centreLatitude: Int32 {
            points.isEmpty ? 52_000_000 : Int32(points.reduce(0) { $0 + Int($1.latitude) } / points.count)
        }

        /// How far each point's copies may stray, in metres: the mean spacing of the real points in
        /// its ~1.1 km cell (about 1,100 m / √points), from 25 m in a city centre to 1,500 m; BTP's
        /// stations keep their copies within 60 m.
        func localSpacing() -> [Int] {
            if slug == GeoQuery.Force.btp { return points.map { _ in 60 } }
            var counts: [Int64: Int] = [:] // lookup only
            for p in points { counts[NationalModel.cellKey(p), default: 0] += 1 }
            return points.map { p in
                let n = Double(counts[NationalModel.cellKey(p)] ?? 1)
                return min(1_500, max(25, Int((1_100 / n.squareRoot()).rounded())))
            }
        }
    }

    /// A force the archive lacks: `donor`'s points moved from its busiest square kilometre to
    /// `centre` and scaled by the square root of the areas' ratio; points that land outside
    /// `slug`'s area (or on a point already used) are left out with their rows. LSOAs get codes in
    /// the unused `E0198xxxx` range and names after the force ("Metropolitan Police 001A").
    fileprivate static func moved(_ donor: ArchivePattern.Force, to slug: String, centre: (latitude: Int32, longitude: Int32),
                                  name: String, monthlyRows: Double, areas: ForceAreas, taken: inout Set<Int64>,
                                  lsoaNumber: inout Int) throws -> Draft {
        guard let from = areas.polygon(of: donor.slug), let to = areas.polygon(of: slug) else {
            throw GeoQueryError.unreadableInput("no built-in force area for \(donor.slug) or \(slug)")
        }
        let scale = (Frame(to).areaSquareMetres / Frame(from).areaSquareMetres).squareRoot()
        let anchor = busiestCell(donor)
        let fromCosine = cosine(anchor.latitude), toCosine = cosine(centre.latitude)
        let areaName = GeoQuery.Force.info(slug)?.onsName ?? name
        var lsoas: [String: (code: String, name: String)] = [:] // lookup only
        var draft = Draft(slug: slug, name: name, standIn: donor.slug, monthlyRows: monthlyRows)
        var renumber = [Int32](repeating: -1, count: donor.points.count)
        for (i, p) in donor.points.enumerated() {
            let north = Double(p.latitude - anchor.latitude) * metresPerMicroDegree * scale
            let east = Double(p.longitude - anchor.longitude) * metresPerMicroDegree * fromCosine * scale
            let lat = centre.latitude + Int32((north / metresPerMicroDegree).rounded())
            let lng = centre.longitude + Int32((east / (metresPerMicroDegree * toCosine)).rounded())
            let key = ArchivePattern.key(lat, lng)
            guard !taken.contains(key), areas.force(at: GeoQuery.MicroDegrees.degrees(lat), GeoQuery.MicroDegrees.degrees(lng)) == slug else { continue }
            taken.insert(key)
            let lsoa: (code: String, name: String)
            if let known = lsoas[p.lsoaCode] {
                lsoa = known
            } else {
                lsoaNumber += 1
                lsoa = ("E0198" + padded(lsoaNumber, 4), areaName + " " + padded(lsoas.count / 4 + 1, 3) + ["A", "B", "C", "D"][lsoas.count % 4])
                lsoas[p.lsoaCode] = lsoa
            }
            renumber[i] = Int32(draft.points.count)
            draft.points.append(ArchivePattern.MapPoint(latitude: lat, longitude: lng, location: p.location,
                                                        lsoaCode: lsoa.code, lsoaName: lsoa.name))
        }
        draft.rows = renumbered(donor.rows, renumber)
        draft.sourceMonthlyRows = Double(draft.rows.count) / Double(max(1, donor.rowsByMonth.count))
        return draft
    }

    /// The row-weighted centre of the force's busiest cell of about a square kilometre (its city
    /// centre, in practice), micro-degrees.
    private static func busiestCell(_ force: ArchivePattern.Force) -> (latitude: Int32, longitude: Int32) {
        var rowsAt = [Int](repeating: 0, count: force.points.count)
        for row in force.rows where row.point >= 0 { rowsAt[Int(row.point)] += 1 }
        var rowsIn: [Int64: Int] = [:] // lookup only
        for (i, p) in force.points.enumerated() { rowsIn[cellKey(p), default: 0] += rowsAt[i] }
        // Ties go to the first point's cell in archive order, so the answer never depends on hashing.
        var best = Int64.min, bestRows = -1
        for p in force.points where (rowsIn[cellKey(p)] ?? 0) > bestRows {
            best = cellKey(p); bestRows = rowsIn[best] ?? 0
        }
        var lat = 0, lng = 0, weight = 0
        for (i, p) in force.points.enumerated() where cellKey(p) == best {
            lat += Int(p.latitude) * rowsAt[i]; lng += Int(p.longitude) * rowsAt[i]; weight += rowsAt[i]
        }
        guard weight > 0 else { return (force.points.first?.latitude ?? 0, force.points.first?.longitude ?? 0) }
        return (Int32(lat / weight), Int32(lng / weight))
    }

    /// A cell of 0.01° latitude by 0.016° longitude: about 1.1 km square in England.
    fileprivate static func cellKey(_ p: ArchivePattern.MapPoint) -> Int64 {
        Int64(p.latitude / 10_000) << 32 | Int64(UInt32(bitPattern: p.longitude / 16_000))
    }

    /// `n` with leading zeros to `width` digits.
    private static func padded(_ n: Int, _ width: Int) -> String {
        let digits = String(n)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }

    /// A force area's planar area, for scaling points between areas.
    private struct Frame {
        let areaSquareMetres: Double

        init(_ polygon: Polygon) {
            let all = polygon.parts.flatMap { $0.flatMap { $0 } }
            let minLat = all.map(\.lat).min() ?? 0, maxLat = all.map(\.lat).max() ?? 0
            let cosine = NationalModel.cosine(Int32(((minLat + maxLat) / 2 * 1e6).rounded()))
            // Shoelace in degrees, outer rings minus holes, then to m² at the centre's latitude.
            func shoelace(_ ring: [Polygon.Coordinate]) -> Double {
                var twice = 0.0
                for k in 0..<(ring.count - 1) { twice += ring[k].lng * ring[k + 1].lat - ring[k + 1].lng * ring[k].lat }
                return abs(twice) / 2
            }
            let degrees = polygon.parts.reduce(0.0) { total, rings in
                total + shoelace(rings[0]) - rings.dropFirst().reduce(0.0) { $0 + shoelace($1) }
            }
            let metresPerDegree = NationalModel.metresPerMicroDegree * 1e6
            areaSquareMetres = degrees * metresPerDegree * metresPerDegree * cosine
        }
    }

    /// Metres per micro-degree of latitude (a sphere is plenty for jitter and moving areas).
    static let metresPerMicroDegree = 0.11132

    /// cos of a latitude in micro-degrees by its Taylor series (|x| < 1.1 rad here, error < 1e-8),
    /// not libm, so the output is the same bytes on every platform.
    static func cosine(_ microDegrees: Int32) -> Double {
        let x = GeoQuery.MicroDegrees.degrees(microDegrees) * (Double.pi / 180)
        let x2 = x * x
        var term = 1.0, sum = 1.0
        for k in stride(from: 2, through: 20, by: 2) {
            term *= -x2 / Double(k * (k - 1))
            sum += term
        }
        return sum
    }
}
