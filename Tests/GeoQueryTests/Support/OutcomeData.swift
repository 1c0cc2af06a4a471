import Foundation
@testable import GeoQuery

/// City of London's street files (every month of the archive) with its outcomes CSVs
/// (../shared/data/outcomes), and an independent reading of both for brute-force checks.
enum OutcomeData {
    static var streetFiles: [String] {
        let dirs = (try? FileManager.default.contentsOfDirectory(atPath: TestData.archive)) ?? []
        return dirs.sorted().map { "\(TestData.archive)/\($0)/\($0)-city-of-london-street.csv" }
            .filter { FileManager.default.fileExists(atPath: $0) }
    }

    static var outcomeFiles: [String] {
        let dirs = (try? FileManager.default.contentsOfDirectory(atPath: TestData.outcomes)) ?? []
        return dirs.sorted().map { "\(TestData.outcomes)/\($0)/\($0)-city-of-london-outcomes.csv" }
            .filter { FileManager.default.fileExists(atPath: $0) }
    }

    static let mirrorPath: String = {
        let dir = TestData.temporaryDirectory("outcomes")
        do { _ = try Ingest.run(paths: streetFiles + outcomeFiles, mirror: .directory(dir)) } catch { fatalError("ingesting outcomes failed: \(error)") }
        return dir
    }()

    static let mirror: CrimeMirror = {
        do { return try CrimeMirror.open(.directory(mirrorPath)) } catch { fatalError("opening the outcomes mirror failed: \(error)") }
    }()

    struct Event: Equatable { var month: String; var name: String }
    struct StreetRow { var month: String; var lat: String; var lng: String; var category: String }

    /// Outcome events by Crime ID, months ascending and in file order within a month.
    static let events: [String: [Event]] = {
        var out: [String: [Event]] = [:]
        for f in outcomeFiles.flatMap({ rows($0, fields: 10) }) { out[f[0], default: []].append(Event(month: f[1], name: f[9])) }
        return out
    }()

    /// Street rows by Crime ID (ids repeat: a located row and a no-location row).
    static let streetRows: [String: [StreetRow]] = {
        var out: [String: [StreetRow]] = [:]
        for f in streetFiles.flatMap({ rows($0, fields: 12) }) {
            out[f[0], default: []].append(StreetRow(month: f[1], lat: f[5], lng: f[4], category: ReferenceRows.slug(f[9])))
        }
        return out
    }()

    /// A CSV file's rows (header skipped) that have `fields` fields and a Crime ID.
    static func rows(_ file: String, fields: Int) -> [[String]] {
        let lines = (try? String(contentsOfFile: file, encoding: .utf8))?.split(whereSeparator: { $0 == "\n" || $0 == "\r\n" }) ?? []
        return lines.dropFirst().map { ReferenceRows.split(String($0)) }.filter { $0.count == fields && !$0[0].isEmpty }
    }

    /// The outcomes recorded in `month` for the located crimes (of that month or earlier) that
    /// `inside` accepts by their CSV coordinates: (Crime ID, outcome name), sorted.
    /// An outcome is at one place: a Crime ID with located rows at two places (in `month` or
    /// before) has it at the row the mirror lists first for that id, as outcomes-for-crime does.
    static func outcomes(in month: String, where inside: (Double, Double) -> Bool) -> [String] {
        var out: [String] = []
        for id in streetRows.keys {
            guard let (lat, lng) = place(of: id, by: month, in: mirror), inside(lat, lng) else { continue }
            for e in events[id] ?? [] where e.month == month { out.append("\(id) \(e.name)") }
        }
        return out.sorted()
    }

    /// Where a Crime ID's outcomes are placed (see ``outcomes(in:where:)``); nil without a located row by `month`.
    static func place(of id: String, by month: String, in mirror: CrimeMirror) -> (Double, Double)? {
        let located = (streetRows[id] ?? []).filter { !$0.lat.isEmpty && $0.month <= month }
        var places = Set(located.map { "\($0.lat),\($0.lng)" })
        if places.count > 1, let first = try? mirror.crimes(persistentID: id).first(where: { $0.located && $0.month.description <= month }) {
            places = [Format.microDegrees(first.mapPoint.latE6) + "," + Format.microDegrees(first.mapPoint.lngE6)]
        }
        guard let ll = places.first?.split(separator: ","), let lat = Double(ll[0]), let lng = Double(ll[1]) else { return nil }
        return (lat, lng)
    }

    /// `count` Crime IDs with outcomes, chosen by a seeded generator.
    static func randomIDs(_ count: Int, seed: UInt64) -> [String] {
        var rng = SplitMix64(seed: seed)
        let ids = events.keys.sorted()
        return (0..<count).map { _ in ids[Int(rng.next() % UInt64(ids.count))] }
    }
}
