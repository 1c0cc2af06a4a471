import Foundation
@testable import GeoQuery

/// A small real mirror built once per process: City of London's January 2019 street crimes and
/// outcomes, and the first 300 EC postcodes, from ../shared/data; its catchments computed and stored.
struct IntactMirror: @unchecked Sendable {
    let dir: String
    let mirror: CrimeMirror
    let queries: [CrimeQuery]
    /// The intact mirror's answers to `queries`.
    let answers: [QueryResult]
    let postcodes: [String]
    let centroids: [String]
    let catchmentIdentity: [UInt64]
    let catchmentViews: [CatchmentFile.Section: [UInt8]]

    func file(_ name: String) -> [UInt8] { Array(FileManager.default.contents(atPath: dir + "/" + name) ?? Data()) }

    static func centroidsText(_ table: PostcodeTable, _ postcodes: [String]) -> [String] {
        postcodes.map { table.centroid(of: $0).map { "\($0.lat.bitPattern) \($0.lng.bitPattern)" } ?? "none" }
    }
}

let intact: IntactMirror = {
    do {
        let dir = FuzzCheck.scratch + "/mirror"
        let data = FuzzCheck.sharedData
        let codePoint = try FuzzCheck.head("postcodes/codepoint-open-2014-08/ec.csv", lines: 300)
        let postcodeFile = FuzzCheck.scratch + "/ec-300.csv"
        FileManager.default.createFile(atPath: postcodeFile, contents: Data(codePoint))
        _ = try Ingest.run(paths: [data + "/" + streetFile, data + "/" + outcomesFile], postcodes: [postcodeFile],
                           gridDirectories: [data + "/proj"], mirror: .directory(dir))
        let mirror = try CrimeMirror.open(.directory(dir))
        _ = try mirror.catchments()  // computes and stores catchments.geoquery
        let square = Polygon(parts: [[[.init(lat: 51.510, lng: -0.10), .init(lat: 51.510, lng: -0.08), .init(lat: 51.520, lng: -0.08),
                                       .init(lat: 51.520, lng: -0.10), .init(lat: 51.510, lng: -0.10)]]])
        let queries: [CrimeQuery] = [
            .radius(lat: 51.5155, lng: -0.0922, Distance(metres: 800)),
            .radius(lat: 51.5128, lng: -0.0810, Distance(metres: 250), categories: ["theft-from-the-person"]),
            .polygon(square),
        ]
        let answers = try queries.map { try mirror.query($0) }
        let postcodes = String(decoding: codePoint, as: UTF8.self).split(separator: "\n").map { String($0.split(separator: ",")[0].filter { $0 != "\"" }) }
        let table = try mirror.postcodes()
        let catchmentBytes = SnapshotBytes(copying: Array(FileManager.default.contents(atPath: dir + "/" + CatchmentFile.fileName)!))
        let views = try CatchmentFile.sections(of: catchmentBytes, identity: mirror.snapshot.catchmentIdentity, path: "intact")
        return IntactMirror(dir: dir, mirror: mirror, queries: queries, answers: answers, postcodes: postcodes,
                            centroids: IntactMirror.centroidsText(table, postcodes), catchmentIdentity: mirror.snapshot.catchmentIdentity,
                            catchmentViews: views.mapValues { Array($0) })
    } catch {
        FuzzCheck.say("cannot build the small mirror from \(FuzzCheck.sharedData): \(error)")
        exit(2)
    }
}()

let mirrorFileTargets: [FuzzTarget] = [
    FuzzTarget(name: "snapshot", property: "a damaged snapshot is refused with a typed error, or opens a mirror whose answers to fixed radius and polygon queries equal the intact one's", seeds: {
        [intact.file(SnapshotFormat.fileName)]
    }, run: { input in
        let answers = intact.answers  // built before any input
        guard let snapshot = FuzzCheck.typed({ try Snapshot(bytes: SnapshotBytes(copying: Array(input)), path: "fuzzed") }),
              let mirror = FuzzCheck.typed({ try CrimeMirror(snapshot: snapshot) }) else { return }
        for (q, answer) in zip(intact.queries, answers) {
            guard let r = FuzzCheck.typed({ try mirror.query(q) }) else { continue }
            FuzzCheck.expect(r == answer, "the damaged snapshot opened and answers \(q) differently")
        }
    }),
    FuzzTarget(name: "postcode-table", property: "a damaged postcode table is refused with a typed error, or gives every stored postcode the intact table's centroid", seeds: {
        [intact.file(PostcodeTable.fileName)]
    }, run: { input in
        let expected = intact.centroids
        guard let table = FuzzCheck.typed({ try PostcodeTable(bytes: SnapshotBytes(copying: Array(input)), path: "fuzzed") }) else { return }
        FuzzCheck.expect(IntactMirror.centroidsText(table, intact.postcodes) == expected, "the damaged postcode table opened with other centroids")
    }),
    FuzzTarget(name: "catchment-file", property: "a damaged catchment file is refused with a typed error (and computed again), or every section reads as the intact file's", seeds: {
        [intact.file(CatchmentFile.fileName)]
    }, run: { input in
        let expected = intact.catchmentViews
        let bytes = SnapshotBytes(copying: Array(input))  // the views point into it
        withExtendedLifetime(bytes) {
            guard let views = FuzzCheck.typed({ try CatchmentFile.sections(of: bytes, identity: intact.catchmentIdentity, path: "fuzzed") }) else { return }
            // meta holds the file's creation time, which differs between the seed's process and this one.
            FuzzCheck.expect(views.filter { $0.key != .meta }.mapValues { Array($0) } == expected.filter { $0.key != .meta }, "the damaged catchment file opened with other sections")
        }
    }),
]
