import Foundation
import GeoQuery

/// One crime as data.police.uk's `crimes-street`, `crimes-at-location` and `crimes-no-location`
/// answer it (the fields a street CSV row can hold).
public struct APICrime: Codable, Sendable, Equatable {
    public struct Location: Codable, Sendable, Equatable {
        public struct Street: Codable, Sendable, Equatable {
            public var id: Int?
            public var name: String
        }
        /// Six-decimal text, as the API writes it.
        public var latitude: String
        public var longitude: String
        public var street: Street
    }
    public struct OutcomeStatus: Codable, Sendable, Equatable {
        public var category: String
        public var date: String?
    }

    /// The API's numeric id: what duplicate answers (a crime on a shared tile edge) share.
    public var id: Int
    public var category: String
    /// `Force` or `BTP`.
    public var location_type: String?
    /// Nil for `crimes-no-location`.
    public var location: Location?
    public var context: String?
    public var outcome_status: OutcomeStatus?
    public var persistent_id: String?
    public var month: String

    /// The map point in micro-degrees, nil without a location or with unreadable coordinates.
    public var pointE6: (lat: Int32, lng: Int32)? {
        guard let l = location, let lat = Self.microDegrees(l.latitude), let lng = Self.microDegrees(l.longitude) else { return nil }
        return (lat, lng)
    }

    public var isBTP: Bool { location_type?.uppercased() == "BTP" }

    static func microDegrees(_ text: String) -> Int32? {
        guard let v = Double(text.trimmingCharacters(in: .whitespaces)), v.isFinite, abs(v) <= 180 else { return nil }
        return MicroDegrees.rounded(v)
    }

    /// Reads an API answer: a JSON array of crimes.
    public static func decode(_ data: Data) throws -> [APICrime] {
        try JSONDecoder().decode([APICrime].self, from: data)
    }
}

/// One outcome as data.police.uk's `outcomes-at-location` answers it: the outcome and its crime.
public struct APIOutcome: Codable, Sendable, Equatable {
    public struct Category: Codable, Sendable, Equatable {
        public var code: String?
        /// The outcome's full name, as the outcomes CSVs' "Outcome type" writes it.
        public var name: String
    }
    public var category: Category
    /// The month the outcome was recorded, `YYYY-MM`.
    public var date: String
    public var crime: APICrime

    /// Reads an API answer: a JSON array of outcomes.
    public static func decode(_ data: Data) throws -> [APIOutcome] {
        try JSONDecoder().decode([APIOutcome].self, from: data)
    }
}

/// API outcomes as Police UK outcomes CSV rows (`2019-01-city-of-london-outcomes.csv`), so
/// harvested outcome events enter the mirror through the same ingest as the archive's.
public enum OutcomesCSVRows {
    public static let columns = StreetCSVFormat.outcomesColumns

    public static func fileName(force: String, month: Month) -> String { "\(month)-\(force)-outcomes.csv" }

    /// A whole outcomes CSV (header included) for one force and month; outcomes whose crime has
    /// no Crime ID cannot be told apart and are left out.
    public static func csv(_ outcomes: [APIOutcome], force: String) -> String {
        let name = Force.info(force)?.name ?? force
        var bytes = Array((columns.joined(separator: ",") + "\n").utf8)
        for o in outcomes {
            guard let id = o.crime.persistent_id, !id.isEmpty else { continue }
            StreetCSVRows.appendRow([id, o.date, name, name] + StreetCSVRows.placeFields(o.crime) + [o.category.name], to: &bytes)
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// API crimes as Police UK street-level CSV rows, so harvested crimes enter the mirror through
/// the same ingest as the archive's files.
public enum StreetCSVRows {
    /// The file name ingest reads the force and month from: `2019-01-leicestershire-street.csv`.
    public static func fileName(force: String, month: Month) -> String { "\(month)-\(force)-street.csv" }

    /// A whole street CSV (header included) for one force and month. Reported by and Falls within
    /// are the force's name; the API has no LSOA, so those columns stay empty; the crime type is
    /// the category's CSV name, which ingest maps back to the same slug.
    public static func csv(_ crimes: [APICrime], force: String) -> String {
        let name = Force.info(force)?.name ?? force
        var bytes = Array(StreetCSVFormat.header.utf8)
        for c in crimes {
            appendRow([c.persistent_id ?? "", c.month, name, name] + placeFields(c)
                      + [Category.name(forSlug: c.category), c.outcome_status?.category ?? "", c.context ?? ""], to: &bytes)
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Longitude, Latitude, Location, LSOA code, LSOA name of a crime, as both CSV kinds write them
    /// (the API has no LSOA; a crime without a location is "No Location").
    static func placeFields(_ c: APICrime) -> [String] {
        guard let l = c.location, let p = c.pointE6 else { return ["", "", "No Location", "", ""] }
        var lng: [UInt8] = [], lat: [UInt8] = []
        StreetCSVFormat.appendDegrees(Int(p.lng), to: &lng)
        StreetCSVFormat.appendDegrees(Int(p.lat), to: &lat)
        return [String(decoding: lng, as: UTF8.self), String(decoding: lat, as: UTF8.self), l.street.name, "", ""]
    }

    /// One CSV row, fields quoted where needed.
    static func appendRow(_ fields: [String], to bytes: inout [UInt8]) {
        for (i, f) in fields.enumerated() {
            if i > 0 { bytes.append(StreetCSVFormat.comma) }
            StreetCSVFormat.appendField(f, to: &bytes)
        }
        bytes.append(StreetCSVFormat.newline)
    }
}
