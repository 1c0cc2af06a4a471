import Foundation

/// What a mirror holds, for `geoquery info`.
public struct MirrorInfo: Sendable {
    public struct ForceCoverage: Sendable {
        public var force: String
        public var first: Month
        public var last: Month
        public var months: Int
        /// Months missing between the force's first and last month.
        public var gaps: [Month]
        public var crimes: Int
    }
    public var location: String
    public var synthetic: Bool
    public var forces: [ForceCoverage]
    public var firstMonth: Month?
    public var lastMonth: Month?
    public var crimes: Int
    public var noLocation: Int
    public var mapPoints: Int
    public var listedMapPoints: Int
    public var outcomeEvents: Int
    public var snapshotBytes: Int
    /// The delta beside the snapshot (see `geoquery ingest --compact`): its bytes and crimes, nil when there is none.
    public var delta: (bytes: Int, crimes: Int, restated: Int)?
    public var created: String
    public var sectionBytes: [String: Int]
    /// Crimes and map points in the snapshot itself (without the delta's): what its section sizes are per.
    public var snapshotCrimes = 0, snapshotMapPoints = 0
    /// The format version the snapshot was written in (an older one is rewritten by the next ingest).
    public var formatVersion = SnapshotFormat.version
    /// Months a period of the per-point cells spans (a long mirror's layout), 0 for one list a point.
    public var pointCellPeriodMonths = 0
    /// Force boundaries the catchments are clipped to (empty: clipped at 20 km).
    public var boundaries: [String] = []
    /// The catchment files' size (the snapshot's, and the delta's when it changes map points),
    /// nil when the catchments are not computed yet (first use does it).
    public var catchmentBytes: Int?
    /// The files they are in: `catchments.geoquery`, and `catchments-delta.geoquery` for a delta
    /// that changes map points.
    public var catchmentFiles: [String] = []
    /// "34,735 (Code-Point Open; BNG→WGS84 by …)", or why there are none; and one line per source file.
    public var postcodes: String
    public var postcodeSources: [String]
    /// One line per (force, month) harvested from the API that still holds what was harvested:
    /// those hold only their areas' crimes (``HarvestProvenance/describe(mirror:)``).
    public var harvested: [String] = []

    public var text: String {
        var lines = ["Mirror: \(location)\(synthetic ? "  (SYNTHETIC SAMPLE: generated demo data, not Police UK's)" : "")"]
        lines.append("Snapshot: \(Format.grouped(snapshotBytes)) bytes, written \(created), format v\(formatVersion); read by geoquery \(version)")
        if let d = delta {
            lines.append("Delta: \(Format.grouped(d.bytes)) bytes beside the snapshot, \(Format.grouped(d.crimes)) crimes added since it was written (restating \(d.restated) of its force-months); geoquery ingest --compact folds it in")
        }
        if let f = firstMonth, let l = lastMonth { lines.append("Months: \(f) to \(l)") }
        lines.append("Crimes: \(Format.grouped(crimes)) (\(Format.grouped(noLocation)) with no location)")
        lines.append("Map points: \(Format.grouped(mapPoints))\(listedMapPoints > 0 ? " (\(Format.grouped(listedMapPoints)) from a map-point list)" : "")")
        if outcomeEvents > 0 { lines.append("Outcome records: \(Format.grouped(outcomeEvents))") }
        if crimes > 0 {
            let perCrime = Double(sectionBytes["crimes"] ?? 0) / Double(max(1, snapshotCrimes > 0 ? snapshotCrimes : crimes))
            lines.append("Size: \(Format.decimal(perCrime, places: 1)) bytes per crime (rows), \(Format.decimal(Double(sectionBytes["index"] ?? 0) / Double(max(1, snapshotMapPoints > 0 ? snapshotMapPoints : mapPoints)), places: 1)) bytes per map point (points, tree, aggregates)")
            lines.append("Aggregates: \(Format.grouped(sectionBytes["pointCells"] ?? 0)) bytes per-point cells\(pointCellPeriodMonths > 0 ? " (by \(pointCellPeriodMonths)-month period)" : ""), \(Format.grouped(sectionBytes["nodeCells"] ?? 0)) per-node cells, \(Format.grouped(sectionBytes["projections"] ?? 0)) per-node projections")
        }
        let clip = boundaries.isEmpty ? "clipped at 20 km (no force boundaries loaded: 'geoquery ingest --boundaries FILE')"
            : "clipped to \(boundaries.count) force boundaries"
        let held = catchmentBytes.map { "\(Format.grouped($0)) bytes in \(catchmentFiles.joined(separator: " and "))" } ?? "computed on first use (about 0.7 s per 100,000 map points in a release build) and kept"
        lines.append("Catchments: one Voronoi cell per map point, \(clip); \(held)")
        lines.append("Force areas (where each force is responsible, for coverage notes): " + (boundaries.isEmpty
            ? "the built-in ONS police force areas of England and Wales (December 2020, simplified)"
            : "the \(boundaries.count) force boundaries loaded with ingest --boundaries"))
        let absent = Force.all.filter { f in f.onsCode != nil && !forces.contains { $0.force == f.slug } }.map(\.slug)
        if !absent.isEmpty { lines.append("Forces with no data at all (answers in their areas say so): \(absent.joined(separator: ", "))") }
        lines.append("Postcodes: \(postcodes)")
        lines += postcodeSources.map { "  " + $0 }
        lines.append("Forces (\(forces.count)):")
        for f in forces {
            let gaps = f.gaps.isEmpty ? "" : "  gaps: \(QueryPlan.describe(f.gaps.map(\.ordinal)))"
            lines.append("  \(f.force.padding(toLength: 22, withPad: " ", startingAt: 0)) \(f.first)..\(f.last)  \(String(f.months).leftPadded(3)) \(f.months == 1 ? "month " : "months")  \(Format.grouped(f.crimes).leftPadded(9)) crimes\(gaps)")
        }
        if !harvested.isEmpty {
            lines.append("Harvested from the API (\(harvested.count) force-month(s)):")
            lines += harvested.map { "  " + $0 }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// `geoquery info --format json` (and `/v1/info`): the same facts as ``text``, as one object.
    public var json: String {
        var w = JSONWriter()
        w.beginObject()
        w.version()
        w.value("mirror", location)
        w.value("synthetic", synthetic)
        w.beginObject("snapshot")
        w.value("bytes", snapshotBytes)
        w.value("created", created)
        w.value("format_version", Int(formatVersion))
        // 0: one list of cells a map point; else the months a period of them spans (v6).
        w.value("point_cell_period_months", pointCellPeriodMonths)
        w.beginObject("section_bytes")
        for k in sectionBytes.keys.sorted() { w.value(k, sectionBytes[k]!) }
        w.endObject()
        w.endObject()
        if let d = delta {
            w.beginObject("delta")
            w.value("bytes", d.bytes)
            w.value("crimes", d.crimes)
            w.value("restated_force_months", d.restated)
            w.endObject()
        } else {
            w.null("delta")
        }
        w.value("first_month", firstMonth?.description)
        w.value("last_month", lastMonth?.description)
        w.value("crimes", crimes)
        w.value("no_location", noLocation)
        w.value("map_points", mapPoints)
        w.value("listed_map_points", listedMapPoints)
        w.value("outcome_events", outcomeEvents)
        w.beginArray("boundaries")
        for b in boundaries { w.value(nil, b) }
        w.endArray()
        w.value("catchment_bytes", catchmentBytes)
        w.beginArray("catchment_files")
        for f in catchmentFiles { w.value(nil, f) }
        w.endArray()
        w.value("postcodes", postcodes)
        w.beginArray("postcode_sources")
        for s in postcodeSources { w.value(nil, s) }
        w.endArray()
        w.beginArray("forces")
        for f in forces {
            w.beginObject()
            w.value("force", f.force)
            w.value("first", f.first.description)
            w.value("last", f.last.description)
            w.value("months", f.months)
            w.beginArray("gaps")
            for g in f.gaps { w.value(nil, g.description) }
            w.endArray()
            w.value("crimes", f.crimes)
            w.endObject()
        }
        w.endArray()
        w.beginArray("harvested")
        for h in harvested { w.value(nil, h) }
        w.endArray()
        w.endObject()
        return w.text
    }
}

extension String {
    /// Right-aligned in `n` columns, for tables.
    public func leftPadded(_ n: Int) -> String { String(repeating: " ", count: max(0, n - count)) + self }
}

extension CrimeMirror {
    /// Size of the catchment files made for this snapshot (and its delta), nil when there are none yet.
    var storedCatchmentFiles: (bytes: Int, files: [String])? { CatchmentFile.storedFiles(snapshot: snapshot, delta: delta, at: location) }

    /// The harvested (force, month)s in words; none when the folder was never harvested into
    /// (a damaged provenance file: ``HarvestProvenance/load(folder:)`` says so).
    var harvestedLines: [String] {
        guard case .directory(let folder) = location, let p = try? HarvestProvenance.load(folder: folder) else { return [] }
        return p.describe(mirror: self)
    }

    /// Forces, months (with gaps), counts and sizes.
    public var info: MirrorInfo {
        let meta = snapshot.meta
        var byForce: [String: [(Month, Int)]] = [:]
        for p in streetPartitions { if let m = Month(p.month) { byForce[p.force, default: []].append((m, p.crimes)) } }
        let coverage = byForce.keys.sorted().map { f -> MirrorInfo.ForceCoverage in
            let ms = byForce[f]!.map(\.0).sorted()
            let held = Set(ms)
            let gaps = (ms.first!...ms.last!).months.filter { !held.contains($0) }
            return MirrorInfo.ForceCoverage(force: f, first: ms.first!, last: ms.last!, months: ms.count, gaps: gaps, crimes: byForce[f]!.reduce(0) { $0 + $1.1 })
        }
        var rows = 0, index = 0, pointCells = 0, nodeCells = 0, projections = 0
        for s in SnapshotFormat.Section.allCases {
            let n = snapshot.raw(s).count
            if s.isRowData && s.rawValue < 70 { rows += n } else if s.rawValue >= 20 && !s.isRowData { index += n }
            switch s {
            case .pointCells, .pointCellStart: pointCells += n
            case .nodeCells, .nodeCellStart: nodeCells += n
            case .nodeMonthCategory, .nodeMonthCategoryStart, .nodeMonthOutcome, .nodeMonthOutcomeStart, .nodeMonthForce, .nodeMonthForceStart,
                 .nodeRunningTotalStart, .nodeRunningTotals, .nodeDenseMonthCategoryStart, .nodeDenseMonthCategoryFirst, .nodeDenseMonthCategory:
                projections += n
            default: break
            }
        }
        let catchments = storedCatchmentFiles
        var postcodes = "none", postcodeSources: [String] = []
        do {
            let table = try self.postcodes()
            postcodes = table.summary
            postcodeSources = table.sourceLines
        } catch let e as GeoQueryError {
            postcodes = e.description
        } catch {
            postcodes = "\(error)"
        }
        var info = MirrorInfo(location: snapshot.path, synthetic: synthetic, forces: coverage, firstMonth: firstMonth, lastMonth: lastMonth,
                          crimes: streetPartitions.reduce(0) { $0 + $1.crimes }, noLocation: streetPartitions.reduce(0) { $0 + $1.noLocation },
                          mapPoints: mapPointCount - (delta?.emptied.count ?? 0), listedMapPoints: meta.listedMapPoints,
                          outcomeEvents: meta.outcomeEvents, snapshotBytes: snapshot.bytes.raw.count,
                          delta: delta.map { ($0.mirror.snapshot.bytes.raw.count, $0.mirror.snapshot.meta.crimes, $0.superseded.count) },
                          created: meta.created,
                          sectionBytes: ["crimes": rows, "index": index, "pointCells": pointCells, "nodeCells": nodeCells, "projections": projections],
                          boundaries: snapshot.strings(.boundaryNames).all, catchmentBytes: catchments?.bytes, catchmentFiles: catchments?.files ?? [],
                          postcodes: postcodes, postcodeSources: postcodeSources, harvested: harvestedLines)
        (info.snapshotCrimes, info.snapshotMapPoints) = (meta.crimes, meta.mapPoints)
        (info.formatVersion, info.pointCellPeriodMonths) = (snapshot.formatVersion, pointLists.months)
        return info
    }
}
