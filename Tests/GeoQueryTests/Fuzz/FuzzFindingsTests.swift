import Foundation
import Testing
import ZIPFoundation
@testable import GeoQuery

/// What the fuzz targets (Fuzz/, FUZZING.md) found, each reduced to a small input built here.
@Suite struct FuzzFindingsTests {
    /// A zip entry whose bytes no longer match its CRC-32 is refused: ZIPFoundation returns the
    /// checksum of what it extracted without comparing it, so damaged rows were read as rows.
    @Test func zipEntryWithAnotherCRCIsRefused() throws {
        let dir = TestData.temporaryDirectory("zip")
        let path = dir + "/2019-01.zip"
        let csv = Data((StreetCSVFormat.header + ",2019-01,City of London Police,City of London Police,-0.09,51.51,On or near Fleet Street,E01000001,City of London 001A,Burglary,,\n").utf8)
        let archive = try Archive(url: URL(fileURLWithPath: path), accessMode: .create)
        try archive.addEntry(with: "2019-01/2019-01-city-of-london-street.csv", type: .file, uncompressedSize: Int64(csv.count),
                             compressionMethod: .none) { position, size in csv.subdata(in: Int(position)..<Int(position) + size) }
        // The intact archive ingests; one byte of the stored rows changed ("Burglary" → "Burglarz") is refused.
        _ = try Ingest.run(paths: [path], mirror: .directory(dir + "/intact"))
        var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        let at = try #require(bytes.range(of: Data("Burglary".utf8))).upperBound - 1
        bytes[at] = UInt8(ascii: "z")
        try bytes.write(to: URL(fileURLWithPath: path))
        let mirror = dir + "/damaged"
        #expect(throws: GeoQueryError.unreadableInput("\(path): 2019-01/2019-01-city-of-london-street.csv is damaged (its CRC-32 or size does not match what the archive records): download the archive again")) {
            try Ingest.run(paths: [path], mirror: .directory(mirror))
        }
        #expect(!FileManager.default.fileExists(atPath: mirror + "/" + SnapshotFormat.fileName))
    }

    /// An ONSPD file whose first row opens a quote it never closes: the row is counted as
    /// rejected (read + 1 = stored + no location + rejected, as in every other file), not dropped.
    @Test func onspdUnterminatedFirstRowIsRejected() throws {
        let path = TestData.temporaryDirectory("onspd") + "/onspd.csv"
        try Data("pcds,lat,long\n\"EC1A 1BB,51.52,-0.10\n".utf8).write(to: URL(fileURLWithPath: path))
        let file = try #require(try PostcodeCSV.read([path], gridDirectories: []).files.first)
        #expect(file.kind == .onspd && file.read == 0 && file.stored == 0)
        #expect(file.rejected == 1 && file.problems == ["\(path):2: unterminated quoted field; the rest of the file was not read"])
    }

    /// A processing instruction with no data (`<?a?>`) crashed Foundation's XMLParser on Linux
    /// (strlen of NULL); KML has no use for them, so the reader drops them.
    @Test func kmlProcessingInstructionWithoutData() throws {
        let polygon = "<Placemark><Polygon><outerBoundaryIs><LinearRing><coordinates>-0.10,51.51 -0.08,51.51 -0.08,51.52 -0.10,51.51</coordinates></LinearRing></outerBoundaryIs></Polygon></Placemark>"
        let plain = try PolygonReader.kml("<?xml version=\"1.0\"?><kml>\(polygon)</kml>")
        #expect(try PolygonReader.kml("<?xml version=\"1.0\"?><kml><?a?>\(polygon)<?b c?></kml>") == plain)
        #expect(try PolygonReader.kml("<?a?><kml>\(polygon)</kml>") == plain)
        // A leading PI whose target only starts with "xml" is no declaration (found by CI's fuzz run).
        #expect(try PolygonReader.kml("<?xmlrsioN4geos?><kml>\(polygon)</kml>") == plain)
        #expect(throws: GeoQueryError.self) { try PolygonReader.kml("<kml><?a") }
    }

    /// With `repair`, an open GeoJSON ring closed on the way through GEOS's reader stayed open
    /// when its first number was long (17 digits): Foundation keeps it as a decimal, and the
    /// Double appended to close the ring was written with another last digit. Both readers now
    /// close it alike.
    @Test func geojsonOpenRingWithLongNumbersRepairsThroughGEOS() throws {
        let text = #"{"type":"Polygon","coordinates":[[[-0.078471686980588,51.521509764522271],[-0.076,51.521],[-0.077,51.518]]]}"#
        let bytes = try PolygonReader.geojson(text, repair: true)
        let viaGEOS = try PolygonReader.area(of: PolygonReader.geojsonFeaturesThroughGEOS(text, key: nil, selecting: .init(), repair: true))
        #expect(bytes == viaGEOS)
        #expect(bytes.parts[0][0].first == bytes.parts[0][0].last && bytes.parts[0][0].count == 4)
    }
}
