import Foundation
import Testing
@testable import GeoQuery

/// A Code-Point Open row as the test reads it, independently of the library.
struct CodePointRow {
    var postcode: String
    var easting: Double
    var northing: Double

    /// Every located row of the files (quality 90 and zero references have no location).
    static func load(_ paths: [String]) throws -> [CodePointRow] {
        try paths.flatMap { path in
            try String(contentsOfFile: path, encoding: .utf8).split(whereSeparator: \.isNewline).compactMap { line -> CodePointRow? in
                let f = line.split(separator: ",", omittingEmptySubsequences: false).map { $0.replacingOccurrences(of: "\"", with: "") }
                guard f[1] != "90", let e = Double(f[2]), let n = Double(f[3]), e != 0 || n != 0 else { return nil }
                return CodePointRow(postcode: f[0], easting: e, northing: n)
            }
        }
    }

    /// The rows converted by PROJ's own cs2cs (Debian's proj-bin), with the OSTN15 grid on PROJ_DATA.
    static func cs2cs(_ rows: [CodePointRow]) throws -> [(lat: Double, lng: Double)] {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["cs2cs", "-f", "%.9f", "EPSG:27700", "EPSG:4326"]
        p.environment = ProcessInfo.processInfo.environment.merging(["PROJ_DATA": TestData.projGrids + ":/usr/share/proj"]) { $1 }
        let input = Pipe(), output = Pipe()
        p.standardInput = input
        p.standardOutput = output
        try p.run()
        let text = rows.map { "\($0.easting) \($0.northing)" }.joined(separator: "\n") + "\n"
        DispatchQueue.global().async { input.fileHandleForWriting.write(Data(text.utf8)); try? input.fileHandleForWriting.close() }
        let out = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        // "lat<TAB>lon 0.000000000": EPSG:4326 is latitude first.
        return out.split(separator: "\n").map { line in
            let v = line.split(whereSeparator: { $0 == "\t" || $0 == " " }).compactMap { Double($0) }
            return (v[0], v[1])
        }
    }
}

@Suite(.serialized) struct PostcodeTableTests {
    static let rows: [CodePointRow] = try! CodePointRow.load(TestData.codePointFiles)
    static let reference: [(lat: Double, lng: Double)] = try! CodePointRow.cs2cs(rows)

    var table: PostcodeTable { get throws { try PostcodeTable.open(.directory(TestData.postcodeMirrorPath)) } }

    @Test func everyCodePointPostcodeIsWithin2mOfCs2cs() throws {
        let t = try table
        #expect(Self.reference.count == Self.rows.count, "cs2cs missing? run ./scripts/setup (apt-get install proj-bin)")
        #expect(t.count == Self.rows.count)
        #expect(t.summary.contains("OSTN15 grid"), "\(t.summary)")
        var worst = 0.0
        for (row, ref) in zip(Self.rows, Self.reference) {
            guard let c = t.centroid(of: row.postcode) else { Issue.record("\(row.postcode) not held"); continue }
            worst = max(worst, Geodesic.wgs84.distance(lat1: c.lat, lng1: c.lng, lat2: ref.lat, lng2: ref.lng))
        }
        #expect(worst < 2, "worst difference from cs2cs: \(worst) m")
        print("postcodes vs cs2cs: \(Self.rows.count) points, worst \(worst) m")
    }

    @Test(arguments: ["LE1 5", "le1", "EC1A 1", "DH1", "DH1 3", "EC2V"])
    func sectorAndDistrictCentroidsAreTheMeanOfTheirRows(_ text: String) throws {
        let c = try table.resolve(text)
        let prefix = c.postcode.kind == .sector ? c.postcode.description : c.postcode.description + " "
        let members = zip(Self.rows, Self.reference).filter { (try? Postcode(parsing: $0.0.postcode).description.hasPrefix(prefix)) == true }
        #expect(c.postcodes == members.count && members.count > 1)
        let lat = members.map(\.1.lat).reduce(0, +) / Double(members.count)
        let lng = members.map(\.1.lng).reduce(0, +) / Double(members.count)
        #expect(abs(c.lat - lat) < 1e-6 && abs(c.lng - lng) < 1e-6, "\(c) vs \(lat), \(lng)")
        #expect(c.description.contains("\(c.postcode.kind.rawValue) centroid of \(Format.grouped(members.count)) postcodes"))
    }

    @Test func aUnitResolvesToItsOwnCentroid() throws {
        let c = try table.resolve("le15ww")
        #expect(c.kind == .unit && c.postcodes == 1 && c.postcode.description == "LE1 5WW")
        let i = Self.rows.firstIndex { $0.postcode == "LE1 5WW" }!
        #expect(Geodesic.wgs84.distance(lat1: c.lat, lng1: c.lng, lat2: Self.reference[i].lat, lng2: Self.reference[i].lng) < 2)
        #expect(c.description.hasPrefix("centre: LE1 5WW postcode centroid (52.62"))
    }

    func notFound(_ text: String) throws -> String {
        do { _ = try table.resolve(text); return "" } catch let e as GeoQueryError {
            guard case .postcodeNotFound(let m) = e else { return "wrong error: \(e)" }
            return m
        }
    }

    @Test func notFoundNamesTheNearestHeld() throws {
        // LE1 9ZZ sorts after every unit of LE1 9: its alphabetical neighbours are the sector's last five.
        let sector = Self.rows.map(\.postcode).filter { $0.hasPrefix("LE1 9") }.sorted()
        #expect(try notFound("LE1 9ZZ") == "postcode not found: LE1 9ZZ; nearest known postcodes in sector LE1 9 (alphabetical neighbours): " + sector.suffix(5).joined(separator: ", "))
        #expect(try notFound("le1 0") .hasPrefix("postcode sector not found: LE1 0; sectors held in district LE1: LE1 1, LE1 2,"))
        #expect(try notFound("LE99").hasPrefix("postcode district not found: LE99; districts held in area LE: LE1, LE2, LE3,"))
        #expect(try notFound("SW1A 1AA") == "postcode not found: SW1A 1AA; this mirror holds postcodes in area(s) DH, EC, LE only")
        #expect(throws: GeoQueryError.self) { try table.resolve("not a postcode") }
    }

    /// An ONSPD-shaped file: header, WGS84 lat/long, ONS's 99.999999 marker for no grid reference.
    static func onspd(_ rows: [String]) throws -> String {
        let path = TestData.temporaryDirectory("onspd") + "/ONSPD.csv"
        try ("pcd,pcd7,pcds,dointr,doterm,lat,long\n" + rows.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func scottishAndNorthernIrishPostcodesAnswerWithANote() throws {
        let dir = TestData.temporaryDirectory()
        let file = try Self.onspd(["EH1 1YZ,EH1 1YZ,EH1 1YZ,198001,,55.950000,-3.190000", "BT1 1AA,BT1 1AA,BT1 1AA,198001,,54.600000,-5.930000",
                                   "TD151AA,TD151AA,TD15 1AA,198001,,55.770000,-2.000000", "AB1 0AA,AB1 0AA,AB1 0AA,198001,199606,99.999999,0.000000"])
        let s = try Ingest.run(paths: [], postcodes: [file], mirror: .directory(dir))
        #expect(s.postcodes?.files.first?.kind == .onspd && s.postcodes?.files.first?.noLocation == 1 && s.postcodes?.held == 3)
        let t = try PostcodeTable.open(.directory(dir))
        #expect(try t.resolve("eh11yz").notes.first?.contains("Scotland only through British Transport Police") == true)
        #expect(try t.resolve("BT1").notes.first?.contains("Northern Ireland") == true)
        #expect(try t.resolve("TD15 1AA").notes.first?.contains("straddles") == true)
        #expect(t.summary == "3 (ONS Postcode Directory; WGS84 as published)")
        #expect(throws: GeoQueryError.self) { try t.resolve("AB1 0AA") }  // no grid reference: skipped
    }

    @Test func reIngestReplacesTheSameUnitsAndKeepsTheOthers() throws {
        let dir = TestData.temporaryDirectory()
        let le = TestData.codePoint + "/le.csv"
        _ = try Ingest.run(paths: [], postcodes: [le, TestData.codePoint + "/ec.csv"], gridDirectories: [TestData.projGrids], mirror: .directory(dir))
        let before = try PostcodeTable.open(.directory(dir))
        let moved = try Self.onspd(["LE1 5WW,LE1 5WW,LE1 5WW,,,52.5,-1.5", "LE1 9ZZ,LE1 9ZZ,LE1 9ZZ,,,52.6,-1.2"])
        let s = try Ingest.run(paths: [], postcodes: [moved], mirror: .directory(dir))
        #expect(s.postcodes?.added == 1 && s.postcodes?.replaced == 1 && s.postcodes?.held == before.count + 1)
        let after = try PostcodeTable.open(.directory(dir))
        #expect(after.centroid(of: "LE1 5WW")! == (52.5, -1.5))
        #expect(after.centroid(of: "LE1 9ZZ")! == (52.6, -1.2))
        for row in Self.rows where row.postcode != "LE1 5WW" && (row.postcode.hasPrefix("LE") || row.postcode.hasPrefix("EC")) {
            #expect(after.centroid(of: row.postcode)! == before.centroid(of: row.postcode)!)
        }
        // Re-reading le.csv restores LE1 5WW and retires the file it came from twice over.
        let again = try Ingest.run(paths: [], postcodes: [le], gridDirectories: [TestData.projGrids], mirror: .directory(dir))
        #expect(again.postcodes?.replaced == 21_621 && again.postcodes?.added == 0)
        let last = try PostcodeTable.open(.directory(dir))
        #expect(last.centroid(of: "LE1 5WW")! == before.centroid(of: "LE1 5WW")!)
        #expect(last.sourceLines.count == 3, "\(last.sourceLines)")  // ec.csv, the ONSPD file (LE1 9ZZ), le.csv
    }

    /// The Code-Point folder as published (its column-header file beside the area files): `info`
    /// lists the area files it read, not the header file it skipped.
    @Test func skippedHeaderFileIsNoSource() throws {
        let dir = TestData.temporaryDirectory()
        let s = try Ingest.run(paths: [], postcodes: [TestData.codePoint], gridDirectories: [TestData.projGrids], mirror: .directory(dir))
        #expect(s.postcodes?.files.contains { $0.kind == .skipped && $0.name.hasSuffix("Code-Point_Open_Column_Headers.csv") } == true)
        let lines = try PostcodeTable.open(.directory(dir)).sourceLines
        #expect(lines.count == 3 && lines.allSatisfy { $0.contains("Code-Point Open, ") } && !lines.contains { $0.contains("Column_Headers") }, "\(lines)")
    }

    /// A file of postcodes without a position (Code-Point quality 90) leaves an empty table, which
    /// `info` describes in words (it printed "0 ()").
    @Test func anEmptyTableIsDescribedInWords() throws {
        let dir = TestData.temporaryDirectory()
        let first = try #require(try String(contentsOfFile: TestData.codePoint + "/dh.csv", encoding: .utf8).split(whereSeparator: \.isNewline).first)
        var fields = first.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        (fields[1], fields[2], fields[3]) = ("90", "0", "0")
        let file = TestData.temporaryDirectory("q90") + "/dh.csv"
        try (fields.joined(separator: ",") + "\n").write(toFile: file, atomically: true, encoding: .utf8)
        _ = try Ingest.run(paths: [], postcodes: [file], gridDirectories: [TestData.projGrids], mirror: .directory(dir))
        let table = try PostcodeTable.open(.directory(dir))
        #expect(table.count == 0)
        #expect(table.summary.hasPrefix("none (") && !table.summary.contains("()"), "\(table.summary)")
    }

    @Test func aWrongShapeFileWritesNothing() throws {
        let dir = TestData.temporaryDirectory()
        _ = try Ingest.run(paths: [], postcodes: [TestData.codePoint + "/ec.csv"], mirror: .directory(dir))
        let path = dir + "/" + PostcodeTable.fileName
        let before = try Data(contentsOf: URL(fileURLWithPath: path))
        let bad = TestData.temporaryDirectory("bad") + "/people.csv"
        try "name,age\nbob,3\n".write(toFile: bad, atomically: true, encoding: .utf8)
        #expect(throws: GeoQueryError.self) { try Ingest.run(paths: [], postcodes: [TestData.codePoint + "/le.csv", bad], mirror: .directory(dir)) }
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before)
    }

    @Test func aFailedWriteLeavesThePreviousTableWholeAndNoTemporaryFile() throws {
        let dir = TestData.temporaryDirectory()
        _ = try Ingest.run(paths: [], postcodes: [TestData.codePoint + "/ec.csv"], mirror: .directory(dir))
        let path = dir + "/" + PostcodeTable.fileName
        let before = try Data(contentsOf: URL(fileURLWithPath: path))
        // The writer fails half way through its bytes, as a full disk would.
        #expect(throws: GeoQueryError.self) {
            try MirrorLocation.directory(dir).writeFile(named: PostcodeTable.fileName, what: "the postcode table") { sink in
                before.withUnsafeBytes { _ = sink.append(UnsafeRawBufferPointer(rebasing: $0[0..<(before.count / 2)])) }
                return false
            }
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before)
        // (Besides the ingest's write lock, which stays.)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0 != MirrorLock.fileName } == [PostcodeTable.fileName])
        #expect(try PostcodeTable.open(.directory(dir)).count == 4_240)
    }

    @Test func aKilledIngestLeavesEitherTheOldOrTheNewTable() throws {
        let dir = TestData.temporaryDirectory()
        _ = try Ingest.run(paths: [], postcodes: [TestData.codePoint + "/ec.csv"], mirror: .directory(dir))
        var rng = SeededRandom(seed: SeededRandom.seed(6))
        for _ in 0..<8 {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: TestData.binary)
            p.arguments = ["ingest", "--mirror", dir, "--proj-grids", TestData.projGrids] + TestData.codePointFiles.flatMap { ["--postcodes", $0] }
            p.standardOutput = FileHandle.nullDevice
            try p.run()
            usleep(UInt32.random(in: 0...300_000, using: &rng))
            kill(p.processIdentifier, SIGKILL)
            p.waitUntilExit()
            let count = try PostcodeTable.open(.directory(dir)).count
            #expect(count == 4_240 || count == 34_735, "after a kill: \(count)")
        }
    }
}
