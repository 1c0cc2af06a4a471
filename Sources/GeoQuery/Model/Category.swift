/// Police UK crime categories: the 14 slugs the API uses, plus any the data brings that we don't know.
public enum Category {
    /// The 14 current data.police.uk category slugs, in the API's order.
    public static let standard: [String] = [
        "anti-social-behaviour", "bicycle-theft", "burglary", "criminal-damage-arson", "drugs",
        "other-theft", "possession-of-weapons", "public-order", "robbery", "shoplifting",
        "theft-from-the-person", "vehicle-crime", "violent-crime", "other-crime",
    ]

    /// Human names as the CSVs write them, for tables.
    public static let names: [String: String] = [
        "anti-social-behaviour": "Anti-social behaviour", "bicycle-theft": "Bicycle theft",
        "burglary": "Burglary", "criminal-damage-arson": "Criminal damage and arson", "drugs": "Drugs",
        "other-theft": "Other theft", "possession-of-weapons": "Possession of weapons",
        "public-order": "Public order", "robbery": "Robbery", "shoplifting": "Shoplifting",
        "theft-from-the-person": "Theft from the person", "vehicle-crime": "Vehicle crime",
        "violent-crime": "Violence and sexual offences", "other-crime": "Other crime",
        "public-disorder-weapons": "Public disorder and weapons",
    ]

    /// CSV "Crime type" text (lower-cased) → slug, including names Police UK has used before.
    private static let crimeTypes: [String: String] = {
        var table: [String: String] = [:]
        for (slug, name) in names { table[name.lowercased()] = slug }
        table["violent crime"] = "violent-crime"  // before May 2013
        table["violence and sexual offences"] = "violent-crime"
        table["anti social behaviour"] = "anti-social-behaviour"
        table["criminal damage & arson"] = "criminal-damage-arson"
        table["other crimes"] = "other-crime"
        return table
    }()

    /// The slug for a CSV "Crime type": a known name maps to its API slug; an unknown one is kept,
    /// slugified, rather than dropped.
    public static func slug(forCrimeType text: String) -> String {
        let key = text.trimmed.lowercased()
        if let slug = crimeTypes[key] { return slug }
        return slugify(key)
    }

    /// The error for a slug `mirror` does not hold, with the closest slug it does hold.
    static func unknown(_ slug: String, in mirror: CrimeMirror) -> GeoQueryError { unknown(slug, among: mirror.categories) }

    /// The error for a category slug not among `categories`, naming the slug meant: the one a
    /// CSV "Crime type" stands for when that was given (`Violence and sexual offences`, or
    /// slugified, `criminal-damage-and-arson`), else the closest spelling.
    public static func unknown(_ slug: String, among categories: [String]) -> GeoQueryError {
        let named = crimeTypes.first { key, value in
            categories.contains(value) && (key == slug.trimmed.lowercased() || slugify(key) == slugify(slug))
        }?.value
        let hint = named.map { " did you mean \($0) (\(name(forSlug: $0)))?" } ?? Spelling.suggestion(for: slug, among: categories)
        return .unknownCategory("unknown category '\(slug)':\(hint) use one of \(categories.joined(separator: ", "))")
    }

    /// The display name for a slug.
    public static func name(forSlug slug: String) -> String { names[slug] ?? slug }

    static func slugify(_ text: String) -> String {
        var out = ""
        var dash = false
        for ch in text.lowercased() {
            if ch.isLetter || ch.isNumber {
                out.append(ch)
                dash = false
            } else if !dash && !out.isEmpty {
                out.append("-")
                dash = true
            }
        }
        while out.hasSuffix("-") { out.removeLast() }
        return out.isEmpty ? "unknown" : out
    }
}

import Foundation
