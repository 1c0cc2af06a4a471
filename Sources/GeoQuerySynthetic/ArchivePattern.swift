import Foundation
import GeoQuery

/// What the real archive says about each force: its map points (where crime is recorded, under
/// which street and LSOA names) and its rows reduced to what a generated row copies (point, crime
/// type, outcome, whether it has a Crime ID), read once from data.police.uk's archive layout
/// (`YYYY-MM/YYYY-MM-<force>-street.csv`).
struct ArchivePattern {
    /// One real map point, as the CSVs write it.
    struct MapPoint {
        /// Micro-degrees, as the archive's six decimals give them.
        var latitude: Int32, longitude: Int32
        var location: String, lsoaCode: String, lsoaName: String
    }

    /// One real crime row: which point (-1 for "No Location"), which type and outcome.
    struct Row {
        var point: Int32
        var crimeType: UInt8
        /// Index into ``ArchivePattern/outcomes``, or ``ArchivePattern/noOutcome``.
        var outcome: UInt8
        /// False for anti-social behaviour and BTP rows, whose Crime ID the archive leaves empty.
        var hasCrimeID: Bool
    }

    /// One force's points and rows over every month the archive holds for it.
    struct Force {
        let slug: String
        var points: [MapPoint] = []
        var rows: [Row] = []
        /// Rows per archive month ("YYYY-MM"), for the seasonal profile.
        var rowsByMonth: [String: Int] = [:]
        /// Point index by packed coordinates: lookup only, never iterated.
        fileprivate var pointAt: [Int64: Int32] = [:]

        /// Mean rows per month held.
        var monthlyRows: Double { Double(rows.count) / Double(max(1, rowsByMonth.count)) }
    }

    static let noOutcome: UInt8 = 255

    /// By slug; only the forces asked for and found.
    private(set) var forces: [String: Force] = [:]
    /// "Crime type" and "Last outcome category" values in order of first appearance.
    private(set) var crimeTypes: [String] = []
    private(set) var outcomes: [String] = []
    /// Rows the reader skipped (unparseable coordinates, short rows).
    private(set) var skippedRows = 0

    /// Reads every street CSV of the given forces under `archive`.
    /// - Throws: ``GeoQueryError/unreadableInput(_:)`` when the folder is missing or holds none of
    ///   them; ``GeoQueryError/notPoliceCSV(_:)`` for a file whose header is not a street CSV's.
    static func read(archive: String, slugs: [String]) throws -> ArchivePattern {
        let fm = FileManager.default
        var isFolder: ObjCBool = false
        guard fm.fileExists(atPath: archive, isDirectory: &isFolder), isFolder.boolValue else {
            throw GeoQueryError.unreadableInput("no crime archive at \(archive): give --archive DIR, a folder in data.police.uk's layout (YYYY-MM/YYYY-MM-<force>-street.csv), e.g. ../shared/data/crime-archive")
        }
        let months = ((try? fm.contentsOfDirectory(atPath: archive)) ?? []).filter { Month($0) != nil }.sorted()
        var pattern = ArchivePattern()
        for month in months {
            for slug in slugs {
                let path = "\(archive)/\(month)/\(month)-\(slug)-street.csv"
                guard fm.fileExists(atPath: path) else { continue }
                guard let data = try? Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped) else {
                    throw GeoQueryError.unreadableInput("cannot read \(path)")
                }
                try data.withUnsafeBytes { raw in
                    try pattern.add(raw.bindMemory(to: UInt8.self), path: path, slug: slug, month: month)
                }
            }
        }
        guard !pattern.forces.isEmpty else {
            throw GeoQueryError.unreadableInput("\(archive) holds no street CSVs of the forces of England and Wales (expected YYYY-MM/YYYY-MM-<force>-street.csv)")
        }
        return pattern
    }

    private mutating func add(_ bytes: UnsafeBufferPointer<UInt8>, path: String, slug: String, month: String) throws {
        var scanner = CSVScanner(bytes)
        let header = (try? scanner.next()) == true ? (0..<scanner.fields.count).map { scanner.string($0) } : []
        guard header.map({ $0.lowercased() }) == StreetCSVFormat.columns.map({ $0.lowercased() }) else {
            throw GeoQueryError.notPoliceCSV("\(path): not a Police UK street CSV (expected the header '\(StreetCSVFormat.columns.joined(separator: ","))')")
        }
        var force = forces.removeValue(forKey: slug) ?? Force(slug: slug)
        var scratch: [UInt8] = []
        var count = 0
        while true {
            let more: Bool
            do { more = try scanner.next() } catch { skippedRows += 1; break }
            guard more else { break }
            guard scanner.fields.count >= 11 else { skippedRows += 1; continue }
            let f = scanner.fields
            var point: Int32 = -1
            if f[4].end > f[4].start {
                guard let lng = ArchivePattern.microDegrees(bytes, f[4]), let lat = ArchivePattern.microDegrees(bytes, f[5]) else {
                    skippedRows += 1; continue
                }
                let key = ArchivePattern.key(lat, lng)
                if let known = force.pointAt[key] {
                    point = known
                } else {
                    point = Int32(force.points.count)
                    force.pointAt[key] = point
                    force.points.append(MapPoint(latitude: lat, longitude: lng, location: scanner.string(6),
                                                 lsoaCode: scanner.string(7), lsoaName: scanner.string(8)))
                }
            }
            let crimeType = scanner.withValue(9, scratch: &scratch) { ArchivePattern.intern($0, in: &crimeTypes) }
            let outcome = f[10].end > f[10].start
                ? scanner.withValue(10, scratch: &scratch) { ArchivePattern.intern($0, in: &outcomes) } : ArchivePattern.noOutcome
            force.rows.append(Row(point: point, crimeType: crimeType, outcome: outcome, hasCrimeID: f[0].end > f[0].start))
            count += 1
        }
        force.rowsByMonth[month, default: 0] += count
        forces[slug] = force
    }

    static func key(_ latitude: Int32, _ longitude: Int32) -> Int64 {
        Int64(latitude) << 32 | Int64(UInt32(bitPattern: longitude))
    }

    /// The index of a value in a short list of names (14 crime types, ~25 outcomes), appending it when new.
    private static func intern(_ value: UnsafeBufferPointer<UInt8>, in names: inout [String]) -> UInt8 {
        for i in names.indices {
            let same = names[i].utf8.withContiguousStorageIfAvailable { known in
                known.count == value.count && (value.isEmpty || memcmp(known.baseAddress!, value.baseAddress!, value.count) == 0)
            }
            if same ?? names[i].utf8.elementsEqual(value) { return UInt8(i) }
        }
        precondition(names.count < Int(noOutcome), "more distinct values than a byte holds")
        names.append(String(decoding: value, as: UTF8.self))
        return UInt8(names.count - 1)
    }

    /// A coordinate field in micro-degrees (``MicroDegrees/parse(_:)``).
    static func microDegrees(_ bytes: UnsafeBufferPointer<UInt8>, _ field: CSVScanner.Field) -> Int32? {
        MicroDegrees.parse(UnsafeBufferPointer(rebasing: bytes[field.start..<field.end]))
    }
}
