/// The plain-English summary: built deterministically from the report's figures, so every number
/// it states is one the JSON carries (a test extracts them and checks).
extension AreaReport {
    /// What every reader of these figures must know, one sentence each (the catchment sentence only
    /// when the bounds were given). No digits of their own, so they state nothing the JSON lacks.
    public var caveats: [String] {
        // With no map point inside there are no catchments to bound the count by (all zeros).
        AreaReport.caveats(catchment: result.mapPoints > 0 ? request.catchment : nil)
    }

    static func caveats(catchment: CatchmentBounds?) -> [String] {
        var out = [
            "These are crimes recorded by the police, not all crime experienced: many crimes are never reported, and recording practice differs between forces and over time.",
            "Each crime is snapped to an anonymous Police UK map point that stands for its whole catchment, so counts near the edge of the area are uncertain.",
        ]
        if let c = catchment {
            out.append("The catchments of the map points inside reach \(Format.decimal(c.expansionRatio, places: 2)) times the area: the count of \(Format.grouped(c.reported)) could be as low as \(Format.grouped(c.certain)) (points whose catchment lies wholly inside) or as high as \(Format.grouped(c.possible)) (every point whose catchment touches the area).")
            if !c.missingForces.isEmpty {
                out.append("Those bounds count only the crimes the mirror holds: the crimes of \(c.missingForces.joined(separator: ", ")) in the months the mirror lacks for \(c.missing.count == 1 ? "it" : "them") are not in them.")
            }
        }
        out += [
            "Police UK covers England, Wales and Northern Ireland; Scotland only through British Transport Police.",
            "Fraud is not in the street-level data: it is reported to Action Fraud, not placed on the map.",
            "Months are published roughly two months late and are sometimes restated.",
        ]
        return out
    }

    /// Where the report looks, for sentences: "within 0.50 mi (805 m) of 52.634400, -1.131300".
    var placePhrase: String {
        switch request.query.area {
        case .circle(let c):
            return "within \(c.radius) of \(request.label ?? "\(Format.decimal(c.lat, places: 6)), \(Format.decimal(c.lng, places: 6))")"
        case .polygon:
            return "inside \(request.label ?? "the polygon") (\(Format.decimal(result.areaKm2, places: 4)) km²)"
        }
    }

    /// The listed categories with crimes, largest first (ties by slug).
    var rankedCategories: [(slug: String, count: Int)] {
        zip(categories, categoryCounts).filter { $0.1 > 0 }.sorted { ($0.1, $1.0) > ($1.1, $0.0) }.map { ($0.0, $0.1) }
    }

    /// One paragraph: the total and rate, the largest categories, the direction of change, the
    /// flags in words, then the caveats.
    public var summary: String {
        let r = result
        var s: [String] = []
        let held = r.coverage.monthsHeld, asked = r.months.count
        let heldPhrase = held == asked ? "" : held == 0 ? (asked == 1 ? ", not held for every force of the area" : ", none of them held for every force of the area") : ", \(held) of them held"
        let span = (asked == 1 ? "In \(r.from.longName) (1 month" : "From \(r.from.longName) to \(r.to.longName) (\(asked) months") + heldPhrase + ")"
        if r.total == 0 && r.isOutsideCoverage {
            s.append("\(span), no crimes were recorded \(placePhrase), which lies outside the mirror's coverage: no map point is near it, so these zeros say nothing about crime there.")
        } else if r.total == 0 {
            s.append("\(span), no crimes were recorded \(placePhrase).")
        } else {
            // Rates over the held months only, and said so: a missing month is not a zero.
            let rate = "\(Format.density(perKm2, places: 1)) per km²"
            let rates = held == asked ? rate
                : perMonth.map { "\(rate) over the \(held == 1 ? "month" : "\(held) months") held (\(Format.grouped($0, places: 1)) a month)" }
                ?? "\(rate) (no month is held for every force of the area)"
            s.append("\(span), \(Format.grouped(r.total)) crimes were recorded \(placePhrase), \(rates).")
            let top = rankedCategories.prefix(3).map {
                "\(Category.name(forSlug: $0.slug).lowercased()) (\(Format.grouped($0.count)), \(Format.decimal(share($0.count), places: 1))%)"
            }
            s.append("The largest categor\(top.count == 1 ? "y was" : "ies were") \(AreaReport.list(top)).")
        }
        let y = yearOnYear
        let window = "In the \(y.months) month\(y.months == 1 ? "" : "s") to \(y.current.upperBound.longName)"
        if let why = y.unavailable {
            s.append("\(window), change against the same months a year earlier is not available: \(why).")
        } else if let before = y.total.before, let test = y.total.test {
            let now = y.total.now
            if now == 0 && before == 0 {
                s.append("\(window), as in the same months a year earlier, no crimes were recorded.")
            } else if now == before {
                s.append("\(window), recorded crime was unchanged against the same months a year earlier (\(Format.grouped(now))).")
            } else if test.withinNormalVariation {
                let pct = y.total.percent.map { " (\(Signed.percent($0)))" } ?? ""
                s.append("\(window), recorded crime went from \(Format.grouped(before)) to \(Format.grouped(now))\(pct) against the same months a year earlier: \(AreaReport.normalVariation(test, "year-to-year")).")
            } else {
                let pct = y.total.percent.map { " by \(Format.decimal(abs($0), places: 1))%" } ?? ""
                s.append("\(window), recorded crime \(now > before ? "rose" : "fell")\(pct) against the same months a year earlier, from \(Format.grouped(before)) to \(Format.grouped(now)), more than chance would explain (\(test.pPhrase)).")
            }
            // Only changes unlikely to be chance are named as the largest rise or fall.
            let moves = categories.compactMap { slug in y.byCategory[slug].flatMap { c in c.change.map { (slug, $0, c.percent, c.test) } } }.filter { $0.1 != 0 }
            let real = moves.filter { $0.3.map { !$0.withinNormalVariation } ?? false }
            var parts: [String] = []
            if let up = real.filter({ $0.1 > 0 }).max(by: { ($0.1, $1.0) < ($1.1, $0.0) }) {
                parts.append("the largest rise was in \(Category.name(forSlug: up.0).lowercased()) (up \(Format.grouped(up.1))\(up.2.map { ", \(Format.decimal(abs($0), places: 1))%" } ?? ""), \(up.3!.pPhrase))")
            }
            if let down = real.filter({ $0.1 < 0 }).min(by: { ($0.1, $0.0) < ($1.1, $1.0) }) {
                parts.append("the largest fall \(parts.isEmpty ? "was " : "")in \(Category.name(forSlug: down.0).lowercased()) (down \(Format.grouped(-down.1))\(down.2.map { ", \(Format.decimal(abs($0), places: 1))%" } ?? ""), \(down.3!.pPhrase))")
            }
            if !parts.isEmpty {
                s.append(AreaReport.capitalised(parts.joined(separator: "; ")) + ".")
            } else if !moves.isEmpty {
                s.append("No category changed by more than normal year-to-year variation.")
            }
        }
        for f in flags where f.kind == .categoryChange {
            s.append("The figures cross a change of Police UK's categories in \(Month(f.months)?.longName ?? f.months), so a step in the affected categories there is not a real change.")
        }
        let missing = flags.filter { $0.kind == .missingData }
        if !missing.isEmpty {
            let what = missing.map { f in f.force.map { "'\($0)' in \(f.months)" } ?? "every force in \(f.months)" }
            s.append("The mirror lacks data for \(AreaReport.list(what)): those months undercount, and a dip there is missing data, not less crime.")
        }
        return (s + caveats).joined(separator: " ")
    }

    /// "within normal year-to-year variation for counts this small (p = 0.47)": what a change whose
    /// exact test finds it likely by chance is called. "For counts this small" only where they are
    /// (under 100 on both sides), which is where readers most over-read a percentage.
    static func normalVariation(_ t: PoissonChange, _ kind: String) -> String {
        "within normal \(kind) variation\(max(t.a, t.b) < 100 ? " for counts this small" : "") (\(t.pPhrase))"
    }

    /// "a", "a and b", "a, b and c".
    static func list(_ items: [String]) -> String {
        items.count <= 1 ? items.joined() : items.dropLast().joined(separator: ", ") + " and " + items.last!
    }

    static func capitalised(_ s: String) -> String { s.prefix(1).uppercased() + s.dropFirst() }
}

extension Month {
    static let names = ["January", "February", "March", "April", "May", "June", "July", "August",
                        "September", "October", "November", "December"]

    /// "January 2020", for sentences.
    public var longName: String { "\(Month.names[month - 1]) \(year)" }
}
