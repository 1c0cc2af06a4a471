import Foundation

/// The embedded default mirror: ``SampleGenerator``'s CSVs ingested in memory on first use, so
/// geoquery answers anywhere it is run (swift run, the built binary, an installed copy) with no
/// file to find. Every output built on it says it is synthetic.
enum SampleMirror {
    /// Centre of the sample: Leicester's Clock Tower.
    static let centre = (lat: 52.6344, lng: -1.1313)

    private static let built: Result<Snapshot, GeoQueryError> = {
        var table = CrimeTable()
        do {
            for file in SampleGenerator.streetFiles() {
                var text = file.contents
                _ = try text.withUTF8 { try PoliceCSV.read($0, name: file.name, into: &table) }
            }
            let image = SnapshotBuilder(table: table, synthetic: true).build()
            return .success(try Snapshot(bytes: SnapshotBytes(copying: image.serialized()), path: "(embedded synthetic sample)"))
        } catch let e as GeoQueryError {
            return .failure(e)
        } catch {
            return .failure(.mirrorCorrupt("the embedded sample failed to build: \(error)"))
        }
    }()

    static func snapshot() throws -> Snapshot { try built.get() }
}
