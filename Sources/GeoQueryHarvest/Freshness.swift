import Foundation
import GeoQuery

/// The mirror against the API: the newest month per force here and there, and the harvest that
/// would close each gap (`geoquery status`).
public struct Freshness: Sendable {
    public struct ForceGap: Sendable {
        public var force: String
        /// Newest month the mirror holds for the force.
        public var newestHere: Month
        /// Months the API lists after it.
        public var missing: [Month]
        /// The commands that would fetch them: one per run of consecutive months (a range over a
        /// month the API lacks for the force would be refused); none for a force with no area.
        public var commands: [String]
        /// Why there is no command (a force without a boundary, such as BTP).
        public var note: String?
    }
    /// `crime-last-updated`, as the API writes it.
    public var lastUpdated: String
    public var newestThere: Month?
    public var monthsThere: Int
    public var forces: [ForceGap]
    /// Forces the mirror holds up to the API's newest month for them (with their newest month).
    public var upToDate: [(force: String, newest: Month)] = []
    /// The API said which forces each month holds (geoquery serve does; data.police.uk does not).
    public var monthsByForce = false

    /// Asks the API for `crime-last-updated` and `crimes-street-dates` and compares.
    /// - Parameter retryNotice: told each time a request is asked again, and why (``APIClient/retryNotice``).
    public static func check(api: URL, mirror: CrimeMirror, folder: String,
                             retryNotice: (@Sendable (String) -> Void)? = nil) async throws -> Freshness {
        var client = APIClient(base: api)
        client.retryNotice = retryNotice
        struct Updated: Decodable { var date: String }
        let updatedData = try await client.document("crime-last-updated")
        guard let updated = try? JSONDecoder().decode(Updated.self, from: updatedData) else {
            throw GeoQueryError.unreadableInput("crime-last-updated: the answer is not {\"date\": ...}: check --api names a data.police.uk-compatible API")
        }
        let listed = try await client.listedMonths()
        let there = listed.map(\.month)
        let byForce = !listed.isEmpty && listed.allSatisfy { $0.forces != nil }
        let provenance = try HarvestProvenance.load(folder: folder)
        var gaps: [ForceGap] = [], current: [(force: String, newest: Month)] = []
        for f in mirror.info.forces {
            // Months after the force's newest here that the API holds for it (for any force, when
            // the API does not say which forces each month holds).
            let missing = listed.filter { $0.month > f.last && ($0.forces?.contains(f.force) ?? true) }.map(\.month)
            guard !missing.isEmpty else { current.append((f.force, f.last)); continue }
            // A force harvested for an area only is refreshed for that area, not the whole force.
            // Its own force area when it was harvested whole; else the area last harvested for it.
            let entries = provenance.entries.filter { $0.force == f.force && $0.month == f.last.description }
            let own = "--force \(f.force)"
            let area = entries.contains { $0.area == own } ? own : entries.last?.area ?? own
            let harvest = "geoquery harvest --mirror \(Format.shellWord(folder))" + (api == APIClient.liveAPI ? "" : " --api \(Format.shellWord(api.absoluteString))")
            if area == own && mirror.responsibleAreas.polygon(of: f.force) == nil {
                gaps.append(ForceGap(force: f.force, newestHere: f.last, missing: missing, commands: [],
                                     note: "\(f.force) has no force area to harvest with --force: harvest the areas you want (--lat/--lng/--radius, --poly, --geojson), which fetches its crimes there"))
                continue
            }
            let ranges = Month.consecutiveRuns(missing).map { run in
                run.count == 1 ? "--date \(run[0])" : "--from \(run[0]) --to \(run[run.count - 1])"
            }
            guard HarvestProvenance.isRunnable(area) else {
                gaps.append(ForceGap(force: f.force, newestHere: f.last, missing: missing, commands: [],
                                     note: "\(f.force) was harvested for a polygon given inline (\(area)), too long to repeat here: run \(harvest) with the same polygon and \(ranges.joined(separator: ", then "))"))
                continue
            }
            let commands = ranges.map { "\(harvest) \(area) \($0)" }
            gaps.append(ForceGap(force: f.force, newestHere: f.last, missing: missing, commands: commands))
        }
        return Freshness(lastUpdated: updated.date, newestThere: there.last, monthsThere: there.count, forces: gaps, upToDate: current, monthsByForce: byForce)
    }

    public var text: String {
        var out = "API: \(monthsThere) month(s)\(newestThere.map { ", newest \($0)" } ?? ""); last updated \(lastUpdated)\n"
        if forces.isEmpty { return out + "The mirror is up to date with the API for every force it holds.\n" }
        for g in forces {
            out += "\(g.force): newest here \(g.newestHere), \(g.missing.count) newer month(s) listed there\n"
            for c in g.commands { out += "  \(c)\n" }
            if let note = g.note { out += "  \(note)\n" }
        }
        // The others, so that every force held is accounted for.
        if !upToDate.isEmpty {
            out += "Up to date with the API: " + upToDate.map { "\($0.force) (newest \($0.newest))" }.joined(separator: ", ") + "\n"
        }
        // data.police.uk's crimes-street-dates lists months for all forces together: a force whose
        // data there stops earlier gets nothing from the later months' harvest.
        if monthsByForce { return out }
        return out + "The API lists its months for all forces together, not which forces each month holds: a force published there only to an earlier month gets no crimes from the later ones.\n"
    }
}
