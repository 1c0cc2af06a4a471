/// The shape of a Police UK street-level CSV, for the code that writes one (the embedded sample,
/// the national generator) and the reader that checks a header: the columns, RFC 4180 quoting,
/// six-decimal coordinates and 64-hex Crime IDs, as data.police.uk writes them.
///
/// Writers append bytes to a caller's buffer, so a row costs no allocation.
public enum StreetCSVFormat {
    /// The twelve columns, spelt as in the archive's files.
    public static let columns = ["Crime ID", "Month", "Reported by", "Falls within", "Longitude", "Latitude",
                                 "Location", "LSOA code", "LSOA name", "Crime type", "Last outcome category", "Context"]
    /// The ten columns of the outcomes files beside them: the street columns up to LSOA name, then
    /// the outcome.
    public static let outcomesColumns = Array(columns.prefix(9)) + ["Outcome type"]
    /// The header line, with its newline.
    public static let header: String = columns.joined(separator: ",") + "\n"

    /// The field separator and the record end the archive's files use (LF, no CR).
    public static let comma = UInt8(ascii: ",")
    public static let newline = UInt8(ascii: "\n")
    /// The Longitude-to-LSOA-name fields of a crime with no location, each followed by a comma.
    public static let noLocationFields: [UInt8] = Array(",,No Location,,,".utf8)

    /// The Month, Reported by and Falls within fields, each followed by a comma: the same for every
    /// row of a force's month file.
    public static func monthAndForceFields(month: String, force name: String) -> [UInt8] {
        var bytes: [UInt8] = []
        for field in [month, name, name] { appendField(field, to: &bytes); bytes.append(comma) }
        return bytes
    }

    /// The Longitude-to-LSOA-name fields of a located crime (coordinates in micro-degrees), each
    /// followed by a comma. `location` is the whole column, e.g. "On or near Lowland Avenue".
    public static func locatedFields(longitude: Int, latitude: Int, location: String, lsoaCode: String, lsoaName: String) -> [UInt8] {
        var bytes: [UInt8] = []
        appendLocatedFields(longitude: longitude, latitude: latitude,
                            place: placeFields(location: location, lsoaCode: lsoaCode, lsoaName: lsoaName), to: &bytes)
        return bytes
    }

    /// The Location, LSOA code and LSOA name fields, each followed by a comma: what points sharing
    /// a street and LSOA share.
    public static func placeFields(location: String, lsoaCode: String, lsoaName: String) -> [UInt8] {
        var bytes: [UInt8] = []
        for field in [location, lsoaCode, lsoaName] { appendField(field, to: &bytes); bytes.append(comma) }
        return bytes
    }

    /// Longitude and latitude (micro-degrees), then `place` (``placeFields(location:lsoaCode:lsoaName:)``).
    public static func appendLocatedFields(longitude: Int, latitude: Int, place: [UInt8], to bytes: inout [UInt8]) {
        appendDegrees(longitude, to: &bytes)
        bytes.append(comma)
        appendDegrees(latitude, to: &bytes)
        bytes.append(comma)
        bytes.append(contentsOf: place)
    }

    /// One row: Crime ID (empty when nil, as for anti-social behaviour), the pre-encoded month and
    /// force fields, location fields (``locatedFields(longitude:latitude:location:lsoaCode:lsoaName:)``
    /// or ``noLocationFields``), crime type, outcome (empty when nil) and the always-empty Context.
    public static func appendRow(crimeID: (UInt64, UInt64, UInt64, UInt64)?, monthAndForce: [UInt8],
                                 location: ArraySlice<UInt8>, crimeType: [UInt8], outcome: [UInt8]?,
                                 to bytes: inout [UInt8]) {
        if let id = crimeID {
            appendHex(id.0, to: &bytes); appendHex(id.1, to: &bytes); appendHex(id.2, to: &bytes); appendHex(id.3, to: &bytes)
        }
        bytes.append(comma)
        bytes.append(contentsOf: monthAndForce)
        bytes.append(contentsOf: location)
        bytes.append(contentsOf: crimeType)
        bytes.append(comma)
        if let outcome { bytes.append(contentsOf: outcome) }
        bytes.append(comma)
        bytes.append(newline)
    }

    /// One field, quoted only when it must be (see ``appendField(_:to:)``).
    public static func encodedField(_ text: String) -> [UInt8] {
        var bytes: [UInt8] = []
        appendField(text, to: &bytes)
        return bytes
    }

    /// RFC 4180: wrap in quotes when the field holds a comma, quote or line break; double inner quotes.
    public static func appendField(_ text: String, to bytes: inout [UInt8]) {
        let quote = UInt8(ascii: "\"")
        let needsQuotes = text.utf8.contains {
            $0 == comma || $0 == quote || $0 == UInt8(ascii: "\n") || $0 == UInt8(ascii: "\r")
        }
        guard needsQuotes else {
            bytes.append(contentsOf: text.utf8)
            return
        }
        bytes.append(quote)
        for byte in text.utf8 {
            if byte == quote { bytes.append(quote) }
            bytes.append(byte)
        }
        bytes.append(quote)
    }

    /// Micro-degrees to "-1.131300" (see ``MicroDegrees/append(_:to:)``).
    public static func appendDegrees(_ micro: Int, to bytes: inout [UInt8]) { MicroDegrees.append(micro, to: &bytes) }

    /// A non-negative integer in decimal, without going through `String`.
    public static func appendDecimal(_ value: Int, to bytes: inout [UInt8]) {
        precondition(value >= 0)
        if value >= 10 { appendDecimal(value / 10, to: &bytes) }
        bytes.append(UInt8(ascii: "0") + UInt8(value % 10))
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    /// Sixteen lowercase hex digits; four words make a 64-hex Crime ID like the archive's.
    public static func appendHex(_ word: UInt64, to bytes: inout [UInt8]) {
        for shift in stride(from: 60, through: 0, by: -4) {
            bytes.append(hexDigits[Int((word >> UInt64(shift)) & 0xF)])
        }
    }
}
