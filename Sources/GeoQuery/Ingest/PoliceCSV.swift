import Foundation

/// What one input file contributed to an ingest.
public struct FileSummary: Sendable, Equatable {
    public enum Kind: String, Sendable {
        case street, outcomes, skipped, mapPoints = "map-points"
        case codePoint = "Code-Point Open", onspd = "ONS Postcode Directory"
    }
    public var name: String
    public var kind: Kind
    /// Data rows read (header excluded).
    public var read = 0
    /// Rows (or outcome events) kept in the mirror.
    public var stored = 0
    public var rejected = 0
    /// Rows read and then replaced by a later file of the same ingest restating their (force,
    /// month): not in `stored`.
    public var replacedInRun = 0
    /// Located rows' absence: crimes kept with no coordinates.
    public var noLocation = 0
    /// Distinct texts (street names, outcomes, ...) first met in this file that are not UTF-8, as
    /// Police UK's files are: read with U+FFFD for their bad bytes.
    public var notUTF8 = 0
    /// The first rejections, each "file:line: why".
    public var problems: [String] = []
    /// The month the file's name starts with, as Police UK's names do (`2019-01-derbyshire-street.csv`).
    public var month: Month? { Month(String(PathName.name(of: name).prefix(7))) }

    /// Counts a rejected row and keeps the first few reasons as "file:line: why".
    mutating func reject(_ line: Int, _ why: String) {
        rejected += 1
        if problems.count < PoliceCSV.maxProblemsKept { problems.append("\(name):\(line): \(why)") }
    }
}

/// Reads Police UK CSVs (street, outcomes) into a ``CrimeTable``.
enum PoliceCSV {
    static let streetHeader = StreetCSVFormat.columns.map { $0.lowercased() }
    static let outcomesHeader = StreetCSVFormat.outcomesColumns.map { $0.lowercased() }
    static let maxProblemsKept = 20

    /// The force slug and kind in an archive file name (`2019-01-city-of-london-street.csv`).
    static func parseName(_ name: String) -> (force: String, kind: String)? {
        archiveName(name).map { ($0.force, $0.kind) }
    }

    /// The month, force slug and kind an archive file name gives.
    private static func archiveName(_ name: String) -> (month: Month, force: String, kind: String)? {
        let base = PathName.name(of: name).lowercased()
        guard base.hasSuffix(".csv"), base.count > 12, let month = Month(String(base.prefix(7))),
              base[base.index(base.startIndex, offsetBy: 7)] == "-" else { return nil }
        let middle = base.dropFirst(8).dropLast(4)
        for kind in ["street", "outcomes", "stop-and-search"] where middle.hasSuffix("-" + kind) {
            let force = middle.dropLast(kind.count + 1)
            return force.isEmpty ? nil : (month, String(force), kind)
        }
        return nil
    }

    /// The first byte after a UTF-8 byte-order mark and white space (nil for none).
    static func firstNonBlank(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt8? {
        let start = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
        return bytes[start...].first { ![0x20, 0x09, 0x0A, 0x0D].contains($0) }
    }

    /// Appends every row of one CSV to `table`. Throws ``GeoQueryError/notPoliceCSV(_:)`` when the
    /// header is not a Police UK street or outcomes header; a bad row is counted and skipped.
    static func read(_ bytes: UnsafeBufferPointer<UInt8>, name: String, into table: inout CrimeTable) throws -> FileSummary {
        var scanner = CSVScanner(bytes)
        var summary = FileSummary(name: name, kind: .street)
        let hasRecord: Bool
        do { hasRecord = try scanner.next() } catch { throw GeoQueryError.notPoliceCSV("\(name): unterminated quote in the header: not a Police UK CSV") }
        guard hasRecord else { throw GeoQueryError.notPoliceCSV("\(name): empty file: expected a Police UK street CSV with header '\(streetHeader.joined(separator: ","))'") }
        let header = (0..<scanner.fields.count).map { scanner.string($0).lowercased() }
        let kind: FileSummary.Kind
        if header == streetHeader { kind = .street }
        else if header == outcomesHeader { kind = .outcomes }
        else if header.first == "type" || header.contains("object of search") {
            // Stop-and-search is not read; one named as a street or outcomes file is misnamed, and
            // skipping it quietly would leave its force-month as it was without a word.
            if let said = archiveName(name)?.kind, said != "stop-and-search" {
                throw GeoQueryError.notPoliceCSV("\(PathName.name(of: name)): a stop-and-search CSV, though its name says \(said): geoquery reads street and outcomes files; give the \(said) file; nothing was written")
            }
            summary.kind = .skipped; return summary
        }
        else if let first = firstNonBlank(bytes), first == UInt8(ascii: "{") || first == UInt8(ascii: "[") {
            // A boundary file given among the crime files (before --boundaries, or without it).
            throw GeoQueryError.notPoliceCSV("\(name): not a Police UK CSV but JSON; a GeoJSON of force boundaries goes after --boundaries (geoquery ingest --mirror DIR FILES... --boundaries FILE)")
        } else {
            throw GeoQueryError.notPoliceCSV("\(name): not a Police UK street or outcomes CSV (header starts '\(header.prefix(4).joined(separator: ","))'; expected '\(streetHeader.joined(separator: ","))')")
        }
        summary.kind = kind
        // Room for the rows at once (a street row is ~230 bytes, rarely under 150): growing by
        // doubling copied each file's rows about once more and left a third of the room unused.
        if kind == .street { table.rows.reserveCapacity(table.rows.count + bytes.count / 200) }
        let named = archiveName(name)
        let fileForce = named?.force
        var scratch: [UInt8] = []
        var fileForceID: UInt8? = fileForce.map { UInt8(table.forces.intern($0)) }
        let columns = kind == .street ? 12 : 10
        var crimeTypes = StringTable()
        var categoryOfType: [Int32] = []

        func reject(_ line: Int, _ why: String) { summary.reject(line, why) }
        // A file stored under (force, month) replaces what the mirror holds there, so a file whose
        // rows are all another force's or month's, or that stops short, must not be stored.
        let nameMonth = named?.month
        var nameMonthSeen = false, otherMonthRows = 0
        var reporters: [Int32] = []
        let notUTF8Before = table.notUTF8
        let lineEnd = bytes.last == 0x0A || bytes.last == 0x0D

        while true {
            let more: Bool
            do { more = try scanner.next() } catch {
                throw GeoQueryError.notPoliceCSV("\(name):\(scanner.line): a quoted field is never closed, so the rest of the file cannot be read (is it cut short?); nothing was written")
            }
            guard more else { break }
            summary.read += 1
            let line = scanner.line
            guard scanner.fields.count == columns else {
                if !lineEnd && scanner.position == bytes.count {
                    throw GeoQueryError.notPoliceCSV("\(name):\(line): the file ends inside a row (\(scanner.fields.count) of \(columns) fields, no line end): it looks cut short; nothing was written")
                }
                reject(line, "\(scanner.fields.count) fields, expected \(columns)")
                continue
            }
            let f = scanner.fields
            guard let month = Month(bytes: bytes[f[1].start..<f[1].end]) else {
                reject(line, "month '\(scanner.string(1))' is not YYYY-MM")
                continue
            }
            if let nameMonth {
                // Stored, one stray row would restate its (force, month) as that single row,
                // replacing the whole month the mirror holds for the force.
                guard month == nameMonth else {
                    otherMonthRows += 1
                    reject(line, "a row of \(month) in a file named for \(nameMonth): not stored, since it would replace the mirror's \(month) for \(fileForce ?? "its force") with this row")
                    continue
                }
                nameMonthSeen = true
            }
            let lngText = f[4].end > f[4].start, latText = f[5].end > f[5].start
            var lat = CrimeRow.noLocation, lng = CrimeRow.noLocation
            if lngText || latText {
                // Named as the file's columns are ordered (Longitude, then Latitude).
                let given = "Longitude '\(scanner.string(4))', Latitude '\(scanner.string(5))'"
                guard lngText && latText else { reject(line, "only one coordinate given (\(given)): a row has both or neither"); continue }
                guard let la = MicroDegrees.parse(bytes[f[5].start..<f[5].end]), let lo = MicroDegrees.parse(bytes[f[4].start..<f[4].end]) else {
                    reject(line, "coordinates are not numbers (\(given))")
                    continue
                }
                guard abs(la) <= 90_000_000, abs(lo) <= 180_000_000 else {
                    reject(line, "coordinates out of range (\(given))")
                    continue
                }
                // Stored, such a row counts in the force's totals but no area query can reach it.
                guard la != 0 || lo != 0 else { reject(line, "coordinates 0,0: no place Police UK records (a missing location written as zeros?)"); continue }
                guard !UKBox.looksSwapped(lat: MicroDegrees.degrees(la), lng: MicroDegrees.degrees(lo)) else {
                    reject(line, "coordinates look swapped (\(given)): the other way round they would be in the UK")
                    continue
                }
                lat = la; lng = lo
            }
            let id = scanner.withValue(0, scratch: &scratch) { raw -> CrimeID in
                if raw.isEmpty { return CrimeID() }
                if let h = CrimeID.hex(raw) { return h }
                return CrimeID(kind: .text, w0: UInt64(table.textIDs.intern(raw)))
            }
            let reportedBy = scanner.withValue(2, scratch: &scratch) { table.agencies.intern($0) }
            if reporters.last != reportedBy && !reporters.contains(reportedBy) { reporters.append(reportedBy) }
            let force: UInt8
            if let ff = fileForceID { force = ff } else {
                force = UInt8(truncatingIfNeeded: table.forces.intern(Force.slug(forName: table.agencies[reportedBy])))
                if fileForce != nil { fileForceID = force }
            }
            if kind == .outcomes {
                let outcome = scanner.withValue(9, scratch: &scratch) { table.outcomes.intern($0) }
                // An empty Outcome type is no outcome: stored, it would blank the crime's last one.
                guard outcome < 256, id.kind != .none, !table.outcomes.utf8(outcome).allSatisfy({ $0 == 0x20 || $0 == 0x09 }) else {
                    reject(line, id.kind == .none ? "outcome row without a Crime ID" : outcome < 256 ? "empty Outcome type" : "too many outcome categories")
                    continue
                }
                table.events.append(OutcomeEvent(id: id, month: Int32(month.ordinal), force: force, outcome: UInt8(outcome)))
                summary.stored += 1
                continue
            }
            // Crime types repeat endlessly: map each distinct text to its slug once per file.
            let typeID = Int(scanner.withValue(9, scratch: &scratch) { crimeTypes.intern($0) })
            if typeID == categoryOfType.count {
                let text = crimeTypes[Int32(typeID)].trimmed
                categoryOfType.append(text.isEmpty ? -1 : table.categories.intern(Category.slug(forCrimeType: text)))
            }
            let category = categoryOfType[typeID]
            guard category >= 0 else { reject(line, "empty Crime type"); continue }
            let outcome = scanner.withValue(10, scratch: &scratch) { table.outcomes.intern($0) }
            guard category < 64, outcome < 256 else { reject(line, "too many distinct crime types or outcomes"); continue }
            var row = CrimeRow()
            row.id = id
            row.latE6 = lat; row.lngE6 = lng
            row.month = Int32(month.ordinal)
            row.reportedBy = Int16(truncatingIfNeeded: reportedBy)
            row.fallsWithin = Int16(truncatingIfNeeded: scanner.withValue(3, scratch: &scratch) { table.agencies.intern($0) })
            row.force = force
            row.location = scanner.withValue(6, scratch: &scratch) { table.locations.intern($0) }
            row.lsoaCode = scanner.withValue(7, scratch: &scratch) { table.lsoaCodes.intern($0) }
            row.lsoaName = scanner.withValue(8, scratch: &scratch) { table.lsoaNames.intern($0) }
            row.category = UInt8(category)
            row.outcome = UInt8(outcome)
            row.context = scanner.withValue(11, scratch: &scratch) { table.contexts.intern($0) }
            table.rows.append(row)
            summary.stored += 1
            if !row.hasLocation { summary.noLocation += 1 }
        }
        try table.checkLimits()
        summary.notUTF8 = table.notUTF8 - notUTF8Before + crimeTypes.notUTF8
        if let nameMonth, !nameMonthSeen, otherMonthRows > 0 {
            throw GeoQueryError.notPoliceCSV("\(PathName.name(of: name)): no row is from \(nameMonth), the month its name says: rename it to the rows' month; nothing was written")
        }
        try checkForce(name, force: fileForce, reporters: reporters.map { table.agencies[$0] }, stored: summary.stored)
        return summary
    }

    /// Refuses a file whose name says one Police UK force while every row it stored says another:
    /// stored under its name, it would replace that force-month with other data. (A row of
    /// another month than the name's is rejected as it is read.)
    private static func checkForce(_ name: String, force: String?, reporters: [String], stored: Int) throws {
        guard let force, stored > 0, !reporters.isEmpty else { return }
        let base = PathName.name(of: name)
        // Rows of known forces only: a made-up agency is taken as the name says.
        let slugs = reporters.map { Force.slug(forName: $0) }
        guard !slugs.contains(force), slugs.allSatisfy({ Force.info($0) != nil }) else { return }
        let named = zip(reporters, slugs).map { "\($0) (\($1))" }.joined(separator: ", ")
        if Force.info(force) == nil {
            // A misspelt slug would be stored as a force of its own, beside the real one's data.
            throw GeoQueryError.notPoliceCSV("\(base): its name says '\(force)', which is no Police UK force, and its rows are reported by \(named): rename it to the rows' force; nothing was written")
        }
        throw GeoQueryError.notPoliceCSV("\(base): its rows are reported by \(named), not by \(force) as its name says: rename it to the rows' force; nothing was written")
    }

    /// Reads a `--map-points` list: `id,latitude,longitude,name` (a header row is allowed).
    static func readMapPoints(_ bytes: UnsafeBufferPointer<UInt8>, name: String, into table: inout CrimeTable) throws -> FileSummary {
        var scanner = CSVScanner(bytes)
        var summary = FileSummary(name: name, kind: .mapPoints)
        var points: [ListedMapPoint] = []
        var scratch: [UInt8] = []
        while true {
            let more: Bool
            do { more = try scanner.next() } catch { throw GeoQueryError.notPoliceCSV("\(name):\(scanner.line): unterminated quoted field") }
            guard more else { break }
            if scanner.line == 1 && scanner.fields.count >= 1 && scanner.string(0).lowercased() == "id" { continue }
            summary.read += 1
            guard scanner.fields.count >= 3, let id = Int64(scanner.string(0)) else {
                summary.reject(scanner.line, "expected id,latitude,longitude,name with a numeric id")
                continue
            }
            let f = scanner.fields
            guard let lat = MicroDegrees.parse(bytes[f[1].start..<f[1].end]), let lng = MicroDegrees.parse(bytes[f[2].start..<f[2].end]),
                  abs(lat) <= 90_000_000, abs(lng) <= 180_000_000 else {
                summary.reject(scanner.line, "latitude/longitude missing or out of range")
                continue
            }
            let label = scanner.fields.count >= 4 ? scanner.withValue(3, scratch: &scratch) { table.locations.intern($0) } : 0
            points.append(ListedMapPoint(id: id, latE6: lat, lngE6: lng, name: label))
            summary.stored += 1
        }
        if summary.read > 0 && summary.stored == 0 {
            throw GeoQueryError.notPoliceCSV("\(name): no valid rows: a map-point list is 'id,latitude,longitude,name' per line")
        }
        table.listedPoints.append(contentsOf: points)
        return summary
    }
}
