import Foundation

/// Postcode centroids read from one ingest's files, in file order, before they join the mirror.
struct PostcodeBatch {
    /// Unit keys (``Postcode/key``), WGS84 degrees, and the index of the file each came from.
    var keys: [UInt64] = []
    var lat: [Double] = []
    var lng: [Double] = []
    var file: [Int] = []
    var files: [FileSummary] = []
    /// How Code-Point Open's grid references became WGS84 (nil when no Code-Point file was read).
    var transformation: String?
}

/// Reads the two public postcode sources, telling them apart by content:
/// - the ONS Postcode Directory (ONSPD): a header row; a `pcds`/`pcd`/`pcd7`/`pcd8`/`postcode`
///   column and `lat`/`long` (or `latitude`/`longitude`) in WGS84. ONS writes lat 99.999999 for
///   postcodes without a grid reference: those are skipped and counted as having no location.
/// - OS Code-Point Open: no header; Postcode, Positional_quality_indicator, Eastings, Northings,
///   ... in British National Grid metres, converted with ``BritishNationalGrid``. Quality 90 or
///   zero coordinates mean no location: skipped and counted.
enum PostcodeCSV {
    static let onspdPostcodeColumns = ["pcds", "pcd", "pcd7", "pcd8", "postcode"]
    static let expectedShape = "expected an ONS Postcode Directory CSV (a header row with a pcds, pcd, pcd7, pcd8 or postcode column and lat and long, or latitude and longitude, columns) or an OS Code-Point Open CSV (no header; columns Postcode, Positional_quality_indicator, Eastings, Northings, ...)"

    /// Reads every file (folders are searched for .csv files); a file of neither shape stops
    /// the whole ingest before anything is written.
    static func read(_ paths: [String], gridDirectories: [String]) throws -> PostcodeBatch {
        var batch = PostcodeBatch()
        var grid: BritishNationalGrid?
        for source in try IngestSource.expand(paths) {
            let bytes = try source.load()
            let index = batch.files.count
            var grid2 = grid
            let summary = try bytes.withUnsafeBufferPointer { buffer -> FileSummary in
                var scanner = CSVScanner(buffer)
                let first: Bool
                do { first = try scanner.next() } catch { throw GeoQueryError.postcodeFile("\(source.name): unterminated quoted field on line 1; \(expectedShape)") }
                guard first else { throw GeoQueryError.postcodeFile("\(source.name) is empty; \(expectedShape)") }
                let header = scanner.fields.indices.map { scanner.string($0).lowercased() }
                // Code-Point Open ships its column names as a CSV beside the data: documentation,
                // so a folder of the product reads whole.
                if header.starts(with: ["pc", "pq", "ea", "no"]) { return FileSummary(name: source.name, kind: .skipped) }
                if header == PoliceCSV.streetHeader || header == PoliceCSV.outcomesHeader {
                    throw GeoQueryError.postcodeFile("\(source.name) is a Police UK crime CSV, not a postcode file: give crime files before --postcodes, which takes every path up to the next option (geoquery ingest --mirror DIR FILES... --postcodes FILE)")
                }
                if let columns = onspdColumns(header) {
                    return readONSPD(&scanner, columns: columns, name: source.name, file: index, into: &batch)
                }
                if looksLikeCodePoint(scanner) {
                    if grid2 == nil { grid2 = try BritishNationalGrid(gridDirectories: gridDirectories) }
                    return try readCodePoint(&scanner, grid: grid2!, name: source.name, file: index, into: &batch)
                }
                throw GeoQueryError.postcodeFile("\(source.name) is not a postcode file: \(expectedShape)")
            }
            grid = grid2
            batch.files.append(summary)
        }
        if let g = grid { batch.transformation = describe(g) }
        return batch
    }

    /// "Inverse of British National Grid + OSGB36 to WGS 84 (9), OSTN15 grid, 1 m".
    static func describe(_ grid: BritishNationalGrid) -> String {
        let accuracy = grid.accuracyMetres.map { String(format: "%g m", $0) } ?? "unknown accuracy"
        return "\(grid.transformation), \(grid.usesOSTN15 ? "OSTN15 grid" : "no OSTN15 grid"), \(accuracy)"
    }

    /// Column indices of postcode, latitude and longitude in an ONSPD header, or nil.
    static func onspdColumns(_ header: [String]) -> (postcode: Int, lat: Int, lng: Int)? {
        guard let pc = onspdPostcodeColumns.lazy.compactMap({ header.firstIndex(of: $0) }).first,
              let lat = header.firstIndex(of: "lat") ?? header.firstIndex(of: "latitude"),
              let lng = header.firstIndex(of: "long") ?? header.firstIndex(of: "longitude") else { return nil }
        return (pc, lat, lng)
    }

    /// A first record of the form "LE1 1AA",10,459327,304196,...
    static func looksLikeCodePoint(_ scanner: CSVScanner) -> Bool {
        scanner.fields.count >= 4 && (try? Postcode(parsing: scanner.string(0)))?.kind == .unit
            && Int(scanner.string(1)) != nil && Double(scanner.string(2)) != nil && Double(scanner.string(3)) != nil
    }

    /// Reads rows from the scanner's current record on (the caller has read the first one).
    /// `row` counts a record as stored, skipped or rejected itself.
    private static func eachRecord(_ scanner: inout CSVScanner, _ summary: inout FileSummary, _ row: (CSVScanner, inout FileSummary) -> Void) {
        repeat {
            summary.read += 1
            row(scanner, &summary)
        } while advance(&scanner, &summary)
    }

    /// Steps to the next record: false at the end, or at an unterminated quote, which is counted
    /// as a rejected row (the rest of the file cannot be read).
    private static func advance(_ scanner: inout CSVScanner, _ summary: inout FileSummary) -> Bool {
        do { return try scanner.next() } catch {
            summary.reject(scanner.line, "unterminated quoted field; the rest of the file was not read")
            return false
        }
    }

    private static func readONSPD(_ scanner: inout CSVScanner, columns: (postcode: Int, lat: Int, lng: Int),
                                  name: String, file: Int, into batch: inout PostcodeBatch) -> FileSummary {
        var summary = FileSummary(name: name, kind: .onspd)
        // Past the header; an unterminated quote in the first row is a rejection, not silence (found by fuzzing).
        guard advance(&scanner, &summary) else { return summary }
        let needed = max(columns.postcode, columns.lat, columns.lng)
        eachRecord(&scanner, &summary) { scanner, summary in
            guard scanner.fields.count > needed else { return summary.reject(scanner.line, "expected at least \(needed + 1) columns") }
            guard let postcode = Postcode.pack(scanner.string(columns.postcode)), postcode.kind == .unit else {
                return summary.reject(scanner.line, "'\(scanner.string(columns.postcode))' is not a UK postcode")
            }
            guard let lat = Double(scanner.string(columns.lat)), let lng = Double(scanner.string(columns.lng)) else {
                return summary.reject(scanner.line, "lat/long are not numbers")
            }
            // ONS's marker for "no grid reference": lat 99.999999, long 0.000000.
            if lat > 90 || (lat == 0 && lng == 0) { summary.noLocation += 1; return }
            guard lat >= -90, abs(lng) <= 180 else { return summary.reject(scanner.line, "lat/long out of range") }
            batch.keys.append(postcode.key); batch.lat.append(lat); batch.lng.append(lng); batch.file.append(file)
            summary.stored += 1
        }
        return summary
    }

    private static func readCodePoint(_ scanner: inout CSVScanner, grid: BritishNationalGrid,
                                      name: String, file: Int, into batch: inout PostcodeBatch) throws -> FileSummary {
        var summary = FileSummary(name: name, kind: .codePoint)
        var keys: [UInt64] = [], eastings: [Double] = [], northings: [Double] = [], lines: [Int] = []
        eachRecord(&scanner, &summary) { scanner, summary in
            guard scanner.fields.count >= 4 else { return summary.reject(scanner.line, "expected Postcode, Positional_quality_indicator, Eastings, Northings, ...") }
            guard let postcode = Postcode.pack(scanner.string(0)), postcode.kind == .unit else {
                return summary.reject(scanner.line, "'\(scanner.string(0))' is not a UK postcode")
            }
            guard let quality = Int(scanner.string(1)), let e = Double(scanner.string(2)), let n = Double(scanner.string(3)) else {
                return summary.reject(scanner.line, "quality, eastings and northings must be numbers")
            }
            // Quality 90 (or a zero grid reference): OS has no position for the postcode.
            if quality == 90 || (e == 0 && n == 0) { summary.noLocation += 1; return }
            guard (0...800_000).contains(e), (0...1_400_000).contains(n) else { return summary.reject(scanner.line, "eastings/northings outside the British National Grid") }
            keys.append(postcode.key); eastings.append(e); northings.append(n); lines.append(scanner.line)
        }
        // Spatial order (10 km squares, then easting): the OSTN15 grid's tiles are compressed,
        // and reading them in random order is slow.
        let order = keys.indices.sorted {
            (Int(northings[$0]) / 10_000, eastings[$0]) < (Int(northings[$1]) / 10_000, eastings[$1])
        }
        var x = order.map { eastings[$0] }, y = order.map { northings[$0] }
        grid.toWGS84(eastings: &x, northings: &y)
        for (j, i) in order.enumerated() {
            guard x[j].isFinite, y[j].isFinite else { summary.reject(lines[i], "PROJ could not convert this grid reference"); continue }
            batch.keys.append(keys[i]); batch.lat.append(y[j]); batch.lng.append(x[j]); batch.file.append(file)
            summary.stored += 1
        }
        return summary
    }
}
