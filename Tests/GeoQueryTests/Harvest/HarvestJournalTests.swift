import Foundation
import Testing
@testable import GeoQuery
@testable import GeoQueryHarvest

/// The journal keeps only what its states need, and one harvest writes a folder at a time.
@Suite struct HarvestJournalTests {
    /// A month fetched three times (two `--refresh`es) and a month of another job: once the lines
    /// no state needs outnumber the rest, writing starts from a journal of the needed ones (an
    /// independent check found it at 32 MB after one refresh of 25,000 crimes, double the first).
    @Test func linesNoStateNeedsAreDroppedWhenWritingStarts() throws {
        let folder = TestData.temporaryDirectory("journal") + "/harvest"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        var text = ""
        for round in 0..<3 {
            if round > 0 { text += #"{"t":"refresh","job":"j","month":"2019-01"}"# + "\n" }
            text += #"{"t":"plan","job":"j","month":"2019-01","requests":[]}"# + "\n"
            for k in 0..<20 {
                text += #"{"t":"done","job":"j","month":"2019-01","key":"k\#(k)","crimes":[],"missing":["\#(k == 3 ? "metropolitan" : "btp")"]}"# + "\n"
            }
            text += #"{"t":"stored","job":"j","month":"2019-01","at":"2026-12-07T00:00:0\#(round)Z"}"# + "\n"
        }
        text += #"{"t":"plan","job":"other","month":"2019-02","requests":[]}"# + "\n"
        text += #"{"t":"done","job":"other","month":"2019-02","key":"a","crimes":[]}"# + "\n"
        text += #"{"t":"split","job":"other","month":"2019-02","key":"s","requests":[]}"# + "\n"
        let path = folder + "/journal.jsonl"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        func summary(_ j: HarvestJournal, _ job: String, _ month: String) -> String {
            let s = j.state(job: job, month: Month(month)!)
            return "\(s.plan?.count ?? -1) \(s.done.keys.sorted()) \(s.split.keys.sorted()) \(s.missing.sorted()) \(s.stored ?? "-")"
        }
        let read = HarvestJournal(folder: folder)
        let before = [summary(read, "j", "2019-01"), summary(read, "other", "2019-02")]
        try read.openForWriting()
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 1 + 20 + 1 + 3, "\(lines.count) lines")
        let again = HarvestJournal(folder: folder)
        #expect([summary(again, "j", "2019-01"), summary(again, "other", "2019-02")] == before)
        #expect(before[0].hasSuffix("[\"btp\", \"metropolitan\"] 2026-12-07T00:00:02Z"), "\(before[0])")
        // Appending goes on after the rewritten lines.
        try read.append(.init(t: "done", job: "other", month: "2019-02", key: "b", crimes: []))
        #expect(HarvestJournal(folder: folder).state(job: "other", month: Month("2019-02")!).done.count == 2)
    }

    /// Two harvests at once into one mirror would each write the journal from where they had read
    /// it, over each other's lines, and each save the provenance it had read: the second is
    /// refused with one line until the first has finished.
    @Test func oneHarvestWritesAFolderAtATime() throws {
        let folder = TestData.temporaryDirectory("journal-lock") + "/harvest"
        var first: HarvestJournal? = HarvestJournal(folder: folder)
        try first!.openForWriting()
        let second = HarvestJournal(folder: folder)
        #expect {
            try second.openForWriting()
        } throws: { error in
            "\(error)".contains("another harvest is writing into ") && "\(error)".contains("one at a time")
        }
        first = nil
        try second.openForWriting()
    }
}
