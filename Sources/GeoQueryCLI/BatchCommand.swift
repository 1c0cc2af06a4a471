import ArgumentParser
import Dispatch
import Foundation
import GeoQuery

/// `geoquery batch`: many queries, one mirror opening.
struct BatchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "batch",
        abstract: "Answer JSON-lines queries from stdin, one JSON result per line, in order.",
        discussion: """
        Each line: {"lat":52.63,"lng":-1.13,"radius":"0.5mi","from":"2020-01","to":"2020-12","category":["burglary"]}

        Keys: lat, lng (or postcode), radius (or poly, wkt, geojson, repair), from, to, date, category, force, exclude_btp, id (echoed back).
        An area is given inline, not as a file: poly as the API's "lat,lng:lat,lng:..." text, wkt as WKT text, geojson as a GeoJSON object (or its text).
        A bad line gets {"id": ..., "error": "...", "line": N} on its own line (id when the line has one); the rest go on. The id comes back as the same JSON value: a number stays a number, a string a string (in JSON's plain spelling: 1.50 comes back as 1.5).
        Lines are answered in parallel (--jobs) and written in input order.
        """
    )

    @OptionGroup var mirror: MirrorOptions

    @Option(help: ArgumentHelp("Top-level keys of each JSON result to write, comma-separated (default: all): \(BatchCommand.keys.joined(separator: ", ")). The id is always echoed.", valueName: "keys"))
    var fields: String?

    // Unconditional: `--jobs -1` is a wrong number (said so below), not a missing value.
    // Optional, so the help says "every core" rather than this machine's count as the default.
    @Option(parsing: .unconditional, help: "Lines answered at once (default: every core).")
    var jobs: Int?

    func validate() throws {
        if let jobs, jobs < 1 { throw ValidationError("--jobs must be at least 1 (got \(jobs))") }
        _ = try fieldSet()
    }

    /// The keys `--fields` names, checked against the result's keys (a misspelt one gets the closest).
    func fieldSet() throws -> QueryResult.Fields {
        guard let fields else { return .all }
        let keys = fields.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        let known = BatchCommand.keys
        guard !keys.isEmpty else { throw ValidationError("--fields needs at least one key: \(known.joined(separator: ", "))") }
        // `id` comes back whenever a line has one: naming it asks for nothing more.
        for k in keys where !known.contains(k) && k != "id" {
            if k == "catchment" { throw ValidationError("--fields: a batch answer has no catchment (geoquery query --catchment gives one)") }
            let hint = Spelling.closest(to: k, among: known).first.map { " (did you mean \($0)?)" } ?? ""
            throw ValidationError("--fields: unknown key '\(k)'\(hint); the keys are \(known.joined(separator: ", "))")
        }
        return QueryResult.Fields(keys)
    }

    /// The keys a batch answer can hold: the query result's, but for the catchment it never computes.
    static let keys = QueryResult.jsonKeys.filter { $0 != "catchment" }

    func run() throws {
        let m = try mirror.open()
        let fields = try fieldSet()
        var lineNumber = 0
        var failures = 0
        // Lines are read in chunks and answered in parallel; each answer goes to its own slot, so
        // the output keeps the input's order whatever --jobs is.
        let jobs = self.jobs ?? ProcessInfo.processInfo.activeProcessorCount
        let chunkSize = max(64, jobs * 64)
        var chunk: [(number: Int, text: String)] = []
        // One byte buffer per slot, reused from chunk to chunk, and one for the chunk's output.
        let answers = UnsafeMutableBufferPointer<(bytes: [UInt8], failed: Bool)>.allocate(capacity: chunkSize)
        answers.initialize(repeating: ([], false))
        defer { answers.deinitialize(); answers.deallocate() }
        // One result per worker, answered into line after line (its arrays are reused).
        let results = UnsafeMutableBufferPointer<QueryResult?>.allocate(capacity: jobs)
        results.initialize(repeating: nil)
        defer { results.deinitialize(); results.deallocate() }
        var out: [UInt8] = []
        func flush() {
            guard !chunk.isEmpty else { return }
            let lines = chunk
            // Each worker writes only its own slots and its own result.
            nonisolated(unsafe) let slots = answers, kept = results
            let work: @Sendable (Int, Int) -> Void = { i, w in
                slots[i].bytes.removeAll(keepingCapacity: true)
                slots[i].failed = BatchCommand.answer(lines[i].text, number: lines[i].number, mirror: m, fields: fields,
                                                      result: &kept[w], into: &slots[i].bytes)
            }
            if jobs == 1 {
                for i in lines.indices { work(i, 0) }
            } else {
                // Striped over `jobs` workers: each takes every jobs-th line of the chunk.
                let workers = min(jobs, lines.count)
                DispatchQueue.concurrentPerform(iterations: workers) { w in
                    for i in Swift.stride(from: w, to: lines.count, by: workers) { work(i, w) }
                }
            }
            out.removeAll(keepingCapacity: true)
            for a in answers.prefix(lines.count) {
                out += a.bytes
                out.append(UInt8(ascii: "\n"))
                if a.failed { failures += 1 }
            }
            out.withUnsafeBytes { FileHandle.standardOutput.write(Data(bytesNoCopy: UnsafeMutableRawPointer(mutating: $0.baseAddress!), count: $0.count, deallocator: .none)) }
            chunk.removeAll(keepingCapacity: true)
        }
        var input = InputLines()
        var queries = 0
        do {
            while let line = try input.next() {
                lineNumber = input.number
                // Blank lines are no queries: skipped, with no result line (README).
                if line.allSatisfy({ $0 == " " || $0 == "\t" || $0 == "\r" }) { continue }
                queries += 1
                chunk.append((lineNumber, line))
                if chunk.count >= chunkSize { flush() }
            }
        } catch {
            flush()  // the lines before an oversized one are still answered
            throw error
        }
        flush()
        // Nothing answered is a failed run (exit 1, so a script notices); some lines answered
        // are a result, with a warning.
        if failures > 0 && failures == queries {
            throw GeoQueryError.invalidQuery("every query line (\(queries)) failed; see the error objects in the output")
        }
        if failures > 0 { Output.warning("\(failures) of \(queries) query line(s) failed; see the error objects in the output") }
    }

    /// Appends one line's JSON answer to `bytes`, or its error object (with the line's id, when it
    /// has one); true when the line failed. The answer is made in `result` (the worker's, reused).
    static func answer(_ line: String, number: Int, mirror m: CrimeMirror, fields: QueryResult.Fields,
                       result: inout QueryResult?, into bytes: inout [UInt8]) -> Bool {
        var id: String?
        do {
            let parsed = try BatchLine(line)
            id = parsed.id
            let q = try QueryInput(batchLine: parsed).query(in: m)
            // Moved out and back (a call through `result!` would copy it).
            let r: QueryResult
            if var kept = result.take() {
                do { try m.query(q, fields: fields, into: &kept) } catch {
                    result = kept  // left as it was: the next line reuses it
                    throw error
                }
                r = kept
            } else {
                r = try m.query(q, fields: fields)
            }
            r.appendJSON(to: &bytes, area: q.area, leading: id.map { [("id", $0)] } ?? [], fields: fields)
            result = r
            return false
        } catch {
            if id == nil { id = BatchLine.id(ofRefused: line) }
            let message = (error as? GeoQueryError)?.description ?? "\(error)"
            bytes += ("{" + (id.map { "\"id\":\($0)," } ?? "") + "\"error\":\(JSONWriter.quote(message)),\"line\":\(number)}").utf8
            return true
        }
    }
}
