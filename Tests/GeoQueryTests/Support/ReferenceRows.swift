import Foundation
@testable import GeoQuery

/// One CSV row as the brute-force reference sees it.
struct ReferenceRow {
    var force: String
    var month: String
    var lat: Double?
    var lng: Double?
    var category: String
    var outcome: String
}

/// An independent reading of the archive for brute-force checks: Foundation string handling and
/// its own small CSV splitter, sharing no code with the library's byte-level reader.
enum ReferenceRows {
    static func load(_ folder: String) -> [ReferenceRow] {
        var rows: [ReferenceRow] = []
        let files = (FileManager.default.enumerator(atPath: folder)?.allObjects as? [String] ?? [])
            .filter { $0.hasSuffix("-street.csv") }.sorted()
        for rel in files {
            let name = (rel as NSString).lastPathComponent
            // "2019-01-city-of-london-street.csv" → "city-of-london"
            let force = String(name.dropFirst(8).dropLast("-street.csv".count))
            guard let text = try? String(contentsOfFile: (folder as NSString).appendingPathComponent(rel), encoding: .utf8) else { continue }
            for (i, line) in text.split(whereSeparator: { $0 == "\n" || $0 == "\r\n" }).enumerated() where i > 0 {
                let f = split(String(line))
                guard f.count == 12 else { continue }
                rows.append(ReferenceRow(force: force, month: f[1], lat: Double(f[5]), lng: Double(f[4]),
                                         category: slug(f[9]), outcome: f[10].isEmpty ? "none" : f[10]))
            }
        }
        return rows
    }

    /// Splits one CSV line, honouring quotes.
    static func split(_ line: String) -> [String] {
        var fields: [String] = [], cur = "", quoted = false
        var chars = Array(line.hasPrefix("\u{FEFF}") ? String(line.dropFirst()) : line)
        if chars.last == "\r" { chars.removeLast() }
        var i = 0
        while i < chars.count {
            let c = chars[i]
            if quoted {
                if c == "\"" {
                    if i + 1 < chars.count && chars[i + 1] == "\"" { cur.append("\""); i += 1 } else { quoted = false }
                } else { cur.append(c) }
            } else if c == "\"" { quoted = true }
            else if c == "," { fields.append(cur); cur = "" }
            else { cur.append(c) }
            i += 1
        }
        fields.append(cur)
        return fields
    }

    /// The API slugs, written out here independently of the library's table.
    static func slug(_ crimeType: String) -> String {
        [
            "Anti-social behaviour": "anti-social-behaviour", "Bicycle theft": "bicycle-theft", "Burglary": "burglary",
            "Criminal damage and arson": "criminal-damage-arson", "Drugs": "drugs", "Other theft": "other-theft",
            "Possession of weapons": "possession-of-weapons", "Public order": "public-order", "Robbery": "robbery",
            "Shoplifting": "shoplifting", "Theft from the person": "theft-from-the-person", "Vehicle crime": "vehicle-crime",
            "Violence and sexual offences": "violent-crime", "Other crime": "other-crime",
        ][crimeType] ?? crimeType
    }
}
