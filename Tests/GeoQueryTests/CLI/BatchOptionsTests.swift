import Foundation
import Testing
@testable import GeoQuery

/// `batch --jobs` and `--fields` (issue 10): the same answers, in order, whatever the parallelism,
/// and exactly the asked keys of them.
@Suite struct BatchOptionsTests {
    /// The peer radius set's first 150 lines, a polygon line, and two bad lines with ids.
    static let input: String = {
        let peers = try! String(contentsOfFile: TestData.packageRoot.appendingPathComponent("Benchmarks/peers/queries.jsonl").path, encoding: .utf8)
        var lines = peers.split(separator: "\n").prefix(150).enumerated().map { i, l in "{\"id\":\(i)," + l.dropFirst() }
        lines.insert(#"{"id":"poly","poly":"52.64,-1.15:52.64,-1.11:52.62,-1.11:52.62,-1.15","from":"2020-01","to":"2020-06"}"#, at: 40)
        lines.insert(#"{"id":"bad","lat":52.6,"lng":-1.1,"radius":"bogus"}"#, at: 7)
        lines.append("not json")
        return lines.joined(separator: "\n") + "\n"
    }()
    static let mirror = ["--mirror", TestData.realMirrorPath]

    /// Blank lines are skipped (no result line), the error objects keep their input line numbers,
    /// and the warning counts query lines, not blank ones (it said "1 of 4 line(s)").
    @Test func blankLinesAreSkippedAndNotCounted() throws {
        let r = try CLIRun.run(["batch", "--fields", "total"] + Self.mirror, stdin: "{\"lat\":52.63,\"lng\":-1.13}\n\n{\"lat\":999,\"lng\":1}\n  \n")
        #expect(r.status == 0)
        #expect(r.stdout.split(separator: "\n").count == 2 && r.stdout.contains("\"line\":3}"), "\(r.stdout)")
        #expect(r.stderr == "geoquery: warning: 1 of 2 query line(s) failed; see the error objects in the output\n", "\(r.stderr)")
    }

    /// A batch none of whose lines is answered failed: exit 1 with one error line (it exited 0,
    /// with a warning, so a script saw success), the error objects still on stdout in order.
    @Test func aBatchWithNoLineAnsweredFails() throws {
        let r = try CLIRun.run(["batch"] + Self.mirror, stdin: "x\ny\n")
        #expect(r.status == 1 && r.stderr == "geoquery: error: every query line (2) failed; see the error objects in the output\n", "\(r.stderr)")
        #expect(r.stdout.split(separator: "\n").count == 2 && r.stdout.contains("\"line\":1}") && r.stdout.contains("\"line\":2}"), "\(r.stdout)")
    }

    /// A line refused for a key given twice still echoes its id when it gives one once (an
    /// independent check found the error object without it); an id given twice is no one id.
    @Test func aRefusedLineKeepsItsId() throws {
        let r = try CLIRun.run(["batch"] + Self.mirror, stdin: #"{"id":3,"lat":52.6,"lng":-1.1,"lat":10}"# + "\n" + #"{"id":"a","id":"b","lat":52.6,"lng":-1.1}"# + "\n")
        let lines = r.stdout.split(separator: "\n")
        #expect(r.status == 1 && lines.count == 2, "\(r.stdout)")
        #expect(lines[0].hasPrefix(#"{"id":3,"error":"the line gives 'lat' more than once in one object"#), "\(lines[0])")
        #expect(lines[1].hasPrefix(#"{"error":"the line gives 'id' more than once"#), "\(lines[1])")
        // Where the id is read, help names the cores, not this machine's count, as the default.
        let help = try CLIRun.run(["batch", "--help"]).stdout
        #expect(help.contains("(default: every core)") && !help.contains("(default: \(ProcessInfo.processInfo.activeProcessorCount))"), "\(help)")
    }

    /// `id` among --fields is taken (it is echoed whenever a line has one), not refused as unknown.
    @Test func idAmongTheFieldsIsTaken() throws {
        let r = try CLIRun.run(["batch", "--fields", "id,total"] + Self.mirror, stdin: "{\"id\":7,\"lat\":52.63,\"lng\":-1.13,\"date\":\"2019-01\"}\n")
        #expect(r.status == 0 && r.stdout.hasPrefix("{\"id\":7,\"total\":") && r.stdout.split(separator: ",").count == 2, "\(r.stdout) \(r.stderr)")
    }

    @Test func jobsGiveTheSameLinesInOrder() throws {
        let one = try CLIRun.run(["batch", "--jobs", "1"] + Self.mirror, stdin: Self.input)
        let two = try CLIRun.run(["batch", "--jobs", "2"] + Self.mirror, stdin: Self.input)
        let many = try CLIRun.run(["batch", "--jobs", "7"] + Self.mirror, stdin: Self.input)
        #expect(one.stdout == two.stdout && one.stdout == many.stdout)
        let lines = one.stdout.split(separator: "\n")
        #expect(lines.count == Self.input.split(separator: "\n").count)
        // Each line is the library's own answer to that line's query (the bad ones keep their place).
        for (text, line) in zip(Self.input.split(separator: "\n"), lines) {
            guard let parsed = try? BatchLine(String(text)), let q = try? QueryInput(batchLine: parsed).query(in: TestData.realMirror) else {
                #expect(line.contains("\"error\":") && (text.hasPrefix("not") || line.hasPrefix("{\"id\":\"bad\"")))
                continue
            }
            #expect(String(line) == (try TestData.realMirror.query(q)).json(area: q.area, leading: parsed.id.map { [("id", $0)] } ?? []))
        }
    }

    /// With and without the parts that cost most (coverage and the notes that carry it), each
    /// asked key equals the full line's.
    @Test(arguments: [["total", "by_category", "coverage"], ["total", "by_category"], ["notes", "area_km2", "no_location"]])
    func fieldsWriteExactlyTheAskedKeys(_ keys: [String]) throws {
        let all = try CLIRun.run(["batch"] + Self.mirror, stdin: Self.input).stdout.split(separator: "\n")
        let some = try CLIRun.run(["batch", "--fields", keys.joined(separator: ",")] + Self.mirror, stdin: Self.input).stdout.split(separator: "\n")
        #expect(all.count == some.count)
        for (a, s) in zip(all, some) {
            let full = try JSONSerialization.jsonObject(with: Data(a.utf8)) as! [String: Any]
            let part = try JSONSerialization.jsonObject(with: Data(s.utf8)) as! [String: Any]
            if full["error"] != nil { #expect(NSDictionary(dictionary: full) == NSDictionary(dictionary: part)); continue }
            #expect(Set(part.keys) == Set(keys + (full["id"] == nil ? [] : ["id"])))
            for k in part.keys { #expect(NSDictionary(dictionary: [k: part[k]!]) == NSDictionary(dictionary: [k: full[k]!])) }
        }
    }

    @Test func badOptionsAreOneClearError() throws {
        try BadInputTests().expectError(["batch", "--fields", "total,totl"] + Self.mirror, "unknown key 'totl' (did you mean total?)", status: 2, stdin: "")
        try BadInputTests().expectError(["batch", "--jobs", "0"] + Self.mirror, "--jobs must be at least 1", status: 2, stdin: "")
        try BadInputTests().expectError(["batch", "--jobs", "-1"] + Self.mirror, "--jobs must be at least 1 (got -1)", status: 2, stdin: "")
        try BadInputTests().expectError(["batch", "--fields", ","] + Self.mirror, "--fields needs at least one key", status: 2, stdin: "")
        // A key the query result has but a batch answer never does: asked, every line was {}.
        try BadInputTests().expectError(["batch", "--fields", "total,catchment"] + Self.mirror, "a batch answer has no catchment", status: 2, stdin: "")
    }
}
