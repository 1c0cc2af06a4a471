import Foundation
import Testing
@testable import GeoQuery

/// `geoquery harvest` and `status` given bad input or an API that is not there: one clear line,
/// exit 1, and the mirror folder left as it was.
@Suite struct HarvestBadInputTests {
    /// `retries`: the error comes after that many notes that a request got no answer and is asked again.
    func expectError(_ args: [String], _ phrase: String, status: Int32 = 1, retries: Int = 0) throws {
        let r = try CLIRun.run(args)
        #expect(r.status == status, "\(args): exit \(r.status), stderr: \(r.stderr)")
        let lines = r.stderr.split(separator: "\n")
        #expect(lines.count == retries + 1, "\(args): expected \(retries + 1) line(s), got: \(r.stderr)")
        #expect(lines.dropLast().allSatisfy { $0.hasPrefix("geoquery: note: ") && $0.contains("; asking again in ") }, "\(args): \(r.stderr)")
        #expect(lines.last?.hasPrefix("geoquery: error: ") == true && r.stderr.contains(phrase), "\(args): \(r.stderr)")
    }

    @Test func apiThatIsNotAURL() throws {
        try expectError(["harvest", "--mirror", TestData.temporaryDirectory(), "--api", "data.police.uk", "--force", "durham", "--date", "2019-01"], "is not an http(s) URL")
    }
    @Test func noArea() throws { try expectError(["harvest", "--mirror", TestData.temporaryDirectory(), "--date", "2019-01"], "give the area to harvest") }
    @Test func unknownForce() throws {
        try expectError(["harvest", "--mirror", TestData.temporaryDirectory(), "--force", "durhm", "--date", "2019-01"], "no force area for 'durhm': did you mean durham?")
    }
    /// A real force without a boundary is not offered as its own correction, nor are forces
    /// without one offered at all; two --force get their own sentence.
    @Test func aForceWithoutABoundaryAndTwoForces() throws {
        try expectError(["harvest", "--mirror", TestData.temporaryDirectory(), "--force", "northern-ireland", "--date", "2019-01", "--dry-run"],
                        "the built-in force areas have no boundary for northern-ireland (")
        try expectError(["harvest", "--mirror", TestData.temporaryDirectory(), "--force", "city-of-london", "--force", "btp", "--date", "2019-01"],
                        "harvest takes one --force (its area; got city-of-london, btp): harvest each force in turn")
        try expectError(["harvest", "--mirror", TestData.temporaryDirectory(), "--force", "btp", "--date", "2019-01", "--dry-run"],
                        "no boundary for btp (British Transport Police): it has no area: harvest the areas whose BTP crimes you want")
        let r = try CLIRun.run(["harvest", "--mirror", TestData.temporaryDirectory(), "--force", "durhm", "--date", "2019-01"])
        #expect(!r.stderr.contains("northern-ireland") && r.stderr.contains("durham, "), "\(r.stderr)")
    }
    @Test func halfARange() throws {
        try expectError(["harvest", "--mirror", TestData.temporaryDirectory(), "--force", "durham", "--from", "2019-01"], "give both --from and --to")
    }
    @Test func forceFilterWithAShape() throws {
        try expectError(["harvest", "--mirror", TestData.temporaryDirectory(), "--lat", "52.63", "--lng", "-1.13", "--force", "durham", "--date", "2019-01"], "the API cannot filter by force")
    }
    @Test func intoTheSample() throws { try expectError(["harvest", "--force", "durham", "--date", "2019-01"], "give --mirror DIR") }
    /// A file as the mirror is refused before the plan (or any request) is made.
    @Test func aFileAsTheMirror() throws {
        let file = TestData.temporaryDirectory() + "/notmirror.txt"
        try Data("x".utf8).write(to: URL(fileURLWithPath: file))
        try expectError(["harvest", "--mirror", file, "--force", "durham", "--date", "2019-01", "--dry-run"], "is a file, not a mirror folder")
    }
    /// Refused beside an area, and beside --force alone too (where they were dropped silently and
    /// BTP's crimes stored; an independent check found it).
    @Test func excludeBTPOrARadiusBesideAForceAlone() throws {
        try expectError(["harvest", "--mirror", TestData.temporaryDirectory(), "--force", "durham", "--date", "2019-01", "--exclude-btp", "--dry-run"], "leave out --exclude-btp")
        try expectError(["harvest", "--mirror", TestData.temporaryDirectory(), "--force", "durham", "--date", "2019-01", "--radius", "1mi", "--dry-run"], "--radius needs a centre")
    }
    /// A negative number is a wrong number, said so, not "Missing value" (the argument parser
    /// read `-3` as an option); the same for tile's and serve's numbers.
    @Test func negativeNumbersAreWrongNumbers() throws {
        let dir = TestData.temporaryDirectory()
        try expectError(["harvest", "--mirror", dir, "--force", "durham", "--date", "2019-01", "--concurrency", "-3"], "--concurrency must be 1 to 16 (got -3)", status: 2)
        try expectError(["harvest", "--mirror", dir, "--force", "durham", "--date", "2019-01", "--limit", "-5"], "--limit must be a positive number of crimes (got -5)", status: 2)
        try expectError(["tile", "--mirror", TestData.realMirrorPath, "--lat", "52.63", "--lng", "-1.13", "--radius", "1km", "--date", "2019-01", "--margin", "-1"], "--margin must be in (0, 1]", status: 2)
        try expectError(["tile", "--mirror", TestData.realMirrorPath, "--lat", "52.63", "--lng", "-1.13", "--radius", "1km", "--date", "2019-01", "--limit", "0"], "--limit must be a positive number of crimes (got 0)", status: 2)
        try expectError(["serve", "--mirror", TestData.realMirrorPath, "--port", "-1"], "--port -1 is not a port", status: 2)
    }
    @Test func unknownCategory() throws {
        try expectError(["harvest", "--mirror", TestData.temporaryDirectory(), "--force", "durham", "--date", "2019-01", "--category", "burglry"], "did you mean burglary?")
    }

    @Test func unreachableAPILeavesTheMirrorAsItWas() throws {
        let dir = TestData.temporaryDirectory()
        _ = try Ingest.run(paths: [TestData.archive + "/2019-01/2019-01-durham-street.csv"], mirror: .directory(dir))
        let before = try Data(contentsOf: URL(fileURLWithPath: dir + "/" + SnapshotFormat.fileName))
        // Port 9 (discard) is closed here: every try is refused at once, then backs off. The first
        // request asks crimes-street-dates whether the API holds the month.
        try expectError(["harvest", "--mirror", dir, "--api", "http://127.0.0.1:9/api/", "--lat", "54.77", "--lng", "-1.57", "--radius", "1mi", "--date", "2019-02"],
                        "cannot reach http://127.0.0.1:9/api/crimes-street-dates", retries: 4)
        #expect(try Data(contentsOf: URL(fileURLWithPath: dir + "/" + SnapshotFormat.fileName)) == before)
        // status tells its retries too (it said nothing for as long as they took).
        try expectError(["status", "--mirror", dir, "--api", "http://127.0.0.1:9/api/"], "cannot reach http://127.0.0.1:9/api/crime-last-updated", retries: 4)
    }

    /// A mirror folder that cannot be made is said at once: before, the API was asked first (and,
    /// unreachable, retried for seconds) and the folder's error came only after.
    @Test func aFolderThatCannotBeMadeIsSaidBeforeTheAPIIsAsked() throws {
        try expectError(["harvest", "--mirror", "/proc/geoquery-mirror", "--api", "http://127.0.0.1:9/api/", "--force", "durham", "--date", "2019-01"],
                        "cannot create /proc/geoquery-mirror (the mirror folder)")
    }

    @Test func dryRunWritesNothing() throws {
        let dir = TestData.temporaryDirectory() + "/absent"
        let r = try CLIRun.run(["harvest", "--mirror", dir, "--force", "city-of-london", "--from", "2019-01", "--to", "2019-02", "--dry-run"])
        #expect(r.status == 0, "\(r.stderr)")
        // No counts in an empty mirror: one request for the whole area, one crimes-no-location, per month.
        #expect(r.stdout.contains("2019-01  2 ") && r.stdout.contains("2019-02  2 ") && r.stdout.contains("unknown (no counts"), "\(r.stdout)")
        #expect(!FileManager.default.fileExists(atPath: dir))
        // Planned from a month the mirror holds from the archive: the force's crimes outside its
        // area are counted in a note (the library's test checks the count by brute force).
        let held = try CLIRun.run(["harvest", "--mirror", TestData.realMirrorPath, "--force", "leicestershire", "--date", "2022-11", "--dry-run"])
        #expect(held.status == 0 && held.stderr.contains("geoquery: note: leicestershire's own data for 2022-10 (from the archive) places "), "\(held.stderr)")
    }
}
