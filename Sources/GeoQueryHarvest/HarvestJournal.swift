import Foundation
import GeoQuery

/// The harvest's memory: append-only JSON lines in `DIR/harvest/journal.jsonl`, each fsynced
/// before the next request's answer is taken, so `kill -9` loses at most the requests in flight.
///
/// A line is one event of a job (an area, API and category): `plan` (a month's first requests),
/// `done` (a request's crimes inside the area), `split` (a 503 and the requests replacing it),
/// `stored` (the month entered the mirror) or `refresh` (forget the month's earlier lines).
final class HarvestJournal {
    struct Line: Codable {
        var t: String
        var job: String
        var month: String
        var key: String?
        var requests: [HarvestRequest]?
        var crimes: [APICrime]?
        var at: String?
    }

    /// What the journal says about one job's month, since its last `refresh`.
    struct MonthState {
        var plan: [HarvestRequest]?
        var done: [String: [APICrime]] = [:]
        var split: [String: [HarvestRequest]] = [:]
        var stored: String?
    }

    let path: String
    /// Nil when read only (`--dry-run`).
    private var handle: FileHandle?
    private(set) var states: [String: [String: MonthState]] = [:]   // job → month → state

    /// Opens (creating it unless `readOnly`) the journal of a harvest folder and reads it back.
    init(folder: String, readOnly: Bool = false) throws {
        path = (folder as NSString).appendingPathComponent("journal.jsonl")
        let fm = FileManager.default
        if readOnly {
            for raw in (fm.contents(atPath: path) ?? Data()).split(separator: UInt8(ascii: "\n")) {
                if let line = try? JSONDecoder().decode(Line.self, from: Data(raw)) { apply(line) }
            }
            return
        }
        try fm.createDirectory(atPath: folder, withIntermediateDirectories: true)
        if !fm.fileExists(atPath: path) { _ = fm.createFile(atPath: path, contents: nil) }
        guard let h = FileHandle(forUpdatingAtPath: path) else {
            throw GeoQueryError.mirrorWrite("cannot open the harvest journal \(path) for writing: check the mirror folder is writable")
        }
        handle = h
        let data = h.readDataToEndOfFile()
        var end = data.count
        // A line cut short by a kill has no newline: drop it (its request is simply asked again).
        if let lastNewline = data.lastIndex(of: UInt8(ascii: "\n")) { end = lastNewline + 1 } else { end = 0 }
        if end < data.count { try h.truncate(atOffset: UInt64(end)) }
        try h.seek(toOffset: UInt64(end))
        let decoder = JSONDecoder()
        for raw in data.prefix(end).split(separator: UInt8(ascii: "\n")) {
            guard let line = try? decoder.decode(Line.self, from: Data(raw)) else { continue }
            apply(line)
        }
    }

    deinit { try? handle?.close() }

    func state(job: String, month: Month) -> MonthState { states[job]?[month.description] ?? MonthState() }

    /// Every job's month states, for putting a (force, month) together from all areas harvested.
    func jobs(storedFor month: Month) -> [MonthState] {
        states.values.compactMap { $0[month.description] }.filter { $0.stored != nil }
    }

    private func apply(_ line: Line) {
        var s = states[line.job]?[line.month] ?? MonthState()
        switch line.t {
        case "refresh": s = MonthState()
        case "plan": s.plan = line.requests
        case "done": if let k = line.key { s.done[k] = line.crimes ?? [] }
        case "split": if let k = line.key { s.split[k] = line.requests ?? [] }
        case "stored": s.stored = line.at ?? ""
        default: break
        }
        states[line.job, default: [:]][line.month] = s
    }

    /// Appends one line and forces it to disk before returning.
    func append(_ line: Line) throws {
        var data = try JSONEncoder().encode(line)
        data.append(UInt8(ascii: "\n"))
        guard let handle else { preconditionFailure("a read-only journal is never written") }
        // Completed requests stay in the journal whatever happens here; a re-run continues.
        try AtomicFile.append(data, to: handle.fileDescriptor, path: path, what: "the harvest journal")
        apply(line)
    }
}

/// Which (force, month) of the mirror came from the API, when, and for which area:
/// `DIR/harvest/provenance.json`, written atomically after each harvested month is stored.
public struct HarvestProvenance: Codable, Sendable {
    public struct Entry: Codable, Sendable, Equatable {
        public var force: String
        public var month: String
        /// The harvested area, as the user gave it.
        public var area: String
        public var api: String
        /// ISO 8601, UTC.
        public var harvestedAt: String
        /// Crimes the (force, month) held when it was stored: a different count later means an
        /// archive ingest has replaced it.
        public var crimes: Int
    }
    public var entries: [Entry] = []

    public static func path(folder: String) -> String { (folder as NSString).appendingPathComponent("harvest/provenance.json") }

    /// The provenance of the mirror folder, empty when it has never been harvested into.
    public static func load(folder: String) throws -> HarvestProvenance {
        let p = path(folder: folder)
        guard let data = FileManager.default.contents(atPath: p) else { return HarvestProvenance() }
        do { return try JSONDecoder().decode(HarvestProvenance.self, from: data) } catch {
            throw GeoQueryError.mirrorCorrupt("\(p) is damaged (\(error.localizedDescription)): delete it to forget which months were harvested")
        }
    }

    func save(folder: String) throws {
        let p = Self.path(folder: folder)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try AtomicFile.write(p, what: "the harvest provenance", bytes: try encoder.encode(self))
    }

    /// The entries of one (force, month) that still describe the mirror (its crime count unchanged).
    public func current(force: String, month: Month, in mirror: CrimeMirror?) -> [Entry] {
        let mine = entries.filter { $0.force == force && $0.month == month.description }
        guard let mirror, let last = mine.last, mirror.partitionCrimes(force: force, month: month) == last.crimes else { return [] }
        return mine
    }

    /// Coverage notes for an answer over `from...to`: the harvested (force, month)s in it hold
    /// only their areas' crimes, not the whole force's.
    public func notes(from: Month, to: Month, mirror: CrimeMirror) -> [String] {
        var months: [String: [String]] = [:], areas: [String: Set<String>] = [:]
        for e in entries {
            guard let m = Month(e.month), m >= from, m <= to, !current(force: e.force, month: m, in: mirror).isEmpty else { continue }
            if !(months[e.force] ?? []).contains(e.month) { months[e.force, default: []].append(e.month) }
            areas[e.force, default: []].insert(e.area)
        }
        return months.keys.sorted().map { f in
            "\(f) \(months[f]!.sorted().joined(separator: ", ")) came from the API for an area only (\(areas[f]!.sorted().joined(separator: "; "))): the mirror holds none of the force's crimes outside it for \(months[f]!.count == 1 ? "that month" : "those months")"
        }
    }

    /// Lines for `geoquery info`: each harvested (force, month) with its areas.
    public func describe(mirror: CrimeMirror?) -> [String] {
        var seen = Set<String>()
        var lines: [String] = []
        for e in entries.sorted(by: { ($0.month, $0.force) < ($1.month, $1.force) }) where seen.insert("\(e.force) \(e.month)").inserted {
            guard let m = Month(e.month) else { continue }
            let cur = current(force: e.force, month: m, in: mirror)
            guard !cur.isEmpty else { continue }
            let areas = Set(cur.map(\.area)).sorted().joined(separator: "; ")
            lines.append("\(e.force) \(e.month): \(Format.grouped(cur.last!.crimes)) crimes from \(cur.last!.api) at \(cur.last!.harvestedAt), for an area only (\(areas)), not the whole force")
        }
        return lines
    }
}

extension CrimeMirror {
    /// Crimes (located and not) of one force in one month.
    func partitionCrimes(force: String, month: Month) -> Int {
        guard holds(force: force, month: month) else { return 0 }
        let world = Polygon(parts: [[[.init(lat: -89, lng: -179), .init(lat: -89, lng: 179), .init(lat: 89, lng: 179), .init(lat: 89, lng: -179)]]])
        guard let r = try? query(.polygon(world, from: month, to: month, forces: [force])) else { return 0 }
        return r.total + r.noLocation
    }
}
