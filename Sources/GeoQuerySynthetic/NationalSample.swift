import Foundation
import GeoQuery

/// A SYNTHETIC Police UK street-level archive for all of England and Wales plus BTP, at the
/// national scale (about 500,000 rows a month over about 750,000 map points), for benchmarks.
///
/// Patterned on a real archive rather than noise: each force's rows are the archive's rows drawn
/// again (so its crime type and outcome mix, its "No Location" share and its Crime-ID-less
/// anti-social behaviour are real), at the archive's map points or at jittered copies of them
/// inside the force's built-in area; forces the archive lacks take a similar force's pattern moved
/// onto their own area (see ``NationalModel``). Monthly counts follow the archive's seasonal
/// profile with seeded variation.
///
/// Deterministic: the same archive, options and seed give the same bytes (all randomness is
/// SplitMix64 streams keyed by seed, month and force; no hashing order or libm reaches the output).
/// Writing streams: one force-month is in memory at a time per core.
public struct NationalSample: Sendable {
    /// Rows in an average national month: Police UK's scale.
    public static let defaultRowsPerMonth = 500_000
    public static let defaultSeed: UInt64 = 1
    /// The first month written unless asked otherwise.
    public static let defaultStart = Month(year: 2020, month: 1)

    /// Map points for a national month of `rowsPerMonth` rows: 1.5 per row, as Police UK's ~750,000 for ~500,000.
    public static func defaultMapPoints(_ rowsPerMonth: Int) -> Int {
        Int((NationalModel.pointsPerMonthlyRow * Double(rowsPerMonth)).rounded())
    }

    public let seed: UInt64
    public let rowsPerMonth: Int
    /// Where the pattern came from.
    public let archive: String
    private let model: NationalModel

    /// Reads the archive and builds every force's map points (about 3 s in a release build).
    /// - Parameters:
    ///   - archive: a folder in data.police.uk's layout, e.g. ../shared/data/crime-archive.
    ///   - rowsPerMonth: the national total of an average month.
    ///   - mapPoints: the country's map points (default 1.5 per monthly row, Police UK's ratio); the
    ///     archive's real points are all kept, so a small number means no jittered copies.
    ///   - seed: drives monthly counts, row draws, copies' positions and Crime IDs.
    /// - Throws: ``GeoQueryError`` when the archive is missing or lacks a force that has no stand-in.
    public init(archive: String, rowsPerMonth: Int = defaultRowsPerMonth, mapPoints: Int? = nil, seed: UInt64 = defaultSeed) throws {
        let pattern = try ArchivePattern.read(archive: archive, slugs: NationalModel.forceSlugs)
        try self.init(pattern: pattern, archive: archive, rowsPerMonth: rowsPerMonth, mapPoints: mapPoints, seed: seed)
    }

    /// From an archive already read (tests read it once for several samples).
    init(pattern: ArchivePattern, archive: String, rowsPerMonth: Int, mapPoints: Int?, seed: UInt64) throws {
        precondition(rowsPerMonth > 0)
        self.model = try NationalModel.build(pattern: pattern, rowsPerMonth: rowsPerMonth,
                                             mapPoints: mapPoints ?? NationalSample.defaultMapPoints(rowsPerMonth), seed: seed)
        self.seed = seed
        self.rowsPerMonth = rowsPerMonth
        self.archive = archive
    }

    /// Every force written, as archive slugs: the 43 forces of England and Wales and BTP.
    public var forces: [String] { model.forces.map(\.slug) }
    /// The forces the archive lacked, each with the force whose pattern stands in for it.
    public var standIns: [(force: String, donor: String)] { model.forces.compactMap { f in f.standIn.map { (f.slug, $0) } } }
    /// Map points of the generated country (each a distinct coordinate).
    public var mapPointCount: Int { model.forces.reduce(0) { $0 + $1.pointCount } }
    /// Real archive points left out because the simplified built-in force areas put them outside their force.
    public var realPointsOutsideArea: Int { model.realPointsOutsideArea }

    /// What one month (or a whole run) wrote.
    public struct Written: Sendable {
        public var rows = 0
        public var files = 0
        public var bytes = 0
        /// Distinct map points with at least one crime (for a run: over all its months).
        public var mapPointsUsed = 0
    }

    /// Creates `folder` if needed and checks a file can be written in it, so a bad folder fails
    /// before the archive is read.
    /// - Throws: ``GeoQueryError/mirrorWrite(_:)`` naming the folder and the reason.
    public static func prepareFolder(_ folder: String) throws {
        try AtomicFile.createFolder(folder, what: "the folder for the CSVs")
        let probe = (folder as NSString).appendingPathComponent(".geoquery-write-test")
        _ = try AtomicFile.write(probe, what: "a test that the folder takes files", bytes: [])
        try? FileManager.default.removeItem(atPath: probe)
    }

    /// Writes `months` months from `start` as `folder/YYYY-MM/YYYY-MM-<force>-street.csv`, plus a
    /// README.md saying the data is synthetic and how it was made. Force files of a month are
    /// written in parallel; `progress` is called after each month.
    /// - Complexity: O(rows · log rows per force-month); memory is the model plus one force-month per core.
    public func write(to folder: String, start: Month, months: Int, command: String,
                      progress: ((Month, Written) -> Void)? = nil) throws -> Written {
        precondition(months > 0)
        try NationalSample.prepareFolder(folder)
        try AtomicFile.write((folder as NSString).appendingPathComponent("README.md"), what: "the sample's README",
                             bytes: Array(readme(start: start, months: months, command: command).utf8))
        let use = PointUse(model.forces.map(\.pointCount))
        var total = Written()
        for k in 0..<months {
            let month = start.adding(k)
            let monthFolder = (folder as NSString).appendingPathComponent(month.description)
            try NationalSample.prepareFolder(monthFolder)
            let results = ForceResults(count: model.forces.count)
            DispatchQueue.concurrentPerform(iterations: model.forces.count) { f in
                let force = model.forces[f]
                var random = stream(month, f)
                let bytes = force.streetCSV(month: month, count: rowCount(force, month, &random), model: model,
                                            random: &random, used: use.used[f])
                let path = (monthFolder as NSString).appendingPathComponent("\(month)-\(force.slug)-street.csv")
                results.set(f, rows: bytes.rows, bytes: bytes.csv.count, error: NationalSample.writeFile(path, bytes.csv))
            }
            if let error = results.firstError { throw error }
            var written = Written(rows: results.rows.reduce(0, +), files: model.forces.count, bytes: results.bytes.reduce(0, +))
            written.mapPointsUsed = use.count
            total.rows += written.rows; total.files += written.files; total.bytes += written.bytes
            total.mapPointsUsed = written.mapPointsUsed
            progress?(month, written)
        }
        return total
    }

    /// One force-month's file: its CSV bytes and rows, as ``write(to:start:months:command:progress:)`` writes it.
    public func streetCSV(force slug: String, month: Month) -> (csv: [UInt8], rows: Int)? {
        guard let f = model.forces.firstIndex(where: { $0.slug == slug }) else { return nil }
        let force = model.forces[f]
        var random = stream(month, f)
        let use = PointUse([force.pointCount])
        return force.streetCSV(month: month, count: rowCount(force, month, &random), model: model, random: &random, used: use.used[0])
    }

    /// The stream of one force-month: its rows do not depend on any other force or month.
    private func stream(_ month: Month, _ force: Int) -> SplitMix64 {
        var mixer = SplitMix64(seed: seed ^ (UInt64(month.ordinal) &* 0x9E37_79B9_7F4A_7C15) ^ (UInt64(force + 1) &* 0xC2B2_AE3D_27D4_EB4F))
        return SplitMix64(seed: mixer.next())
    }

    /// The force's average month scaled to the national total, times the calendar month's
    /// seasonal factor and a seeded ±6%.
    private func rowCount(_ force: NationalModel.ForceTable, _ month: Month, _ random: inout SplitMix64) -> Int {
        let total = model.forces.reduce(0) { $0 + $1.monthlyRows }
        let variation = 1 + Double(random.below(1_201) - 600) / 10_000
        let rows = force.monthlyRows * Double(rowsPerMonth) / total * model.seasonal[month.month - 1] * variation
        return max(1, Int(rows.rounded()))
    }

    private static func writeFile(_ path: String, _ bytes: [UInt8]) -> GeoQueryError? {
        do { try AtomicFile.write(path, what: "a synthetic CSV", bytes: bytes) } catch {
            return error as? GeoQueryError ?? .mirrorWrite("cannot write \(path): \(error)")
        }
        return nil
    }

    private func readme(start: Month, months: Int, command: String) -> String {
        let last = start.adding(months - 1)
        let moved = standIns.map { "\($0.force) (from \($0.donor))" }.joined(separator: ", ")
        return """
        # SYNTHETIC national sample — not real crimes

        Written by `\(command)` (geoquery \(GeoQuery.version)): \(months) month(s), \(start) to \(last), \
        seed \(seed), about \(rowsPerMonth) rows a month over \(mapPointCount) map points, for every force of England and
        Wales plus BTP, in Police UK's street-level CSV format.

        Every row is invented. Its pattern comes from the real archive at `\(archive)`: each force's rows are
        the archive's rows of that force drawn again with replacement (crime type, outcome, "No Location",
        Crime ID or none), at the archive's map points or at jittered copies of them inside the force's
        built-in area. Forces the archive lacks take another force's pattern moved and scaled onto their
        own area, with LSOA codes in the unused E0198xxxx range: \(moved.isEmpty ? "none" : moved).
        Crime IDs are random. Monthly counts follow the archive's seasonal profile with seeded variation.

        Do not quote any figure from this data as a fact about crime.

        """
    }
}

/// Which map points have had a crime, per force; each force's buffer is written by one task at a time.
private final class PointUse: @unchecked Sendable {
    let used: [UnsafeMutableBufferPointer<Bool>]

    init(_ counts: [Int]) {
        used = counts.map {
            let b = UnsafeMutableBufferPointer<Bool>.allocate(capacity: $0)
            b.initialize(repeating: false)
            return b
        }
    }

    var count: Int { used.reduce(0) { $0 + $1.reduce(0) { $0 + ($1 ? 1 : 0) } } }

    deinit { used.forEach { $0.deallocate() } }
}

/// The parallel force files' counts and first error, behind a lock.
private final class ForceResults: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var rows: [Int], bytes: [Int]
    private var errors: [GeoQueryError?]

    init(count: Int) {
        rows = Array(repeating: 0, count: count); bytes = rows; errors = Array(repeating: nil, count: count)
    }

    func set(_ i: Int, rows r: Int, bytes b: Int, error: GeoQueryError?) {
        lock.lock(); defer { lock.unlock() }
        rows[i] = r; bytes[i] = b; errors[i] = error
    }

    /// The error of the first force in order, so the message does not depend on timing.
    var firstError: GeoQueryError? { errors.compactMap { $0 }.first }
}

extension NationalModel.ForceTable {
    /// One month of this force: `count` of the archive's rows drawn with replacement, each moved to
    /// one of its point's copies with chance 1 − `parentShare`, sorted as the archive's files are
    /// (grouped by map point in archive order, "No Location" last), with Crime IDs drawn in that order.
    func streetCSV(month: Month, count: Int, model: NationalModel, random: inout SplitMix64,
                   used: UnsafeMutableBufferPointer<Bool>) -> (csv: [UInt8], rows: Int) {
        var draws: [(order: UInt64, point: Int32, row: Int32)] = []
        draws.reserveCapacity(count)
        for sequence in 0..<count {
            let r = random.below(rows.count)
            let parent = rows[r].point
            var point = parent
            if parent >= 0 {
                let first = Int(copies[Int(parent)]), end = Int(copies[Int(parent) + 1])
                if end > first && !random.chance(parentShare) { point = Int32(first + random.below(end - first)) }
            }
            let group = parent >= 0 ? UInt64(parent) : UInt64(UInt32.max)
            draws.append((group << 32 | UInt64(sequence), point, Int32(r)))
        }
        draws.sort { $0.order < $1.order }

        var csv: [UInt8] = []
        csv.reserveCapacity(count * 240 + 200)
        csv.append(contentsOf: StreetCSVFormat.header.utf8)
        let monthAndForce = StreetCSVFormat.monthAndForceFields(month: month.description, force: name)
        for draw in draws {
            let row = rows[Int(draw.row)]
            let id = row.hasCrimeID ? (random.next(), random.next(), random.next(), random.next()) : nil
            let location: ArraySlice<UInt8>
            if draw.point >= 0 {
                let p = Int(draw.point)
                location = encoded[Int(offsets[p])..<Int(offsets[p + 1])]
                used[p] = true
            } else {
                location = StreetCSVFormat.noLocationFields[...]
            }
            StreetCSVFormat.appendRow(crimeID: id, monthAndForce: monthAndForce, location: location,
                                      crimeType: model.crimeTypeFields[Int(row.crimeType)],
                                      outcome: row.outcome == ArchivePattern.noOutcome ? nil : model.outcomeFields[Int(row.outcome)],
                                      to: &csv)
        }
        return (csv, count)
    }
}
