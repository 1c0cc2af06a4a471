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

    /// XMLParser reports success when the input ends with elements open: a KML cut short after
    /// its first placemark must not answer for that placemark alone.
    @Test func kmlCutShortIsRefused() throws {
        let first = "<Placemark><Polygon><outerBoundaryIs><LinearRing><coordinates>-0.10,51.51 -0.08,51.51 -0.08,51.52 -0.10,51.51</coordinates></LinearRing></outerBoundaryIs></Polygon></Placemark>"
        let second = first.replacingOccurrences(of: "51.5", with: "51.6")
        let whole = "<kml><Document>\(first)\(second)</Document></kml>"
        #expect(try PolygonReader.kml(whole).parts.count == 2)
        let cut = String(whole.prefix(whole.count - "</Polygon></Placemark></Document></kml>".count))
        let error = #expect(throws: GeoQueryError.self) { try PolygonReader.kml(cut) }
        #expect(error.map { "\($0)".contains("cannot read the KML: the XML ends before <Polygon> is closed (is the file cut short?)") } == true, "\(String(describing: error))")
        // Hexadecimal is not a KML coordinate (decimal degrees, as everywhere else).
        #expect(throws: GeoQueryError.self) { try PolygonReader.kml(whole.replacingOccurrences(of: "-0.08,51.52", with: "-0.08,0x34")) }
    }

    /// Placemarks are an area's parts as a GeoJSON FeatureCollection's features are: two that
    /// overlap are their union (read as one MultiPolygon they were refused as self-intersecting,
    /// while the same two as GeoJSON features were unioned; an independent check).
    @Test func kmlPlacemarksAreUnitedAsGeoJSONFeaturesAre() throws {
        func box(_ w: Double, _ s: Double, _ e: Double, _ n: Double) -> String {
            "<Placemark><Polygon><outerBoundaryIs><LinearRing><coordinates>\(w),\(s) \(e),\(s) \(e),\(n) \(w),\(n) \(w),\(s)</coordinates></LinearRing></outerBoundaryIs></Polygon></Placemark>"
        }
        let kml = try PolygonReader.kml("<kml><Document>\(box(-1.15, 52.62, -1.12, 52.64))\(box(-1.13, 52.63, -1.10, 52.65))</Document></kml>")
        func feature(_ w: Double, _ s: Double, _ e: Double, _ n: Double) -> String {
            #"{"type":"Feature","properties":{},"geometry":{"type":"Polygon","coordinates":[[[\#(w),\#(s)],[\#(e),\#(s)],[\#(e),\#(n)],[\#(w),\#(n)],[\#(w),\#(s)]]]}}"#
        }
        let geojson = try PolygonReader.area(of: PolygonReader.geojsonFeatures(#"{"type":"FeatureCollection","features":[\#(feature(-1.15, 52.62, -1.12, 52.64)),\#(feature(-1.13, 52.63, -1.10, 52.65))]}"#, key: nil))
        #expect(kml.parts.count == 1)
        let q = { (p: Polygon) in try TestData.realMirror.query(.polygon(p, from: Month("2019-01"), to: Month("2019-01"))).total }
        let (a, b) = (try q(kml), try q(geojson))
        #expect(a == b && a > 100, "\(a) against \(b)")
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
        // A malformed declaration crashed XMLParser too (the long run, finding 12): it is refused
        // with one line. A well-formed one is dropped (the bytes are UTF-8 whatever it names).
        let crasher = "<?xml -version=\"1.0\"&><kml xml51.5165865097457<?xml\u{FF}.?><kml xmlns=\"http://www.openg\u{BB}is.net/kml/2.2 6i7n"
        #expect(throws: GeoQueryError.self) { try PolygonReader.kml(crasher) }
        for bad in ["<?xml version=\"1.0?>", "<?xml encoding=\"UTF-8\"?>", "<?xml version=\"1.0\" <kml>?>", "<?xml version='1.0' standalone='maybe'?>"] {
            let error = #expect(throws: GeoQueryError.self) { try PolygonReader.kml(bad + "<kml>\(polygon)</kml>") }
            #expect(error.map { "\($0)".contains("XML declaration at the start is malformed") } == true, "\(bad): \(String(describing: error))")
        }
        #expect(try PolygonReader.kml("<?xml version='1.1' encoding=\"ISO-8859-1\" standalone=\"yes\" ?>\n<kml>\(polygon)</kml>") == plain)
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

    /// A deflate stream that needs more bytes than its entry holds (a stored block declaring 65,535
    /// bytes, followed by far fewer) made ZIPFoundation's Linux inflate loop spin forever at the end
    /// of the file; the entry is now refused, within a second or two, with one line.
    @Test func zipDeflateStreamThatDoesNotEndIsRefused() throws {
        let dir = TestData.temporaryDirectory("zip")
        let path = dir + "/2019-01.zip", entryName = "2019-01/2019-01-city-of-london-street.csv"
        let csv = Data((StreetCSVFormat.header + ",2019-01,City of London Police,City of London Police,-0.09,51.51,On or near Fleet Street,E01000001,City of London 001A,Burglary,,\n").utf8)
        // Deflate: a final stored block (BFINAL 1, BTYPE 00) of LEN 65,535 (NLEN its complement).
        let stream = Data([0x01, 0xFF, 0xFF, 0x00, 0x00]) + csv
        let archive = try Archive(url: URL(fileURLWithPath: path), accessMode: .create)
        try archive.addEntry(with: entryName, type: .file, uncompressedSize: Int64(stream.count), compressionMethod: .none) { position, size in
            stream.subdata(in: Int(position)..<Int(position) + size)
        }
        // Mark the entry deflated (method 8) in its local header (offset 8) and central directory record (offset 10).
        var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        let central = try #require(bytes.range(of: Data([0x50, 0x4B, 0x01, 0x02]))).lowerBound
        #expect(bytes[8] == 0 && bytes[central + 10] == 0)
        bytes[8] = 8
        bytes[central + 10] = 8
        try bytes.write(to: URL(fileURLWithPath: path))

        let mirror = dir + "/mirror"
        // On a thread of its own, so that a hang fails the test instead of stalling the suite.
        let outcome = IngestOutcome()
        let started = Date()
        Thread.detachNewThread {
            outcome.result = Result { try Ingest.run(paths: [path], mirror: .directory(mirror)) }
            outcome.done.signal()
        }
        try #require(outcome.done.wait(timeout: .now() + 10 * Sanitizer.slowdown) == .success, "ingest did not return within \(10 * Sanitizer.slowdown) s")
        #expect(Date().timeIntervalSince(started) < 2 * Sanitizer.slowdown)
        let result = try #require(outcome.result)
        #expect(throws: GeoQueryError.unreadableInput("\(path): \(entryName) is damaged (its deflate stream does not end within the \(stream.count) compressed bytes the archive records): download the archive again")) {
            try result.get()
        }
        #expect(!FileManager.default.fileExists(atPath: mirror + "/" + SnapshotFormat.fileName))
    }

    /// A zip whose ZIP64 end-record locator points past Int64's range (92 bytes found by a 150 s
    /// zip run): refused as unreadable, where Foundation's seek to that offset stopped the process.
    @Test func zip64LocatorPastTheFileIsRefused() throws {
        let bytes: [UInt8] = [
            0x50, 0x4B, 0x03, 0x04, 0x14, 0x00, 0x00, 0xE8, 0xB4, 0xFF, 0x27, 0x0A, 0xF1, 0x6B, 0x66, 0x3C,
            0x30, 0x30, 0x35, 0x2D, 0x63, 0x69, 0x79, 0x74, 0x2F, 0x6F, 0x66, 0x50, 0x4B, 0x06, 0x07, 0x64,
            0x6F, 0x6E, 0x29, 0x90, 0x8A, 0x8B, 0x63, 0xFF, 0xFF, 0xFF, 0xFF, 0x05, 0x05, 0x4B, 0x50, 0x50,
            0x4B, 0x05, 0x06, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xFE, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
            0xFF, 0xFF, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x02, 0x00, 0xB0, 0x00, 0x00, 0x00, 0x8E, 0x07,
            0x00, 0x00, 0x01, 0x00, 0x6E, 0x80, 0xCB, 0x00, 0x56, 0xDD, 0x00, 0x00,
        ]
        let path = TestData.temporaryDirectory("zip64") + "/2019-01.zip"
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        #expect(throws: GeoQueryError.self) { try IngestSource.expand([path]) }
    }

    /// An open ring whose first and last points hold long numbers (22 significant digits; an
    /// 18-digit integer) was left open on the way through Foundation and GEOS with `repair`:
    /// `as? [Double]` refuses an integer a Double cannot hold exactly, so the ring was not closed
    /// and GEOS's error came out instead of the byte reader's. Both readers now close it and give
    /// the same coordinates, or the same error.
    @Test func geojsonLongNumbersReadAlikeByBothReaders() throws {
        func both(_ text: String, repair: Bool) -> (bytes: Result<Polygon, Error>, viaGEOS: Result<Polygon, Error>) {
            (Result { try PolygonReader.geojson(text, repair: repair) },
             Result { try PolygonReader.area(of: PolygonReader.geojsonFeaturesThroughGEOS(text, key: nil, selecting: .init(), repair: repair)) })
        }
        let ring = "[-0.094559469346036,51.522047053843664],[-0.094338555685991,51.521460873664978],[-0.092763202722424,51.521387320197306]"
        // Closed, and open (repaired), with coordinates of 22 and 26 significant digits.
        for (text, repair) in [(#"{"type":"Polygon","coordinates":[[[-0.096785779173314,51.52324949597083865032],\#(ring),[-0.096785779173314,51.52324949597083865032]]]}"#, false),
                               (#"{"type":"Polygon","coordinates":[[[-0.09678577917331412345678901,51.52324949597083865032],\#(ring)]]}"#, true)] {
            let (bytes, viaGEOS) = both(text, repair: repair)
            let a = try bytes.get(), b = try viaGEOS.get()
            #expect(a == b)
            // The correctly rounded value (strtod's), as GEOS reads the digits Foundation keeps.
            #expect(a.parts[0][0].first?.lat == strtod("51.52324949597083865032", nil))
        }
        // The fuzzer's input, reduced: the last point's 18-digit integer latitude is out of range.
        let open = #"{"type":"Polygon","coordinates":[[[-0.096785779173314,51.52324949597083865032],\#(ring),[-0.096785779173314,510523249495970838]]]}"#
        let (bytes, viaGEOS) = both(open, repair: true)
        #expect(throws: GeoQueryError.self) { try bytes.get() }
        #expect(String(describing: bytes) == String(describing: viaGEOS))
    }

    /// A position of no numbers (`[]`) in a ring crashed GEOS 3.11's GeoJSON reader (a null read in
    /// `readCoordinate`); both readers now refuse it with the same line, through either path.
    @Test func geojsonEmptyPositionIsRefusedNotCrashed() throws {
        let text = #"{"type":"Polygon","coordinates":[[[-0.0732,51.5100],[],[-0.0764,51.5152],[-0.0761,51.5104],[-0.0732,51.5100]]]}"#
        let message = "invalid GeoJSON Polygon: a position holds 0 numbers ([]): each needs a longitude and a latitude"
        bothGeoJSONRoutesRefuse(text, with: .invalidQuery(message))
        let one = text.replacingOccurrences(of: "[],", with: "[1],")
        #expect(throws: GeoQueryError.invalidQuery(message.replacingOccurrences(of: "0 numbers ([])", with: "1 number ([1])"))) { try PolygonReader.geojson(one) }
    }

    /// A GeoJSON "type" that is not a string was printed in the error as Foundation's dictionary,
    /// whose key order differs from one parse to the next, so the two readers gave different lines
    /// for the same text. The message now names the kind, and is the same every time.
    @Test func geojsonTypeThatIsNotAStringGivesOneMessage() throws {
        let text = #"{"type":[{"type":"Feature","properties":{},"geometry":{"type":"MultiPolygon","coordinates":[[[[0,0],[47],[-0.097492]]]]}}]}"#
        let message = "GeoJSON \"type\" is not a string, so it is not a Polygon, MultiPolygon, Feature or FeatureCollection"
        for _ in 0..<20 { bothGeoJSONRoutesRefuse(text, with: .invalidQuery(message)) }
        #expect(throws: GeoQueryError.invalidQuery("GeoJSON text has no \"type\", so it is not a Polygon, MultiPolygon, Feature or FeatureCollection")) {
            try PolygonReader.geojson(#"{"coordinates":[]}"#)
        }
        #expect(throws: GeoQueryError.invalidQuery("GeoJSON type 'Circle' is not a Polygon, MultiPolygon, Feature or FeatureCollection")) {
            try PolygonReader.geojson(#"{"type":"Circle"}"#)
        }
    }

    /// A GeoJSON position of -0.0 was read as -0.0 from the bytes and as 0.0 through Foundation
    /// (the route `--feature` takes), so a message quoting the point differed by route.
    @Test func geojsonNegativeZeroReadsAsZeroOnBothRoutes() throws {
        let text = #"{"type":"Polygon","coordinates":[[[-0.0,95],[-0.1,51.5],[-0.2,51.6],[-0.0,95]]]}"#
        let message = "polygon point 95.0,0.0 is out of range (latitude -90 to 90, longitude -180 to 180)"
        bothGeoJSONRoutesRefuse(text, with: .invalidCoordinate(message))
        let inside = #"{"type":"Polygon","coordinates":[[[-0.0,51.5],[-0.1,51.5],[-0.1,51.6],[-0.0,51.5]]]}"#
        #expect(try PolygonReader.geojson(inside).parts[0][0][0].lng.sign == .plus)
    }

    /// A ring whose last position is written differently from its first but names the same
    /// Doubles (51.508412871033491 and 51.508412871033492) is closed: the byte reader saw it so,
    /// but the Foundation-and-GEOS route compared the literals, called it open and repeated its
    /// first point (a geojson fuzz finding, random seed). Both routes now give the same rings.
    @Test func geojsonRingClosedByEqualDoublesIsClosedOnBothRoutes() throws {
        let text = #"{"coordinates":[[[[-0.104141380632386,51.508412871033491],[-0.104436531759979,51.50839913508797],[-0.104729595445304,51.508458267316726],[-0.104141380632386,51.508412871033492]]],[[[-0.078471686980588,51.521509495298664],[-0.076441730631434,51.513432066334254],[-0.0761362961686980588,51.521509764522271]]]],"type":"MultiPolygon"}"#
        let bytes = try PolygonReader.geojson(text, repair: true)
        let viaGEOS = try PolygonReader.area(of: PolygonReader.geojsonFeaturesThroughGEOS(text, key: nil, selecting: .init(), repair: true))
        #expect(bytes.parts.map { $0.map(\.count) } == [[4], [4]])
        #expect(bytes == viaGEOS)
    }

    /// The byte reader and the Foundation-and-GEOS route (`--feature`, `--where`) both refuse
    /// `text` with `error`.
    private func bothGeoJSONRoutesRefuse(_ text: String, with error: GeoQueryError, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(throws: error, sourceLocation: sourceLocation) { try PolygonReader.geojson(text) }
        #expect(throws: error, sourceLocation: sourceLocation) {
            try PolygonReader.geojsonFeaturesThroughGEOS(text, key: nil, selecting: .init(), repair: true)
        }
    }

    /// A GeoJSON coordinate beyond a Double's range (`51.51e830518839472`, a geojson fuzz finding,
    /// random seed, 2026-12-06): Foundation refuses the whole document, while the byte reader
    /// read it as infinite and went on to say the ring was not closed. A document with such a
    /// number anywhere (a coordinate, a property) now goes Foundation's way on both routes.
    @Test func geojsonNumberBeyondDoubleRangeGivesFoundationsVerdictOnBothRoutes() throws {
        let ring = "[-0.104141380632386,51.508412871033492],[-0.104436531759979,51.50839913508797],[-0.104729595445304,51.508458267316726]"
        let example = "expected {\"type\": \"FeatureCollection\" | \"Feature\" | \"Polygon\" | \"MultiPolygon\", ...}"
        for (text, number) in [(#"{"type":"MultiPolygon","coordinates":[[[\#(ring),[-0.09241562919856,51.51e830518839472]]]]}"#, "51.51e830518839472"),
                               (#"{"type":"Feature","properties":{"n":-1e400},"geometry":{"type":"Polygon","coordinates":[[\#(ring),[-0.104141380632386,51.508412871033492]]]}}"#, "-1e400")] {
            bothGeoJSONRoutesRefuse(text, with: .invalidQuery("the GeoJSON holds a number out of range (\(number)); \(example)"))
        }
        // A batch line's GeoJSON object (read from the line's bytes, not as text) says it in the
        // same words, not as a polygon point at inf (an independent check found "52.62,inf").
        let line = #"{"id":15,"geojson":{"type":"Polygon","coordinates":[[[1e400,52.62],[-1.11,52.64],[-1.11,52.62],[1e400,52.62]]]}}"#
        #expect(throws: GeoQueryError.invalidQuery("the GeoJSON holds a number out of range (1e400); \(example)")) { try QueryInput(jsonLine: line).polygon() }
        // 1e300 is in range: read, and the ring's closure is what is wrong.
        let inRange = #"{"type":"Polygon","coordinates":[[\#(ring),[-0.09241562919856,1e300]]]}"#
        #expect(JSONBytes(inRange)?.numbers.beyondDouble == nil)
        #expect(JSONBytes(#"{"a":[1,2e400]}"#)?.numbers.beyondDouble != nil && JSONBytes(#"{"a":{"b":-1e400}}"#)?.numbers.beyondDouble != nil)
        #expect { try PolygonReader.geojson(inRange) } throws: { "\($0)".contains("first and last points differ") }
    }

    /// A batch line holding a number beyond a Double's range: RFC 8259 allows it and the byte
    /// reader reads it (as infinite), where Foundation refuses the line; the query then refuses it.
    @Test func batchLineNumberBeyondDoubleRange() throws {
        let line = #"{"lat":1e400,"lng":-1.13,"radius":"1mi"}"#
        #expect((try? JSONSerialization.jsonObject(with: Data(line.utf8))) == nil)
        let input = try QueryInput(jsonLine: line)
        #expect(input.lat == .infinity && input.lng == strtod("-1.13", nil))
        #expect(throws: GeoQueryError.self) { try input.query() }
        // Digits past a Double's precision are rounded correctly, as strtod does.
        let long = try QueryInput(jsonLine: #"{"lat":51.517450020863116091802661,"lng":-0.099669100609672,"radius":"1mi"}"#)
        #expect(long.lat == strtod("51.517450020863116091802661", nil))
    }

    /// A batch line whose `geojson` is a number, boolean or null (`{"geojson":52.6,}`, found by a
    /// 300 s batch-line run): one error line, where writing the value back as JSON without
    /// `.fragmentsAllowed` made Foundation stop the process. The value reaches the GeoJSON reader
    /// as Foundation spells it (the line's own text for a number Foundation refuses).
    @Test func batchLineGeoJSONThatIsNoObjectIsRefused() throws {
        for (line, text) in [(#"{"geojson":52.6}"#, "52.6"), (#"{"geojson":52.6,}"#, "52.6"), (#"{"geojson":true}"#, "true"),
                             (#"{"geojson":null}"#, "null"), (#"{"geojson":1e2}"#, "100"), (#"{"geojson":1e400}"#, "1e400")] {
            let input = try QueryInput(jsonLine: line)
            #expect(input.geojson == text, "\(line)")
            // Valid JSON that is no object: said so, not "cannot be read as JSON".
            let error = #expect(throws: GeoQueryError.self, "\(line)") { try input.query() }
            let words = text == "1e400" ? "the GeoJSON holds a number out of range (1e400)" : "the GeoJSON is JSON but not an object"
            #expect(error?.description.hasPrefix(words) == true, "\(line): \(String(describing: error))")
        }
    }

    /// A radius of 1e19 miles (`"9999999999999999999 mile"`, found by an independent check of
    /// random batch lines): refused in one error that quotes it, where quoting it converted the
    /// miles to an `Int` and trapped.
    @Test func hugeRadiusIsRefusedNotATrap() throws {
        let circle = Circle(lat: 52.63, lng: -1.13, radius: try Distance(parsing: " 9999999999999999999 mile"))
        #expect(throws: GeoQueryError.invalidRadius("radius 10000000000000000000.00 mi is above the cap of 10 mi (16.1 km): use a polygon for larger areas")) {
            try circle.validate()
        }
        #expect(Format.decimal(-1e19, places: 1) == "-10000000000000000000.0")
        #expect(Format.decimal(4.6e18, places: 0) == "4600000000000000000")
        #expect(Format.decimal(1234.5678, places: 2) == "1234.57")
    }

    /// A section table whose offset or length is past `Int`'s range (or whose sum overflows), with
    /// a header checksum that matches: refused as damaged, where converting it to `Int` trapped.
    @Test func sectionTableEntryPastIntRangeIsRefused() throws {
        let file = PostcodeTable.file
        let body: [UInt8] = Array(repeating: 7, count: 40)
        let intact = file.bytes([(id: 1, bytes: { f in body.withUnsafeBytes { f($0) } })])
        let path = "damaged.geoquery"
        let corrupt = GeoQueryError.mirrorCorrupt("\(path) is not a valid geoquery postcode table (damaged or truncated): \(file.rebuild)")
        #expect(try intact.withUnsafeBytes { try file.sections($0, path: path)[1]?.length } == 40)
        // The one entry's offset (at 24) and length (at 32), then the header checksum (at 48).
        for (offset, length) in [(UInt64(1) << 63, UInt64(40)), (UInt64(48), UInt64.max), (UInt64(64), UInt64(Int.max))] {
            var damaged = intact
            damaged.withUnsafeMutableBytes { raw in
                raw.storeBytes(of: offset.littleEndian, toByteOffset: 24, as: UInt64.self)
                raw.storeBytes(of: length.littleEndian, toByteOffset: 32, as: UInt64.self)
                let sum = SnapshotFormat.checksum(UnsafeRawBufferPointer(rebasing: raw[0..<48]))
                raw.storeBytes(of: sum.littleEndian, toByteOffset: 48, as: UInt64.self)
            }
            #expect(throws: corrupt) { try damaged.withUnsafeBytes { try file.sections($0, path: path) } }
        }
    }
}

/// An ingest's result handed from its thread; `done` orders the write before the read.
private final class IngestOutcome: @unchecked Sendable {
    var result: Result<IngestSummary, Error>?
    let done = DispatchSemaphore(value: 0)
}
