import ArgumentParser
import Foundation
import GeoQuery

/// `geoquery batch`: many queries, one mirror opening.
struct BatchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "batch",
        abstract: "Answer JSON-lines queries from stdin, one JSON result per line, in order.",
        discussion: """
        Each line: {"lat":52.63,"lng":-1.13,"radius":"0.5mi","from":"2020-01","to":"2020-12","category":["burglary"]}

        Keys: lat, lng (or postcode), radius (or poly, wkt, geojson, repair), from, to, date, category, force, exclude_btp, id (echoed back).
        A bad line gets {"id": ..., "error": "...", "line": N} on its own line (id when the line has one); the rest go on. The id comes back as given: a number stays a number.
        """
    )

    @OptionGroup var mirror: MirrorOptions

    func run() throws {
        let m = try mirror.open()
        var buffer = ""
        var lineNumber = 0
        var failures = 0
        while let line = readLine(strippingNewline: true) {
            lineNumber += 1
            if line.allSatisfy({ $0 == " " || $0 == "\t" || $0 == "\r" }) { continue }
            var id: String?
            do {
                let parsed = try BatchLine(line)
                id = parsed.id
                let q = try QueryInput(batchLine: parsed).query(in: m)
                buffer += try m.query(q).json(area: q.area, leading: id.map { [("id", $0)] } ?? [])
            } catch let e as GeoQueryError {
                failures += 1
                buffer += "{" + (id.map { "\"id\":\($0)," } ?? "") + "\"error\":\(JSONWriter.quote(e.description)),\"line\":\(lineNumber)}"
            }
            buffer += "\n"
            if buffer.utf8.count > 1 << 16 { Output.standard(buffer); buffer = "" }
        }
        Output.standard(buffer)
        if failures > 0 { Output.warning("\(failures) of \(lineNumber) line(s) failed; see the error objects in the output") }
    }
}
