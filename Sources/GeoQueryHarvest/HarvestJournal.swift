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
        /// Forces the API said it holds no data for in the month (its coverage header; written
        /// on every crimes `done` line, empty when none; outcomes lines and lines written before
        /// it was kept have none).
        var missing: [String]?
        var at: String?
    }

    /// What the journal says about one job's month, since its last `refresh`.
    struct MonthState {
        var plan: [HarvestRequest]?
        var done: [String: [APICrime]] = [:]
        var doneOutcomes: [String: [APIOutcome]] = [:]
        var split: [String: [HarvestRequest]] = [:]
        /// Forces any answer of the month said the API holds no data for.
        var missing: Set<String> = []
        var stored: String?
    }

    let path: String
    /// Nil until ``openForWriting()`` (never, for `--dry-run`).
    private var handle: FileHandle?
    /// The harvest folder's write lock, held from ``openForWriting()`` on.
    private var lock: FileLock?
    /// Bytes up to the last complete line: a line cut short by a kill is dropped when writing starts.
    private var complete = 0
    /// Complete lines read: those no state needs any more (a month's lines before its
    /// `refresh`, a request answered twice) are dropped when writing starts, once they outnumber
    /// the rest (a `--refresh` of every month doubled the file each time).
    private var linesRead = 0
    private(set) var states: [String: [String: MonthState]] = [:]   // job → month → state

    static let lockName = "harvest.lock"

    /// Reads the journal of a harvest folder, creating nothing: a harvest that stops before its
    /// first request (months the API does not hold, a dry run) leaves no trace in the folder.
    init(folder: String) {
        path = (folder as NSString).appendingPathComponent("journal.jsonl")
        let data = FileManager.default.contents(atPath: path) ?? Data()
        // A line cut short by a kill has no newline: it is not read (its request is simply asked again).
        complete = data.lastIndex(of: UInt8(ascii: "\n")).map { $0 + 1 } ?? 0
        let decoder = JSONDecoder()
        for raw in data.prefix(complete).split(separator: UInt8(ascii: "\n")) {
            linesRead += 1
            guard let line = try? decoder.decode(Line.self, from: Data(raw)) else { continue }
            apply(line)
        }
    }

    /// The lines the states need: each month's plan, splits, answers and its `stored`.
    private var liveLines: [Line] {
        var lines: [Line] = []
        for job in states.keys.sorted() {
            for (month, s) in states[job]!.sorted(by: { $0.key < $1.key }) {
                if let plan = s.plan { lines.append(Line(t: "plan", job: job, month: month, requests: plan)) }
                for (k, r) in s.split.sorted(by: { $0.key < $1.key }) { lines.append(Line(t: "split", job: job, month: month, key: k, requests: r)) }
                // The forces the API said it lacks: on the first answer (each answer's are joined).
                var missing = s.missing.sorted()
                for (k, c) in s.done.sorted(by: { $0.key < $1.key }) {
                    lines.append(Line(t: "done", job: job, month: month, key: k, crimes: c, missing: missing))
                    missing = []
                }
                for (k, o) in s.doneOutcomes.sorted(by: { $0.key < $1.key }) { lines.append(Line(t: "done", job: job, month: month, key: k, outcomes: o)) }
                if let at = s.stored { lines.append(Line(t: "stored", job: job, month: month, at: at)) }
            }
        }
        return lines
    }

    /// Creates the journal (and its folder) if need be and opens it for appending, after the last
    /// complete line.
    func openForWriting() throws {
        guard handle == nil else { return }
        let fm = FileManager.default
        let folder = PathName.folder(of: path)
        try AtomicFile.createFolder(folder, what: "the harvest folder")
        try takeLock(folder)
        let live = liveLines
        if linesRead - live.count > max(live.count, 16) {
            // Rewritten whole (renamed over: a kill leaves the old file or the new one).
            let encoder = JSONEncoder()
            var data = Data()
            for line in live { data.append(try encoder.encode(line)); data.append(UInt8(ascii: "\n")) }
            _ = try AtomicFile.write(path, what: "the harvest journal", bytes: data)
            complete = data.count
            linesRead = live.count
        }
        if !fm.fileExists(atPath: path) { _ = fm.createFile(atPath: path, contents: nil) }
        guard let h = FileHandle(forUpdatingAtPath: path) else {
            throw GeoQueryError.mirrorWrite("cannot open the harvest journal \(path) for writing: check the mirror folder is writable")
        }
        handle = h
        if try h.seekToEnd() > UInt64(complete) { try h.truncate(atOffset: UInt64(complete)) }
        try h.seek(toOffset: UInt64(complete))
    }

    /// One harvest writes a mirror's harvest folder at a time: two at once would each write the
    /// journal from where they had read it, over each other's lines, and each save the
    /// provenance it had read with only its own months added. Held until the harvest ends.
    private func takeLock(_ folder: String) throws {
        guard lock == nil else { return }
        lock = try FileLock((folder as NSString).appendingPathComponent(Self.lockName), what: "the harvest's write lock") {
            throw GeoQueryError.mirrorWrite("another harvest is writing into \(PathName.folder(of: folder)) (one at a time): wait for it to finish, then run this one (a stopped harvest continues where it stopped)")
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
            s.missing.formUnion(line.missing ?? [])
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
        guard let handle else { preconditionFailure("the journal is written only after openForWriting()") }
        // Completed requests stay in the journal whatever happens here; a re-run continues.
        try AtomicFile.append(data, to: handle.fileDescriptor, path: path, what: "the harvest journal")
        apply(line)
    }
}
