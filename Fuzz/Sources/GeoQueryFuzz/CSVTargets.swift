import Foundation
@testable import GeoQuery

/// RFC 4180 records as a plain state machine, written apart from ``CSVScanner``: the field count
/// of each record, and whether the input ends inside a quoted field (that record is not counted).
/// Blank lines are no records; after a closing quote, bytes up to the next comma or line end are
/// ignored (as the archive's reader does).
func independentRecords(_ b: UnsafeBufferPointer<UInt8>) -> (fields: [Int], unterminated: Bool) {
    enum State { case lineStart, fieldStart, unquoted, quoted, quoteSeen, afterQuote }
    var state = State.lineStart, fields = 0, out: [Int] = []
    let bom = b.count >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF
    for byte in b.dropFirst(bom ? 3 : 0) {
        let comma = byte == 0x2C, end = byte == 0x0A || byte == 0x0D, quote = byte == 0x22
        if state == .lineStart {
            if end { continue }
            state = .fieldStart; fields = 1
        }
        switch state {
        case .lineStart: break
        case .fieldStart, .unquoted, .afterQuote:
            if comma { fields += 1; state = .fieldStart }
            else if end { out.append(fields); state = .lineStart }
            else if state == .fieldStart && quote { state = .quoted }
            else if state == .fieldStart { state = .unquoted }
        case .quoted:
            if quote { state = .quoteSeen }
        case .quoteSeen:
            if quote { state = .quoted }
            else if comma { fields += 1; state = .fieldStart }
            else if end { out.append(fields); state = .lineStart }
            else { state = .afterQuote }
        }
    }
    if state == .quoted { return (out, true) }
    if state != .lineStart { out.append(fields) }
    return (out, false)
}

/// Reads `bytes` as the Police UK CSV `name` and checks it against ``independentRecords(_:)``:
/// every record after the header is read, and is stored or rejected, never lost or doubled.
func checkPoliceCSV(_ bytes: UnsafeBufferPointer<UInt8>, name: String) {
    var table = CrimeTable()
    guard let summary = FuzzCheck.typed({ try PoliceCSV.read(bytes, name: name, into: &table) }) else { return }
    let (fields, unterminated) = independentRecords(bytes)
    FuzzCheck.expect(!fields.isEmpty, "a file with no record was read")
    if summary.kind == .skipped { return }
    let columns = summary.kind == .street ? 12 : 10
    let records = fields.count - 1
    FuzzCheck.expect(summary.read == records, "read \(summary.read) rows; the independent split finds \(records)")
    FuzzCheck.expect(summary.stored + summary.rejected == summary.read + (unterminated ? 1 : 0),
                     "stored \(summary.stored) + rejected \(summary.rejected) != read \(summary.read) (unterminated: \(unterminated))")
    FuzzCheck.expect(table.rows.count + table.events.count == summary.stored, "\(table.rows.count) rows + \(table.events.count) outcome events kept, \(summary.stored) stored")
    let wrongWidth = fields.dropFirst().filter { $0 != columns }.count
    FuzzCheck.expect(summary.stored <= records - wrongWidth, "stored \(summary.stored) rows though \(wrongWidth) of \(records) records do not have \(columns) fields")
    FuzzCheck.expect(summary.noLocation == table.rows.filter { !$0.hasLocation }.count, "no-location count differs from the rows kept")
}

let streetFile = "crime-archive/2019-01/2019-01-city-of-london-street.csv"
let outcomesFile = "outcomes/2019-01/2019-01-city-of-london-outcomes.csv"

/// A target reading `header` + the input as one file named `name`.
func policeCSVTarget(_ name: String, file: String, header: [UInt8], property: String, seedLines: Int) -> FuzzTarget {
    FuzzTarget(name: name, property: property, seeds: {
        let head = try FuzzCheck.head(file, lines: seedLines)
        // A single-row target's seeds are rows without the header; a whole-file target's are whole files.
        var rows = head.split(separator: 0x0A, omittingEmptySubsequences: false).dropFirst().map { Array($0) + [0x0A] }
        if !header.isEmpty { return Array(rows.prefix(seedLines)) }
        rows = [head, Array("Crime ID,Month\n".utf8), Array(StreetCSVFormat.header.utf8) + Array("\"abc,2019-01\n".utf8)]
        return rows
    }, run: { input in
        if header.isEmpty { return checkPoliceCSV(input, name: name == "outcomes-csv" ? "2019-01-city-of-london-outcomes.csv" : "2019-01-city-of-london-street.csv") }
        let whole = header + Array(input)
        whole.withUnsafeBufferPointer { checkPoliceCSV($0, name: name == "outcomes-row" ? "2019-01-city-of-london-outcomes.csv" : "2019-01-city-of-london-street.csv") }
    })
}

let outcomesHeaderLine = Array("Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,LSOA name,Outcome type\n".utf8)

let csvTargets: [FuzzTarget] = [
    policeCSVTarget("street-csv", file: streetFile, header: [], property: "whole street files: rows read = records an independent RFC 4180 split finds after the header; stored + rejected = read; rows kept = stored", seedLines: 40),
    policeCSVTarget("street-row", file: streetFile, header: Array(StreetCSVFormat.header.utf8), property: "one street row under the real header: as street-csv", seedLines: 30),
    policeCSVTarget("outcomes-csv", file: outcomesFile, header: [], property: "whole outcomes files: as street-csv, outcome events kept = stored", seedLines: 40),
    policeCSVTarget("outcomes-row", file: outcomesFile, header: outcomesHeaderLine, property: "one outcomes row under the real header: as outcomes-csv", seedLines: 30),
]
