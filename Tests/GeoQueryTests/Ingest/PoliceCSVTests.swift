import Foundation
import Testing
import ZIPFoundation
@testable import GeoQuery

@Suite struct PoliceCSVTests {
    static let header = "Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,LSOA name,Crime type,Last outcome category,Context"
    static let id1 = String(repeating: "ab", count: 32)

    func read(_ text: String, name: String = "2019-01-leicestershire-street.csv") throws -> (CrimeTable, FileSummary) {
        var table = CrimeTable()
        var t = text
        let summary = try t.withUTF8 { try PoliceCSV.read($0, name: name, into: &table) }
        return (table, summary)
    }

    @Test func quotedFieldsCRLFBOMAndEmptyFieldsParse() throws {
        let text = "\u{FEFF}" + PoliceCSVTests.header + "\r\n"
            + "\(PoliceCSVTests.id1),2019-01,Leicestershire Police,Leicestershire Police,-1.131600,52.629700,\"On or near St. Mary's Road, \"\"West\"\"\",E01000001,Leicester 001A,Burglary,Under investigation,\r\n"
            + ",2019-01,Leicestershire Police,Leicestershire Police,-1.131600,52.629700,On or near Park,E01000001,Leicester 001A,Anti-social behaviour,,\r\n"
            + "\(PoliceCSVTests.id1),2019-01,Leicestershire Police,Leicestershire Police,,,No location,,,Burglary,Awaiting court outcome,\r\n"
            + "x,2019-01,Leicestershire Police,Leicestershire Police,-1.1,52.6,On or near X,E1,L,Violent crime,,\"a, context\"\r\n"
        let (table, summary) = try read(text)
        #expect(summary.read == 4 && summary.stored == 4 && summary.rejected == 0 && summary.noLocation == 1)
        #expect(table.locations[table.rows[0].location] == "On or near St. Mary's Road, \"West\"")
        #expect(table.rows[0].latE6 == 52_629_700 && table.rows[0].lngE6 == -1_131_600)
        #expect(table.rows[1].id.kind == .none && table.outcomes[Int32(table.rows[1].outcome)] == "")
        // The repeated Crime ID with no location is kept as its own crime.
        #expect(table.rows[2].id == table.rows[0].id && !table.rows[2].hasLocation)
        #expect(table.categories[Int32(table.rows[3].category)] == "violent-crime")  // pre-2013 name
        #expect(table.contexts[table.rows[3].context] == "a, context")
        #expect(table.rows[3].id.kind == .text)
        #expect(table.forces[Int32(table.rows[0].force)] == "leicestershire")
    }

    @Test func unknownCrimeTypesAreKeptNotDropped() throws {
        let (table, summary) = try read(PoliceCSVTests.header + "\n,2019-01,A,A,-1.1,52.6,On or near X,E1,L,Fraud and forgery,,\n")
        #expect(summary.stored == 1)
        #expect(table.categories[Int32(table.rows[0].category)] == "fraud-and-forgery")
    }

    @Test func malformedRowsAreReportedWithFileAndLine() throws {
        let text = PoliceCSVTests.header + "\n"
            + ",2019-01,A,A,-1.1,52.6,On or near X,E1,L,Burglary,,\n"
            + ",2019-13,A,A,-1.1,52.6,On or near X,E1,L,Burglary,,\n"
            + ",2019-01,A,A,west,52.6,On or near X,E1,L,Burglary,,\n"
            + ",2019-01,A,A,-1.1,52.6,too,few\n"
            + ",2019-01,A,A,-1.1,152.6,On or near X,E1,L,Burglary,,\n"
            // Rows an area query could never reach, found by an independent check stored silently:
            + ",2019-01,A,A,51.518864,-0.097562,On or near X,E1,L,Burglary,,\n"
            + ",2019-01,A,A,0,0,On or near X,E1,L,Burglary,,\n"
            + ",2019-01,A,A,,51.5,On or near X,E1,L,Burglary,,\n"
            // A row with neither is a crime with no location, kept.
            + ",2019-01,A,A,,,On or near X,E1,L,Burglary,,\n"
        let (_, s) = try read(text, name: "f.csv")
        #expect(s.read == 9 && s.stored == 2 && s.rejected == 7 && s.noLocation == 1)
        #expect(s.problems == [
            "f.csv:3: month '2019-13' is not YYYY-MM",
            "f.csv:4: coordinates are not numbers (Longitude 'west', Latitude '52.6')",
            "f.csv:5: 8 fields, expected 12",
            "f.csv:6: coordinates out of range (Longitude '-1.1', Latitude '152.6')",
            "f.csv:7: coordinates look swapped (Longitude '51.518864', Latitude '-0.097562'): the other way round they would be in the UK",
            "f.csv:8: coordinates 0,0: no place Police UK records (a missing location written as zeros?)",
            "f.csv:9: only one coordinate given (Longitude '', Latitude '51.5'): a row has both or neither",
        ])
    }

    /// Texts that are not UTF-8 (a file saved as Latin-1) are counted per file, once per distinct
    /// text, so ingest can warn: they were read with U+FFFD without a word.
    @Test func textsThatAreNotUTF8AreCounted() throws {
        let row = Array(",2019-01,A,A,-1.1,52.6,On or near Caf".utf8) + [0xE9] + Array(",E1,L,Burglary,,\n".utf8)
        let bytes = Array((PoliceCSVTests.header + "\n").utf8) + row + row + Array(",2019-01,A,A,-1.1,52.6,On or near Café,E1,L,Burglary,,\n".utf8)
        var table = CrimeTable()
        let summary = try bytes.withUnsafeBufferPointer { try PoliceCSV.read($0, name: "latin.csv", into: &table) }
        #expect(summary.stored == 3 && summary.notUTF8 == 1)
        #expect(try read(PoliceCSVTests.header + "\n,2019-01,A,A,-1.1,52.6,On or near Café,E1,L,Burglary,,\n").1.notUTF8 == 0)
    }

    /// An outcome row with an empty Outcome type is no outcome: stored, it blanked the crime's
    /// last outcome (an independent check).
    @Test func anEmptyOutcomeTypeIsRejected() throws {
        let header = StreetCSVFormat.outcomesColumns.joined(separator: ",")
        let (table, s) = try read(header + "\nabc,2019-01,A,A,-1.1,52.6,On or near X,E1,L,Investigation complete; no suspect identified\nabd,2019-01,A,A,-1.1,52.6,On or near X,E1,L,\n", name: "g.csv")
        #expect(s.read == 2 && s.stored == 1 && table.events.count == 1 && s.problems == ["g.csv:3: empty Outcome type"])
    }

    /// A file named for a force that does not exist (a misspelt slug) whose rows a real force
    /// reported is refused: stored under its name, its crimes stood beside the real force's, counted twice.
    @Test func aMisspeltForceInTheNameIsRefused() throws {
        let row = ",2019-01,City of London Police,City of London Police,-0.09,51.51,On or near X,E1,L,Burglary,,\n"
        #expect(throws: GeoQueryError.notPoliceCSV("2019-01-city-of-londn-street.csv: its name says 'city-of-londn', which is no Police UK force, and its rows are reported by City of London Police (city-of-london): rename it to the rows' force; nothing was written")) {
            try read(PoliceCSVTests.header + "\n" + row, name: "2019-01-city-of-londn-street.csv")
        }
        // A made-up force reporting its own rows is taken as its name says.
        let (_, s) = try read(PoliceCSVTests.header + "\n" + row.replacingOccurrences(of: "City of London Police", with: "Atlantis Police"), name: "2019-01-atlantis-street.csv")
        #expect(s.stored == 1)
    }

    @Test func aFileThatIsNotPoliceUKIsRefused() throws {
        #expect(throws: GeoQueryError.self) { try read("name,age\nbob,3\n", name: "people.csv") }
        #expect(throws: GeoQueryError.self) { try read("", name: "empty.csv") }
        // Stop-and-search is skipped under its own name, refused under a street file's (it was
        // skipped silently, leaving the force-month the user meant to restate as it was).
        let stops = "Type,Date,Part of a policing operation,Policing operation,Latitude,Longitude,Gender,Age range,Self-defined ethnicity,Officer-defined ethnicity,Legislation,Object of search,Outcome,Outcome linked to object of search,Removal of more than just outer clothing\n"
        #expect(try read(stops, name: "2019-01-durham-stop-and-search.csv").1.kind == .skipped)
        #expect(throws: GeoQueryError.notPoliceCSV("2019-01-durham-street.csv: a stop-and-search CSV, though its name says street: geoquery reads street and outcomes files; give the street file; nothing was written")) {
            try read(stops, name: "2019-01/2019-01-durham-street.csv")
        }
    }

    @Test func archiveNamesGiveForceAndKind() {
        #expect(PoliceCSV.parseName("2019-01/2019-01-city-of-london-street.csv")! == ("city-of-london", "street"))
        #expect(PoliceCSV.parseName("2019-01-btp-outcomes.csv")! == ("btp", "outcomes"))
        #expect(PoliceCSV.parseName("crimes.csv") == nil)
    }
}

/// Ingest end to end: every row kept, restated months replaced, zip archives, outcomes.
@Suite struct IngestTests {
    @Test func everyRowOfTheArchiveIsKept() throws {
        let info = TestData.realMirror.info
        #expect(info.crimes == TestData.referenceRows.count)
        #expect(info.noLocation == TestData.referenceRows.filter { $0.lat == nil }.count)
        #expect(info.forces.count == 41)
        let points = Set(TestData.referenceRows.compactMap { r in r.lat.map { "\($0),\(r.lng!)" } })
        #expect(info.mapPoints == points.count)
    }

    @Test func reingestingAMonthReplacesItInsteadOfDoublingIt() throws {
        let dir = TestData.temporaryDirectory()
        let file = TestData.archive + "/2019-01/2019-01-city-of-london-street.csv"
        _ = try Ingest.run(paths: [file, TestData.archive + "/2019-01/2019-01-cumbria-street.csv"], mirror: .directory(dir))
        let once = try CrimeMirror.open(.directory(dir)).info.crimes
        let again = try Ingest.run(paths: [file], mirror: .directory(dir))
        #expect(again.partitionsReplaced == 1)
        #expect(try CrimeMirror.open(.directory(dir)).info.crimes == once)
        // A restated month with fewer rows replaces the old one exactly.
        let restated = TestData.temporaryDirectory("restated") + "/2019-01-city-of-london-street.csv"
        let lines = try String(contentsOfFile: file, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
        try (lines.prefix(101).joined(separator: "\n") + "\n").write(toFile: restated, atomically: true, encoding: .utf8)
        _ = try Ingest.run(paths: [restated], mirror: .directory(dir))
        let m = try CrimeMirror.open(.directory(dir)).info
        #expect(m.forces.first { $0.force == "city-of-london" }?.crimes == 100)
        #expect(m.forces.first { $0.force == "cumbria" }?.crimes == 3484)
    }

    /// Within one ingest, a later file restating a (force, month) replaces an earlier one, and the
    /// summary says so: the earlier file stored nothing (it said "stored 7793" for 99 rows held).
    @Test func aFileRestatedLaterInTheSameIngestIsSaidToBeReplaced() throws {
        let dir = TestData.temporaryDirectory()
        let file = TestData.archive + "/2019-01/2019-01-city-of-london-street.csv"
        let restated = TestData.temporaryDirectory("restated") + "/2019-01-city-of-london-street.csv"
        let lines = try String(contentsOfFile: file, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
        try (lines.prefix(101).joined(separator: "\n") + "\n").write(toFile: restated, atomically: true, encoding: .utf8)
        let cumbria = TestData.archive + "/2019-01/2019-01-cumbria-street.csv"
        let s = try Ingest.run(paths: [file, cumbria, restated], mirror: .directory(dir))
        #expect(s.files[0].read > 100 && s.files[0].stored == 0 && s.files[0].replacedInRun == s.files[0].read)
        #expect(s.files[1].stored == 3484 && s.files[1].replacedInRun == 0)
        #expect(s.files[2].stored == 100 && s.files[2].replacedInRun == 0)
        #expect(s.stored == (try CrimeMirror.open(.directory(dir)).info.crimes) && s.stored == 3584)
        // The CLI's line for the replaced file.
        let cli = try CLIRun.run(["ingest", "--mirror", TestData.temporaryDirectory(), file, restated])
        #expect(cli.stdout.contains("stored 0, rejected 0, replaced \(s.files[0].read) (a later file of this ingest restates the same force-month)"), "\(cli.stdout)")
        #expect(cli.stdout.contains("read \(s.files[0].read + 100) rows, stored 100,"), "\(cli.stdout)")
    }

    /// The CLI's closing line tells street-level crimes from outcome rows when it stored both
    /// (outcomes are rows stored, but no crimes).
    @Test func storedSaysCrimesAndOutcomesApart() throws {
        let street = TestData.archive + "/2019-01/2019-01-city-of-london-street.csv"
        let outcomes = TestData.outcomes + "/2019-01/2019-01-city-of-london-outcomes.csv"
        let s = try Ingest.run(paths: [street, outcomes], mirror: .directory(TestData.temporaryDirectory()))
        let (crimes, rows) = (s.files[0].stored, s.files[1].stored)
        #expect(s.files[0].kind == .street && s.files[1].kind == .outcomes && crimes > 0 && rows > 0)
        let cli = try CLIRun.run(["ingest", "--mirror", TestData.temporaryDirectory(), street, outcomes])
        #expect(cli.stdout.contains("stored \(crimes + rows) (\(crimes) street-level crimes, \(rows) outcomes), rejected 0;"), "\(cli.stdout)")
        let plain = try CLIRun.run(["ingest", "--mirror", TestData.temporaryDirectory(), street])
        #expect(plain.stdout.contains("stored \(crimes), rejected 0;"), "\(plain.stdout)")
    }

    @Test func zipArchivesIngestLikeTheirCSVs() throws {
        let work = TestData.temporaryDirectory("zip")
        let zipPath = work + "/2019-01.zip"
        let archive = try Archive(url: URL(fileURLWithPath: zipPath), accessMode: .create)
        for force in ["city-of-london", "durham"] {
            let src = URL(fileURLWithPath: TestData.archive + "/2019-01/2019-01-\(force)-street.csv")
            try archive.addEntry(with: "2019-01/2019-01-\(force)-street.csv", fileURL: src, compressionMethod: .deflate)
        }
        try archive.addEntry(with: "2019-01/2019-01-city-of-london-outcomes.csv",
                             fileURL: URL(fileURLWithPath: TestData.outcomes + "/2019-01/2019-01-city-of-london-outcomes.csv"), compressionMethod: .deflate)
        let sas = Data("Type,Date,Part of a policing operation\nPerson search,2019-01-01T00:00:00+00:00,False\n".utf8)
        try archive.addEntry(with: "2019-01/2019-01-durham-stop-and-search.csv", type: .file, uncompressedSize: Int64(sas.count)) { pos, size in
            sas.subdata(in: Int(pos)..<Int(pos) + size)
        }
        // What macOS adds when it zips a folder: AppleDouble files named like the CSVs, not CSVs.
        let appleDouble = Data([0x00, 0x05, 0x16, 0x07, 0x00, 0x02, 0x00, 0x00] + Array("Mac OS X        ".utf8))
        for entry in ["__MACOSX/2019-01/._2019-01-durham-street.csv", "2019-01/._2019-01-city-of-london-street.csv"] {
            try archive.addEntry(with: entry, type: .file, uncompressedSize: Int64(appleDouble.count)) { pos, size in
                appleDouble.subdata(in: Int(pos)..<Int(pos) + size)
            }
        }
        let fromZip = TestData.temporaryDirectory("fromzip"), fromCSV = TestData.temporaryDirectory("fromcsv")
        let s = try Ingest.run(paths: [zipPath], mirror: .directory(fromZip))
        _ = try Ingest.run(paths: [TestData.archive + "/2019-01/2019-01-city-of-london-street.csv", TestData.archive + "/2019-01/2019-01-durham-street.csv",
                                   TestData.outcomes + "/2019-01/2019-01-city-of-london-outcomes.csv"], mirror: .directory(fromCSV))
        #expect(s.files.count == 3)  // stop-and-search and macOS's metadata skipped by name
        // In a folder alike (a copy from a Mac's disk).
        let folder = TestData.temporaryDirectory("fromMac")
        try FileManager.default.createDirectory(atPath: folder + "/__MACOSX", withIntermediateDirectories: true)
        for path in [folder + "/._2019-01-durham-street.csv", folder + "/__MACOSX/._2019-01-durham-street.csv"] {
            try appleDouble.write(to: URL(fileURLWithPath: path))
        }
        try FileManager.default.copyItem(atPath: TestData.archive + "/2019-01/2019-01-durham-street.csv", toPath: folder + "/2019-01-durham-street.csv")
        #expect(try Ingest.run(paths: [folder], mirror: .directory(TestData.temporaryDirectory("fromMacMirror"))).files.count == 1)
        #expect(s.files.map(\.kind).sorted { $0.rawValue < $1.rawValue } == [.outcomes, .street, .street])
        let q = CrimeQuery.radius(lat: 54.7761, lng: -1.5733, Distance(metres: 5000))
        #expect(try CrimeMirror.open(.directory(fromZip)).query(q) == CrimeMirror.open(.directory(fromCSV)).query(q))
        #expect(try CrimeMirror.open(.directory(fromZip)).info.outcomeEvents == 692)
        // Cut short, or not a zip at all: one line in words (it said ZIPFoundation's
        // 'missingEndOfCentralDirectoryRecord'), and nothing written.
        let whole = try Data(contentsOf: URL(fileURLWithPath: zipPath))
        for (name, bytes) in [("cut.zip", whole.prefix(whole.count / 2)), ("notes.zip", Data("just some notes\n".utf8))] {
            let path = work + "/" + name
            try bytes.write(to: URL(fileURLWithPath: path))
            let target = TestData.temporaryDirectory("badzip")
            #expect(throws: GeoQueryError.unreadableInput("\(path) is not a readable zip archive: no zip directory at its end, so it is cut short or not a zip file at all; download it again")) {
                try Ingest.run(paths: [path], mirror: .directory(target))
            }
            #expect(!FileManager.default.fileExists(atPath: target + "/" + SnapshotFormat.fileName))
        }
    }

    @Test func outcomesFilesUpdateTheLastOutcome() throws {
        let dir = TestData.temporaryDirectory()
        // Durham's later street month is another force's: City's newest street month stays 2018-12,
        // so every City outcome event from then on is newer than its street file could know.
        _ = try Ingest.run(paths: [TestData.archive + "/2018-12/2018-12-city-of-london-street.csv", TestData.archive + "/2019-02/2019-02-durham-street.csv",
                                   TestData.outcomes], mirror: .directory(dir))
        // Independent expectation: latest outcome-file entry (by month) per Crime ID, else the street file's.
        var latest: [String: (String, String)] = [:]
        for m in ["2018-12", "2019-01", "2019-02"] {
            let text = try String(contentsOfFile: TestData.outcomes + "/\(m)/\(m)-city-of-london-outcomes.csv", encoding: .utf8)
            for line in text.split(separator: "\n").dropFirst() {
                let f = ReferenceRows.split(String(line))
                if let cur = latest[f[0]], cur.0 > f[1] { continue }
                latest[f[0]] = (f[1], f[9])
            }
        }
        var expected: [String: Int] = [:]
        var noLocation = 0
        let text = try String(contentsOfFile: TestData.archive + "/2018-12/2018-12-city-of-london-street.csv", encoding: .utf8)
        for line in text.split(separator: "\n").dropFirst() {
            let f = ReferenceRows.split(String(line))
            guard !f[5].isEmpty else { noLocation += 1; continue }
            var outcome = f[10]
            if !f[0].isEmpty, let l = latest[f[0]], l.0 >= f[1] { outcome = l.1 }
            expected[outcome.isEmpty ? "none" : outcome, default: 0] += 1
        }
        let m = try CrimeMirror.open(.directory(dir))
        // 16 km around the City holds every one of its map points (and one Durham crime, left out).
        var q = CrimeQuery.radius(lat: 51.5155, lng: -0.0922, Distance(metres: 16_000))
        q.forces = ["city-of-london"]
        let r = try m.query(q)
        #expect(r.byOutcome == expected)
        #expect(r.noLocation == noLocation)
        #expect(expected["Suspect charged"] ?? 0 > 0)  // a text only the outcomes files use
    }

    /// A file that would replace a force-month with something else is refused before anything is
    /// written: cut short inside a row, a quote never closed, or named for another force or month.
    @Test func aFileThatIsNotItsForceMonthReplacesNothing() throws {
        let dir = TestData.temporaryDirectory()
        let city = TestData.archive + "/2019-01/2019-01-city-of-london-street.csv"
        _ = try Ingest.run(paths: [city, TestData.archive + "/2019-01/2019-01-durham-street.csv"], mirror: .directory(dir))
        let before = try Data(contentsOf: URL(fileURLWithPath: dir + "/" + SnapshotFormat.fileName))
        let bytes = try Data(contentsOf: URL(fileURLWithPath: city))
        let folder = TestData.temporaryDirectory("bad-files")
        func attempt(_ name: String, _ data: Data, _ phrase: String) {
            let path = folder + "/" + name
            FileManager.default.createFile(atPath: path, contents: data)
            #expect {
                try Ingest.run(paths: [path], mirror: .directory(dir))
            } throws: { ($0 as? GeoQueryError)?.description.contains(phrase) == true }
            #expect((try? Data(contentsOf: URL(fileURLWithPath: dir + "/" + SnapshotFormat.fileName))) == before, "\(name)")
            try? FileManager.default.removeItem(atPath: path)
        }
        // Cut inside a row (70,000 bytes of 617 rows): the rows before it would restate the month.
        attempt("2019-01-city-of-london-street.csv", bytes.prefix(70_000), "ends inside a row (3 of 12 fields, no line end): it looks cut short")
        var quoted = Data(bytes.prefix(2_000)); quoted.append(Data("\n\"unclosed,2019-01".utf8)); quoted.append(bytes.dropFirst(2_000).prefix(3_000))
        attempt("2019-01-city-of-london-street.csv", quoted, "a quoted field is never closed")
        attempt("2019-01-durham-street.csv", bytes, "its rows are reported by City of London Police (city-of-london), not by durham as its name says")
        attempt("2019-05-city-of-london-street.csv", bytes, "no row is from 2019-05, the month its name says")
        // A file ending in a whole row without a line end is whole, and a bad row inside is skipped.
        var lastLine = Data(bytes); while lastLine.last == 0x0A || lastLine.last == 0x0D { lastLine.removeLast() }
        let path = folder + "/2019-01-city-of-london-street.csv"
        FileManager.default.createFile(atPath: path, contents: lastLine)
        let s = try Ingest.run(paths: [path], mirror: .directory(dir))
        #expect(s.stored == 617 && s.rejected == 0 && s.partitionsReplaced == 1)
    }

    /// A row of another month in an archive-named file is rejected, not stored: stored, it would
    /// restate its (force, month) as that one row and the mirror would lose the whole month (a
    /// new user's check found Durham's 2018-12, 6,000 crimes, replaced by one stray row).
    @Test func aStrayRowOfAnotherMonthReplacesNothing() throws {
        let dir = TestData.temporaryDirectory()
        let december = TestData.archive + "/2018-12/2018-12-durham-street.csv", january = TestData.archive + "/2019-01/2019-01-durham-street.csv"
        _ = try Ingest.run(paths: [december], mirror: .directory(dir))
        let held = try CrimeMirror.open(.directory(dir)).partitionCrimes(force: "durham", month: Month("2018-12")!)
        #expect(held == TestData.referenceRows.filter { $0.force == "durham" && $0.month == "2018-12" }.count && held > 1000)
        let text = try String(contentsOfFile: january, encoding: .utf8)
        let stray = try #require(try String(contentsOfFile: december, encoding: .utf8).split(separator: "\n").dropFirst().first)
        let path = TestData.temporaryDirectory("stray") + "/2019-01-durham-street.csv"
        try (text + (text.hasSuffix("\n") ? "" : "\n") + stray + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        let s = try Ingest.run(paths: [path], mirror: .directory(dir))
        let january0 = TestData.referenceRows.filter { $0.force == "durham" && $0.month == "2019-01" }.count
        #expect(s.rejected == 1 && s.stored == january0 && s.partitionsReplaced == 0)
        #expect(s.files.first?.problems.first?.contains("a row of 2018-12 in a file named for 2019-01") == true, "\(s.files.first?.problems ?? [])")
        let m = try CrimeMirror.open(.directory(dir))
        #expect(m.partitionCrimes(force: "durham", month: Month("2018-12")!) == held)
        #expect(m.partitionCrimes(force: "durham", month: Month("2019-01")!) == january0)
        // A file whose one row of its month is malformed and whose other row is a stray: both
        // rejected, nothing stored, no error (the review found it called a force mismatch), and
        // the mirror left as it was (an ingest storing nothing wrote an empty delta that did not
        // fit its snapshot, so every later open failed).
        let header = try #require(text.split(separator: "\n").first)
        let odd = TestData.temporaryDirectory("stray-odd") + "/2019-01-durham-street.csv"
        try "\(header)\n,2019-01,Durham Constabulary,Durham Constabulary,abc,54.7,On or near X,,,Burglary,,\n\(stray)\n".write(toFile: odd, atomically: true, encoding: .utf8)
        let t = try Ingest.run(paths: [odd], mirror: .directory(dir))
        #expect(t.stored == 0 && t.rejected == 2)
        #expect(try CrimeMirror.open(.directory(dir)).partitionCrimes(force: "durham", month: Month("2018-12")!) == held)
    }

    /// Street rows and outcome events of one (force, month) are separate partitions: adding one
    /// kind where only the other is held replaces nothing, and the summary says so.
    @Test func streetAndOutcomesOfAMonthAreReplacedApart() throws {
        let dir = TestData.temporaryDirectory()
        let street = TestData.archive + "/2019-01/2019-01-city-of-london-street.csv"
        let outcomes = TestData.outcomes + "/2019-01/2019-01-city-of-london-outcomes.csv"
        let first = try Ingest.run(paths: [outcomes], mirror: .directory(dir))
        #expect(first.partitionsWritten == 1 && first.partitionsReplaced == 0)
        let second = try Ingest.run(paths: [street], mirror: .directory(dir))
        #expect(second.partitionsWritten == 1 && second.partitionsReplaced == 0)
        let third = try Ingest.run(paths: [street, outcomes], mirror: .directory(dir))
        #expect(third.partitionsWritten == 2 && third.partitionsReplaced == 2)
        let m = try CrimeMirror.open(.directory(dir))
        #expect(m.info.outcomeEvents == first.stored)
    }

    /// A street file's last outcome is as of its release: an outcomes-file event replaces it only
    /// when the street row has none or the event is no older than the force's newest street month.
    @Test(arguments: [["2018-10", "2018-11", "2018-12", "2019-01"], ["2018-10", "2018-11", "2018-12", "2019-01", "2019-02", "2020-06", "2020-12"]])
    func olderOutcomesAreHistoryNotTheLastOutcome(streetMonths: [String]) throws {
        let streetFiles = streetMonths.map { TestData.archive + "/\($0)/\($0)-city-of-london-street.csv" }
        let dir = TestData.temporaryDirectory()
        _ = try Ingest.run(paths: streetFiles + [TestData.outcomes], mirror: .directory(dir))
        // Independent expectation, read from the CSVs: the latest event per Crime ID (a later row
        // wins a tie, as in the files' order), taken over the street's outcome when it is no older
        // than the crime and either the street names none or it is no older than the newest month.
        var latest: [String: (month: String, outcome: String)] = [:]
        for m in ["2018-12", "2019-01", "2019-02"] {
            let text = try String(contentsOfFile: TestData.outcomes + "/\(m)/\(m)-city-of-london-outcomes.csv", encoding: .utf8)
            for line in text.split(separator: "\n").dropFirst() {
                let f = ReferenceRows.split(String(line))
                if let cur = latest[f[0]], cur.month > f[1] { continue }
                latest[f[0]] = (f[1], f[9])
            }
        }
        let newest = streetMonths.max()!
        var expected: [String: Int] = [:], expectedCrimes: [String] = []
        var replaced = 0, kept = 0  // events that take over, and newer-than-crime events that do not
        for file in streetFiles {
            for line in try String(contentsOfFile: file, encoding: .utf8).split(whereSeparator: { $0 == "\n" || $0 == "\r\n" }).dropFirst() {
                let f = ReferenceRows.split(String(line))
                guard !f[5].isEmpty else { continue }
                var (outcome, dated) = (f[10], f[1])
                if !f[0].isEmpty, let l = latest[f[0]], l.month >= f[1] {
                    // A street outcome that stands is dated no earlier than the event already recorded.
                    dated = l.month
                    if f[10].isEmpty || l.month >= newest { outcome = l.outcome; if l.outcome != f[10] { replaced += 1 } }
                    else if l.outcome != f[10] { kept += 1 }
                }
                expected[outcome.isEmpty ? "none" : outcome, default: 0] += 1
                expectedCrimes.append("\(f[0])|\(f[1])|\(f[6])|\(outcome)|\(dated)")
            }
        }
        let mirror = try CrimeMirror.open(.directory(dir))
        let q = CrimeQuery.radius(lat: 51.5155, lng: -0.0922, Distance(metres: 16_000))
        let r = try mirror.query(q)
        #expect(r.byOutcome == expected)
        let crimes = try mirror.crimes(q).filter(\.located).map { "\($0.persistentID)|\($0.month)|\($0.locationName)|\($0.outcome)|\($0.outcomeMonth)" }
        #expect(crimes.sorted() == expectedCrimes.sorted())
        #expect(kept > 10, "the street files' later outcomes stand over older events")
        if newest == "2019-01" { #expect(replaced > 50, "events from the newest street month on replace") }
        else { #expect(replaced == 0) }
    }
}

/// `--map-points`: points without crimes still become map points (catchments need them).
@Suite struct MapPointListTests {
    @Test func listedPointsJoinTheIndex() throws {
        let dir = TestData.temporaryDirectory()
        let list = TestData.temporaryDirectory("points") + "/points.csv"
        try """
        id,latitude,longitude,name
        9001,51.515000,-0.092000,On or near Test Lane
        9002,51.516000,-0.093000,"On or near Quoted, Street"
        9003,not-a-number,-0.093000,Broken
        """.write(toFile: list, atomically: true, encoding: .utf8)
        let s = try Ingest.run(paths: [TestData.archive + "/2019-01/2019-01-city-of-london-street.csv"], mapPoints: [list], mirror: .directory(dir))
        let file = try #require(s.files.first { $0.kind == .mapPoints })
        #expect(file.stored == 2 && file.rejected == 1)
        let m = try CrimeMirror.open(.directory(dir))
        #expect(m.info.listedMapPoints == 2)
        let q = CrimeQuery.radius(lat: 51.515, lng: -0.092, Distance(metres: 1))
        #expect(try m.query(q).mapPoints == 1)
        // Re-ingesting crimes keeps the list; a new list replaces it.
        _ = try Ingest.run(paths: [TestData.archive + "/2019-01/2019-01-city-of-london-street.csv"], mirror: .directory(dir))
        #expect(try CrimeMirror.open(.directory(dir)).info.listedMapPoints == 2)
    }
}

/// Crime IDs read from their 64 hex digits (either case) against `UInt64(_:radix:)`, and anything
/// else (a wrong length, one non-hex byte anywhere) refused.
@Suite struct CrimeIDHexTests {
    @Test func hexDigitsDecodeAsUInt64ReadsThem() {
        var rng = SplitMix64(seed: 64)
        let digits = Array("0123456789abcdefABCDEF".utf8)
        for _ in 0..<2000 {
            var text = (0..<64).map { _ in digits[Int(rng.next() % UInt64(digits.count))] }
            let words = (0..<4).map { UInt64(String(decoding: text[($0 * 16)..<($0 * 16 + 16)], as: UTF8.self), radix: 16)! }
            let id = text.withUnsafeBufferPointer { CrimeID.hex($0) }
            #expect(id == CrimeID(kind: .hex, w0: words[0], w1: words[1], w2: words[2], w3: words[3]))
            // One byte that is no hex digit, anywhere: refused.
            let at = Int(rng.next() % 64)
            let bad = [UInt8(ascii: "g"), UInt8(ascii: " "), UInt8(ascii: "/"), UInt8(ascii: ":"), UInt8(ascii: "@"), UInt8(ascii: "G"), 0, 0x80, 0xFF]
            text[at] = bad[Int(rng.next() % UInt64(bad.count))]
            #expect(text.withUnsafeBufferPointer { CrimeID.hex($0) } == nil)
        }
        for n in [0, 63, 65] {
            #expect([UInt8](repeating: UInt8(ascii: "a"), count: n).withUnsafeBufferPointer { CrimeID.hex($0) } == nil)
        }
    }
}
