import Foundation
@testable import GeoQuery

/// A postcode's normal form as an independent reading of Royal Mail's shapes gives it: words
/// split at space, tab, CR and LF, ASCII upper-cased; outward A9, A9A, A99, AA9, AA9A, AA99 or
/// GIR; inward 9AA (unit) or 9 (sector) or none (district); one word of 5 or more characters
/// ending 9AA is a unit written without its space. nil when the text is none of these.
func independentPostcode(_ text: String) -> String? {
    let words = text.utf8.split(whereSeparator: { $0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D })
        .map { String(decoding: $0, as: UTF8.self) }
    guard words.allSatisfy({ $0.utf8.allSatisfy { $0 < 0x80 } }) else { return nil }
    let upper = words.map { $0.uppercased() }
    func shape(_ s: String) -> String {
        String(s.map { $0.isASCII && $0.isLetter ? "A" : $0.isASCII && $0.isNumber ? "9" : "?" })
    }
    let outwardShapes: Set<String> = ["A9", "A9A", "A99", "AA9", "AA9A", "AA99"]
    func outward(_ s: String) -> Bool { s == "GIR" || outwardShapes.contains(shape(s)) }
    var out: String, inw: String
    switch upper.count {
    case 1:
        out = upper[0]; inw = ""
        if out.count >= 5 && shape(String(out.suffix(3))) == "9AA" { inw = String(out.suffix(3)); out = String(out.dropLast(3)) }
    case 2: out = upper[0]; inw = upper[1]
    default: return nil
    }
    guard outward(out), inw.isEmpty || shape(inw) == "9AA" || shape(inw) == "9" else { return nil }
    return inw.isEmpty ? out : out + " " + inw
}

/// Writes `bytes` as a CSV file and reads it with the postcode ingest's reader.
func checkPostcodeFile(_ input: UnsafeBufferPointer<UInt8>) {
    let path = FuzzCheck.scratch + "/postcodes.csv"
    FileManager.default.createFile(atPath: path, contents: Data(input))
    guard let batch = FuzzCheck.typed({ try PostcodeCSV.read([path], gridDirectories: [FuzzCheck.sharedData + "/proj"]) }) else { return }
    FuzzCheck.expect(batch.files.count == 1, "one file read as \(batch.files.count)")
    let f = batch.files[0]
    let (fields, unterminated) = independentRecords(input)
    let records = fields.count - (f.kind == .onspd ? 1 : 0)
    if !(f.kind == .onspd && fields.count == 1) {
        FuzzCheck.expect(f.read == records, "read \(f.read) rows; the independent split finds \(records)")
    }
    FuzzCheck.expect(f.stored + f.noLocation + f.rejected == f.read + (unterminated ? 1 : 0), "stored \(f.stored) + no location \(f.noLocation) + rejected \(f.rejected) != read \(f.read)")
    FuzzCheck.expect(batch.keys.count == f.stored && batch.lat.count == f.stored, "\(batch.keys.count) postcodes kept, \(f.stored) stored")
    for i in batch.keys.indices {
        FuzzCheck.expect(batch.lat[i].isFinite && abs(batch.lat[i]) <= 90 && batch.lng[i].isFinite && abs(batch.lng[i]) <= 180, "stored a position out of range")
        FuzzCheck.expect(Postcode(key: batch.keys[i]).kind == .unit && independentPostcode(Postcode(key: batch.keys[i]).description) == Postcode(key: batch.keys[i]).description,
                         "stored a key that is not a unit postcode")
    }
}

let postcodeTargets: [FuzzTarget] = [
    FuzzTarget(name: "postcode", property: "the normaliser accepts exactly what an independent reading of Royal Mail's shapes accepts, with the same normal form, and reads its own output back to the same key", seeds: {
        let rows = try FuzzCheck.head("postcodes/codepoint-open-2014-08/ec.csv", lines: 20)
        let real = rows.split(separator: 0x0A).map { line in Array(line.prefix { $0 != 0x2C }.filter { $0 != 0x22 }) }
        return real + ["le15ww", " LE1  5WW ", "LE1 5", "LE15", "GIR 0AA", "EC1A1BB", "A1 1AA", "LE1 5WWX", "", "1AA"].map { Array($0.utf8) }
    }, run: { input in
        let text = input.text
        let p = Postcode.pack(text)
        let expected = independentPostcode(text)
        FuzzCheck.expect(p?.description == expected, "'\(text.prefix(80))' normalised to \(p?.description ?? "nil"); independently \(expected ?? "nil")")
        if let p {
            FuzzCheck.expect(Postcode.pack(p.description) == p, "'\(p)' does not read back to itself")
            FuzzCheck.expect(Postcode(key: p.key, inwardLength: p.inwardLength) == p, "the key does not stand for '\(p)'")
        }
    }),
    FuzzTarget(name: "postcode-csv", property: "Code-Point Open and ONSPD files: rows read = records an independent split finds; stored + no location + rejected = read; every stored key is a unit postcode and every position in range", seeds: {
        let cp = try FuzzCheck.head("postcodes/codepoint-open-2014-08/ec.csv", lines: 12)
        let text = String(decoding: cp, as: UTF8.self)
        var onspd = "pcds,lat,long\n"
        for line in text.split(separator: "\n") { onspd += "\(line.split(separator: ",")[0].replacingOccurrences(of: "\"", with: "")),51.51,-0.09\n" }
        return [cp, Array(onspd.utf8), Array("pcd,latitude,longitude\n\"EC1A 1BB\",99.999999,0.000000\n".utf8), Array("a,b\n".utf8)]
    }, run: checkPostcodeFile),
]
