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
        /// An outcomes-at-location request's outcomes inside the area (`--outcomes`).
        var outcomes: [APIOutcome]?
        var at: String?
    }

    /// What the journal says about one job's month, since its last `refresh`.
    struct MonthState {
        var plan: [HarvestRequest]?
        var done: [String: [APICrime]] = [:]
        var doneOutcomes: [String: [APIOutcome]] = [:]
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
        case "done":
            guard let k = line.key else { break }
            if let o = line.outcomes { s.doneOutcomes[k] = o } else { s.done[k] = line.crimes ?? [] }
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
