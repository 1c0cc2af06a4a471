import Foundation

/// A deterministic, synthetic sample of Police UK street-level CSVs around Leicester city centre.
///
/// Every number here is invented: street names, LSOA codes (all in the unused `E01999` range),
/// crime IDs and counts. Only the *shape* follows data.police.uk (columns, category and outcome
/// mix, anonymised map points shared by many crimes, "No Location" rows), so the tool has
/// something realistic to answer with right after cloning.
///
/// The output is byte-identical on every run and machine: all randomness comes from a fixed-seed
/// SplitMix64, all geometry is integer arithmetic, and nothing depends on hashing or locale.
public enum SampleGenerator {
    /// Police force slug used in the file names.
    public static let force: String = "leicestershire"
    /// First and last month generated, "YYYY-MM".
    public static let firstMonth: String = "2023-01"
    public static let lastMonth: String = "2024-12"

    /// One CSV file per month: `name` is "YYYY-MM/YYYY-MM-leicestershire-street.csv", `contents` is the whole file text.
    public static func streetFiles() -> [(name: String, contents: String)] {
        let map = StreetMap()
        let tables = CrimeTables(map: map)
        // Each month draws from its own stream, so a month's file does not depend on how many
        // random numbers earlier months happened to consume.
        var monthSeeds = SplitMix64(seed: 0x6765_6F71_7565_7279) // "geoquery"
        var files: [(name: String, contents: String)] = []
        for month in months() {
            var random = SplitMix64(seed: monthSeeds.next())
            let text = streetCSV(month: month, map: map, tables: tables, random: &random)
            let label = month.label
            files.append((name: "\(label)/\(label)-\(force)-street.csv", contents: text))
        }
        return files
    }
}

// MARK: - Months

extension SampleGenerator {
    private struct Month {
        let year: Int
        let number: Int

        var label: String { "\(year)-" + (number < 10 ? "0" : "") + "\(number)" }
    }

    /// Months from `firstMonth` to `lastMonth` inclusive, so the constants stay the single source.
    private static func months() -> [Month] {
        func parse(_ text: String) -> Month {
            let parts = text.split(separator: "-")
            return Month(year: Int(parts[0]) ?? 2023, number: Int(parts[1]) ?? 1)
        }
        let first = parse(firstMonth)
        let last = parse(lastMonth)
        var result: [Month] = []
        var year = first.year
        var number = first.number
        while year * 12 + number <= last.year * 12 + last.number {
            result.append(Month(year: year, number: number))
            number += 1
            if number > 12 { number = 1; year += 1 }
        }
        return result
    }

    /// Crimes added to the baseline per calendar month: a mild wave peaking in July, as in real data.
    private static let seasonalShift: [Int] = [-35, -40, -15, 0, 15, 30, 40, 35, 15, 5, -10, -15]
    private static let baselineCrimesPerMonth = 645
}

// MARK: - Randomness

extension SampleGenerator {

    /// Picks an index with probability proportional to its integer weight.
    private struct WeightedChoice {
        private let cumulative: [Int]

        init(_ weights: [Int]) {
            var running = 0
            cumulative = weights.map { running += $0; return running }
        }

        func pick(_ random: inout SplitMix64) -> Int {
            let target = random.below(cumulative[cumulative.count - 1])
            // First index whose running total exceeds the target; zero weights are never chosen.
            var low = 0
            var high = cumulative.count - 1
            while low < high {
                let middle = (low + high) / 2
                if cumulative[middle] > target { high = middle } else { low = middle + 1 }
            }
            return low
        }
    }
}

// MARK: - Map points

extension SampleGenerator {
    /// Centre of the sample, in micro-degrees (Leicester Clock Tower area).
    private static let centreLatitude = 52_634_400
    private static let centreLongitude = -1_131_300
    /// Metres per degree at the centre's latitude; a flat approximation is plenty within 2.5 km.
    private static let metresPerDegreeLatitude = 111_320
    private static let metresPerDegreeLongitude = 67_560

    private static let mapPointCount = 1_200
    private static let lsoaCount = 100
    /// Radius of the sampled disc and the scale of the density fall-off, in decimetres.
    private static let radiusDecimetres = 25_000
    private static let coreDecimetres = 3_000

    private enum Place: Equatable {
        case street
        case shop        // Supermarket, Shopping Area: where shoplifting concentrates
        case parking     // Parking Area: where vehicle crime concentrates
        case otherSpecial
    }

    private struct MapPoint {
        /// Offset from the centre in decimetres (east, north).
        let east: Int
        let north: Int
        var location: String = ""
        var place: Place = .street
        var lsoa: Int = 0

        var squaredDistance: Int { east * east + north * north }
        var distanceMetres: Int { squareRoot(squaredDistance) / 10 }
        /// Position in micro-degrees, truncated toward the centre.
        var longitude: Int { centreLongitude + east * 100_000 / metresPerDegreeLongitude }
        var latitude: Int { centreLatitude + north * 100_000 / metresPerDegreeLatitude }
    }

    /// Real data labels anonymised points that are not on a street with the kind of place.
    private static let specialPlaces: [(name: String, place: Place, weight: Int)] = [
        ("Parking Area", .parking, 30),
        ("Supermarket", .shop, 15),
        ("Shopping Area", .shop, 10),
        ("Nightclub", .otherSpecial, 8),
        ("Petrol Station", .otherSpecial, 8),
        ("Sports/Recreation Area", .otherSpecial, 8),
        ("Further/Higher Educational Building", .otherSpecial, 6),
        ("Theatre/Concert Hall", .otherSpecial, 4),
        ("Pedestrian Subway", .otherSpecial, 4),
        ("Hospital", .otherSpecial, 3),
        ("Bus/Coach Station", .otherSpecial, 2),
        ("Police Station", .otherSpecial, 2),
    ]

    // Fictional street names are stitched from these: "Ash" + "brook" + "Close".
    private static let streetStems = [
        "Ash", "Birch", "Bram", "Cold", "Crane", "Dun", "Elm", "Fern", "Glen", "Hazel", "Holly",
        "Iron", "Kings", "Lark", "Mill", "Nether", "Oak", "Pike", "Quarry", "Raven", "Rush",
        "Sand", "Stone", "Thorn", "Wil", "Wren",
    ]
    private static let streetEndings = [
        "field", "ford", "gate", "hill", "ley", "mere", "moor", "ton", "wood", "well", "bury",
        "dale", "cote", "brook",
    ]
    private static let streetKinds = [
        "Street", "Road", "Lane", "Close", "Avenue", "Way", "Walk", "Drive", "Place", "Gardens",
        "Crescent", "Terrace",
    ]

    /// Names pinned to points by closeness rank, so the centre has recognisable hot spots and
    /// the CSV writer's quoting (comma, double quote) is exercised in every month's file.
    private static let pinnedNames: [(rank: Int, name: String, place: Place)] = [
        (0, "Shopping Area", .shop),
        (1, "St. Mary's Road, West", .street),
        (2, "Supermarket", .shop),
        (4, "Weavers \"Long\" Walk", .street),
        (6, "Nightclub", .otherSpecial),
        (9, "Friars Lane, East", .street),
    ]
    /// Crime multipliers for the closest points: a handful of places take a large share, like real data.
    private static let pinnedHotSpots: [(rank: Int, factor: Int)] = [
        (0, 25), (1, 12), (2, 12), (3, 8), (4, 10), (6, 15),
    ]

    /// Anonymised map points with their street name and fictional LSOA.
    private struct StreetMap {
        var points: [MapPoint] = []
        /// Each point's CSV fields from Longitude to LSOA name, with the trailing comma, pre-encoded.
        var fields: [[UInt8]] = []
        /// Point indices from the centre outwards (ties broken by index).
        var byCloseness: [Int] = []

        init() {
            var random = SplitMix64(seed: 0x5354_5245_4554_5321)
            points = SampleGenerator.scatter(count: mapPointCount, random: &random)
            byCloseness = points.indices.sorted {
                (points[$0].squaredDistance, $0) < (points[$1].squaredDistance, $1)
            }
            nameStreets(random: &random)
            assignLSOAs(random: &random)
            fields = points.map(SampleGenerator.encodeFields)
        }

        private mutating func nameStreets(random: inout SplitMix64) {
            let stems = SampleGenerator.streetStems
            let endings = SampleGenerator.streetEndings
            let kinds = SampleGenerator.streetKinds
            let specials = WeightedChoice(SampleGenerator.specialPlaces.map(\.weight))
            var used = [Bool](repeating: false, count: stems.count * endings.count * kinds.count)
            for index in points.indices {
                if random.chance(500) {
                    let special = SampleGenerator.specialPlaces[specials.pick(&random)]
                    points[index].location = special.name
                    points[index].place = special.place
                } else if random.chance(300), let neighbour = nearestStreet(before: index) {
                    // A long road is anonymised to several points carrying the same name.
                    points[index].location = points[neighbour].location
                } else {
                    var combination = random.below(used.count)
                    while used[combination] { combination = random.below(used.count) }
                    used[combination] = true
                    let kind = combination % kinds.count
                    let ending = (combination / kinds.count) % endings.count
                    let stem = combination / (kinds.count * endings.count)
                    points[index].location = stems[stem] + endings[ending] + " " + kinds[kind]
                }
            }
            for pinned in SampleGenerator.pinnedNames {
                let index = byCloseness[pinned.rank]
                points[index].location = pinned.name
                points[index].place = pinned.place
            }
        }

        private func nearestStreet(before limit: Int) -> Int? {
            var best: Int?
            var bestDistance = Int.max
            for index in 0..<limit where points[index].place == .street {
                let east = points[index].east - points[limit].east
                let north = points[index].north - points[limit].north
                let distance = east * east + north * north
                if distance < bestDistance { bestDistance = distance; best = index }
            }
            return best
        }

        /// LSOAs are the Voronoi cells of centres scattered like the points themselves.
        private mutating func assignLSOAs(random: inout SplitMix64) {
            let centres = SampleGenerator.scatter(count: SampleGenerator.lsoaCount, random: &random)
            for index in points.indices {
                var bestDistance = Int.max
                for (lsoa, centre) in centres.enumerated() {
                    let east = centre.east - points[index].east
                    let north = centre.north - points[index].north
                    let distance = east * east + north * north
                    if distance < bestDistance { bestDistance = distance; points[index].lsoa = lsoa }
                }
            }
        }
    }

    /// Points in a disc, accepted with probability core / (core + r) so density falls off outwards.
    /// Printed coordinates are distinct, so the coordinates alone identify a point.
    private static func scatter(count: Int, random: inout SplitMix64) -> [MapPoint] {
        var result: [MapPoint] = []
        result.reserveCapacity(count)
        var taken = Set<Int>() // membership only; never iterated, so hashing order cannot leak out
        let radius = radiusDecimetres
        while result.count < count {
            let east = random.below(2 * radius + 1) - radius
            let north = random.below(2 * radius + 1) - radius
            let squared = east * east + north * north
            guard squared <= radius * radius else { continue }
            guard random.below(coreDecimetres + squareRoot(squared)) < coreDecimetres else { continue }
            let point = MapPoint(east: east, north: north)
            guard taken.insert(point.latitude << 32 | (point.longitude & 0xFFFF_FFFF)).inserted else { continue }
            result.append(point)
        }
        return result
    }

    /// Integer square root (floor), so no floating point enters the geometry.
    private static func squareRoot(_ value: Int) -> Int {
        guard value > 1 else { return value }
        var x = value
        var y = (x + 1) / 2
        while y < x { x = y; y = (x + value / x) / 2 }
        return x
    }

    private static func lsoaCode(_ lsoa: Int) -> String {
        let number = lsoa + 1
        return "E01999" + (number < 10 ? "00" : number < 100 ? "0" : "") + "\(number)"
    }

    /// "Sample 001A": four LSOAs per numbered group, mimicking names such as "Leicester 032A".
    private static func lsoaName(_ lsoa: Int) -> String {
        let group = lsoa / 4 + 1
        let letter = ["A", "B", "C", "D"][lsoa % 4]
        return "Sample " + (group < 10 ? "00" : group < 100 ? "0" : "") + "\(group)" + letter
    }

    private static func encodeFields(_ point: MapPoint) -> [UInt8] {
        StreetCSVFormat.locatedFields(longitude: point.longitude, latitude: point.latitude, location: "On or near " + point.location,
                                      lsoaCode: lsoaCode(point.lsoa), lsoaName: lsoaName(point.lsoa))
    }
}

// MARK: - Crimes

extension SampleGenerator {
    /// "Crime type" values with their approximate share of street-level data, in basis points.
    private static let crimeTypes: [(name: String, weight: Int)] = [
        ("Violence and sexual offences", 3_200),
        ("Anti-social behaviour", 1_500),
        ("Criminal damage and arson", 950),
        ("Public order", 870),
        ("Other theft", 790),
        ("Vehicle crime", 620),
        ("Burglary", 550),
        ("Shoplifting", 510),
        ("Drugs", 280),
        ("Other crime", 200),
        ("Bicycle theft", 170),
        ("Theft from the person", 130),
        ("Possession of weapons", 80),
        ("Robbery", 75),
    ]
    private static let antiSocialBehaviour = 1
    private static let vehicleCrime = 5
    private static let shoplifting = 7

    /// "Last outcome category" values with their approximate share, in percent.
    private static let outcomes: [(name: String, weight: Int)] = [
        ("Investigation complete; no suspect identified", 35),
        ("Unable to prosecute suspect", 33),
        ("Under investigation", 8),
        ("Status update unavailable", 6),
        ("Court result unavailable", 5),
        ("Local resolution", 4),
        ("Offender given a caution", 2),
        ("Awaiting court outcome", 2),
        ("Further investigation is not in the public interest", 2),
        ("Offender sent to prison", 1),
        ("Offender fined", 1),
        ("Formal action is not in the public interest", 1),
    ]

    /// Chance, per ten thousand, that a crime other than anti-social behaviour has no location;
    /// ASB always has one, so this gives about 2.3% of all rows.
    private static let noLocationChance = 260

    private static let reportedBy = "Leicestershire Police"

    /// Which point a crime lands on: most crimes follow closeness to the centre; shoplifting and
    /// vehicle crime follow shops and car parks.
    private struct CrimeTables {
        let crimeType = WeightedChoice(SampleGenerator.crimeTypes.map(\.weight))
        let outcome = WeightedChoice(SampleGenerator.outcomes.map(\.weight))
        let general: WeightedChoice
        let shoplifting: WeightedChoice
        let vehicle: WeightedChoice
        let crimeTypeFields = SampleGenerator.crimeTypes.map { StreetCSVFormat.encodedField($0.name) }
        let outcomeFields = SampleGenerator.outcomes.map { StreetCSVFormat.encodedField($0.name) }

        init(map: StreetMap) {
            var random = SplitMix64(seed: 0x484F_5453_504F_5453)
            var factor = [Int](repeating: 1, count: map.points.count)
            for index in map.byCloseness.prefix(60) where random.chance(2_500) {
                factor[index] = 4 + random.below(20)
            }
            for hotSpot in SampleGenerator.pinnedHotSpots {
                factor[map.byCloseness[hotSpot.rank]] = hotSpot.factor
            }
            var general: [Int] = []
            var shoplifting: [Int] = []
            var vehicle: [Int] = []
            for (index, point) in map.points.enumerated() {
                let metres = point.distanceMetres
                // Falls to about a seventh at the edge; the random spread makes most points quiet.
                let base = 400_000_000 / (400 + metres) * (1 + random.below(4)) * factor[index]
                general.append(base)
                switch point.place {
                case .shop: shoplifting.append(base * 20)
                case _ where metres < 800: shoplifting.append(base * (800 - metres) / 100)
                default: shoplifting.append(base / 20)
                }
                vehicle.append(point.place == .parking ? base * 10 : base)
            }
            self.general = WeightedChoice(general)
            self.shoplifting = WeightedChoice(shoplifting)
            self.vehicle = WeightedChoice(vehicle)
        }

        func point(for crimeType: Int, random: inout SplitMix64) -> Int {
            switch crimeType {
            case SampleGenerator.shoplifting: return shoplifting.pick(&random)
            case SampleGenerator.vehicleCrime: return vehicle.pick(&random)
            default: return general.pick(&random)
            }
        }
    }

    private struct Crime {
        /// Index of the LSOA, or `Int.max` for "No Location" rows so they come last as in real files.
        let lsoa: Int
        let order: Int
        let point: Int?
        let crimeType: Int
        let outcome: Int?
        let id: (UInt64, UInt64, UInt64, UInt64)?
    }

    private static func streetCSV(
        month: Month, map: StreetMap, tables: CrimeTables, random: inout SplitMix64
    ) -> String {
        let count = baselineCrimesPerMonth + seasonalShift[month.number - 1] + random.below(17) - 8
        var crimes: [Crime] = []
        crimes.reserveCapacity(count)
        for order in 0..<count {
            let crimeType = tables.crimeType.pick(&random)
            let isASB = crimeType == antiSocialBehaviour
            let point = !isASB && random.chance(noLocationChance)
                ? nil : tables.point(for: crimeType, random: &random)
            let id = isASB ? nil : (random.next(), random.next(), random.next(), random.next())
            let outcome = isASB ? nil : tables.outcome.pick(&random)
            crimes.append(Crime(
                lsoa: point.map { map.points[$0].lsoa } ?? Int.max, order: order,
                point: point, crimeType: crimeType, outcome: outcome, id: id))
        }
        // Real files come roughly grouped by LSOA; the generation order keeps the sort total.
        crimes.sort { ($0.lsoa, $0.order) < ($1.lsoa, $1.order) }

        var bytes: [UInt8] = []
        bytes.reserveCapacity(count * 240 + StreetCSVFormat.header.utf8.count)
        bytes.append(contentsOf: StreetCSVFormat.header.utf8)
        let monthFields = StreetCSVFormat.monthAndForceFields(month: month.label, force: reportedBy)
        for crime in crimes {
            StreetCSVFormat.appendRow(
                crimeID: crime.id, monthAndForce: monthFields,
                location: crime.point.map { map.fields[$0][...] } ?? StreetCSVFormat.noLocationFields[...],
                crimeType: tables.crimeTypeFields[crime.crimeType],
                outcome: crime.outcome.map { tables.outcomeFields[$0] }, to: &bytes)
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
