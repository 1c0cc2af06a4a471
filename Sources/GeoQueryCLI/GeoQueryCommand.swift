import ArgumentParser
import Foundation
import GeoQuery

/// `geoquery`: crime recorded around a place, from a local mirror of Police UK's open data.
/// Without a subcommand name, arguments go to `query` (radius and polygon counts); the other
/// subcommands ingest, harvest from the API, describe, batch, tile, serve and explain catchments.
@main
struct GeoQueryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "geoquery",
        abstract: "What crime was recorded around here, from a local mirror of Police UK's open data.",
        discussion: """
        Without a subcommand, counts the crimes whose Police UK map point lies within --radius of --lat/--lng or --postcode (WGS84 geodesic distance), or inside a polygon (--poly, --geojson, --wkt, --kml), by category, month and outcome ('geoquery query --help' lists every option).

        The mirror is --mirror DIR, else $GEOQUERY_MIRROR, else the embedded SYNTHETIC sample.

        Examples:
          geoquery --lat 52.6297 --lng -1.1316 --radius 0.5mi
          geoquery ingest --mirror ~/police-uk ~/Downloads/2019-01.zip --boundaries police_force_areas.geojson
          geoquery --mirror ~/police-uk --lat 52.63 --lng -1.13 --radius 800m --from 2020-01 --to 2020-12 --category burglary --format json
          geoquery catchment --mirror ~/police-uk --lat 52.6344 --lng -1.1313 --radius 0.5mi --svg catchments.svg
        """,
        version: GeoQuery.version,
        subcommands: [QueryCommand.self, IngestCommand.self, InfoCommand.self, BatchCommand.self, TileCommand.self,
                      CatchmentCommand.self, PointCommand.self, ReportCommand.self, CompareCommand.self, SampleCommand.self,
                      HarvestCommand.self, StatusCommand.self, ServeCommand.self],
        defaultSubcommand: QueryCommand.self
    )

    /// Parses, runs, and turns every failure into one line on stderr and a non-zero exit.
    static func main() {
        let arguments = mirrorAfterSubcommand(Array(CommandLine.arguments.dropFirst()))
        // ArgumentParser answers `help NAME` for an unknown NAME with the overview and exit 0.
        if arguments.first == "help", arguments.count > 1, !arguments[1].hasPrefix("-"), !subcommandNames.contains(arguments[1]) {
            let hint = Spelling.closest(to: arguments[1], among: subcommandNames).first.map { " (did you mean \($0)?)" } ?? ""
            Output.error("no subcommand '\(arguments[1])'\(hint); the subcommands are \(subcommandNames.joined(separator: ", ")) (see 'geoquery --help')")
            Foundation.exit(2)
        }
        do {
            var command = try parseAsRoot(arguments)
            try command.run()
        } catch let error as GeoQueryError {
            Output.error(error.description)
            Foundation.exit(1)
        } catch {
            let code = exitCode(for: error)
            if code == .success { exit(withError: error) }  // --help, --version, completion scripts
            var message = self.message(for: error).split(separator: "\n").first.map(String.init) ?? "invalid arguments"
            message = hint(for: message, arguments: arguments) ?? message
            // Point at the subcommand's own help when one was named.
            let sub = arguments.first { subcommandNames.contains($0) }
            Output.error("\(message) (see 'geoquery \(sub.map { $0 + " " } ?? "")--help')")
            Foundation.exit(code == .validationFailure ? 2 : code.rawValue)
        }
    }

    static var subcommandNames: [String] { configuration.subcommands.compactMap { $0.configuration.commandName } }

    /// `geoquery --mirror DIR report ...` reads as `geoquery report --mirror DIR ...`: every
    /// subcommand takes --mirror, and people put the "global" option first.
    static func mirrorAfterSubcommand(_ arguments: [String]) -> [String] {
        let i = firstWord(arguments)
        guard i > 0, i < arguments.count, subcommandNames.contains(arguments[i]) else { return arguments }
        return [arguments[i]] + arguments[..<i] + arguments[(i + 1)...]
    }

    /// Where the subcommand name would be: after any leading `--mirror DIR` / `--mirror=DIR`.
    static func firstWord(_ arguments: [String]) -> Int {
        var i = 0
        while i < arguments.count {
            if arguments[i] == "--mirror" && i + 1 < arguments.count { i += 2 }
            else if arguments[i].hasPrefix("--mirror=") { i += 1 }
            else { break }
        }
        return i
    }

    /// Plainer words for argument-parser's "Unexpected argument 'X'" when X is a misspelt
    /// subcommand name (the default subcommand took it as a stray value) or a subcommand name
    /// placed after options.
    /// Unit words people type apart from the number, and the suffix a distance takes instead.
    static func hint(for message: String, arguments: [String]) -> String? {
        // `point` has no area options (its help lists none): say what it takes instead.
        if arguments.first(where: { subcommandNames.contains($0) }) == "point",
           ["radius", "poly", "geojson", "wkt", "kml", "repair", "feature", "where", "feature-key"].contains(where: { message.hasPrefix("Unknown option '--\($0)'") }) {
            return "point takes a place (--lat/--lng or --postcode) or --id, not a radius or polygon: use 'geoquery catchment' for areas"
        }
        let prefix = "Unexpected argument '"
        guard message.hasPrefix(prefix), let word = message.dropFirst(prefix.count).split(separator: "'").first.map(String.init) else { return nil }
        // `--radius 0.5 mile`: the unit typed as a word of its own.
        if let k = arguments.firstIndex(of: word), k >= 2, Double(arguments[k - 1]) != nil, arguments[k - 2].hasPrefix("--"),
           let unit = Distance.unitSymbol(word) {
            return "'\(word)' after \(arguments[k - 2]) \(arguments[k - 1]) looks like its unit: write it joined to the number (\(arguments[k - 2]) \(arguments[k - 1])\(unit))"
        }
        if subcommandNames.contains(word) {
            return "'\(word)' is a subcommand name: put it first and the options after it (geoquery \(word) --mirror DIR ...)"
        }
        // Only the first word can be a subcommand name: later words are option values.
        let i = firstWord(arguments)
        guard i < arguments.count, arguments[i] == word else { return nil }
        if let near = Spelling.closest(to: word, among: subcommandNames).first {
            return "unknown subcommand '\(word)': did you mean '\(near)'? (subcommands: \(subcommandNames.joined(separator: ", ")))"
        }
        return "'\(word)' is not a subcommand (\(subcommandNames.joined(separator: ", "))) nor an option of the default 'query'"
    }
}

/// A `--format` (or other word choice) read whatever its case: `--format JSON` is `json` (a new
/// user's check found capitals refused).
public protocol CaseInsensitiveArgument: ExpressibleByArgument, RawRepresentable where RawValue == String {}

extension CaseInsensitiveArgument {
    public init?(argument: String) { self.init(rawValue: argument.lowercased()) }
}

extension OutputFormat: CaseInsensitiveArgument {}

/// `--mirror DIR`, shared by every command.
struct MirrorOptions: ParsableArguments {
    @Option(name: .customLong("mirror"), help: ArgumentHelp("Mirror folder (else $GEOQUERY_MIRROR; queries without either use the embedded synthetic sample).", valueName: "dir"))
    var path: String?

    var location: MirrorLocation { MirrorLocation.resolve(path) }

    /// An empty --mirror (an unset shell variable, usually) fell back to $GEOQUERY_MIRROR or the
    /// synthetic sample without a word.
    func validate() throws {
        if let path, path.trimmingCharacters(in: .whitespaces).isEmpty {
            throw ValidationError("--mirror needs a folder (got an empty path; is a shell variable unset?)")
        }
    }

    /// Opens the mirror; the first catchment question after an ingest says on stderr that it is
    /// computing them (seconds) and when it is done.
    func open() throws -> CrimeMirror {
        try CrimeMirror.open(location) { event in
            // The embedded sample's catchments take milliseconds: nothing to say.
            switch event {
            case .computing(_, nil), .computed(_, _, nil, _, _): return
            default: Output.note(event.message)
            }
        }
    }
}

/// Degrees as typed on the command line: decimal only (ArgumentParser's `Double` would take
/// `0x34` as 52).
func decimalDegrees(_ text: String) throws -> Double {
    guard let v = Double(decimal: text.trimmingCharacters(in: .whitespaces)) else {
        throw ValidationError("'\(text)' is not a number of degrees: give decimal degrees, e.g. 52.6297 or -1.1316")
    }
    return v
}

/// A place: a centre by coordinates or postcode (`point` takes only this of an area).
struct PlaceOptions: ParsableArguments {
    @Option(parsing: .unconditional, help: "Centre latitude, decimal degrees (WGS84).", transform: decimalDegrees)
    var lat: Double?
    @Option(parsing: .unconditional, help: "Centre longitude, decimal degrees (WGS84; west is negative).", transform: decimalDegrees)
    var lng: Double?
    @Option(help: ArgumentHelp("Centre on a UK postcode's centroid instead of --lat/--lng: a unit (\"LE1 5WW\"), a sector (\"LE1 5\") or a district (\"LE1\"), which use the mean of their postcodes' centroids. Needs postcodes in the mirror (geoquery ingest --postcodes). 'compare' takes it twice.", valueName: "postcode"))
    var postcode: [String] = []
}

/// The months, categories and forces a query counts.
struct FilterOptions: ParsableArguments {
    @Option(help: "First month, YYYY-MM (inclusive; default: the mirror's first, or --to's month when --to is before it; harvest: see its overview).")
    var from: String?
    @Option(help: "Last month, YYYY-MM (inclusive; default: the mirror's last, or --from's month when --from is after it; harvest: see its overview).")
    var to: String?
    @Option(help: "One month, YYYY-MM (instead of --from/--to).")
    var date: String?
    @Option(help: "Category slug, e.g. burglary, violent-crime (repeatable; harvest takes one, the API's one per request).")
    var category: [String] = []
    @Option(help: "Force slug as in the archive file names, e.g. leicestershire, btp (repeatable; harvest takes one, alone: the force's area).")
    var force: [String] = []
    @Flag(help: "Leave out British Transport Police crimes (not for harvest: the API cannot filter by force).")
    var excludeBtp = false

    /// The place and these filters as a query's input (no area beyond the place).
    func input(at place: PlaceOptions) throws -> QueryInput {
        // Only compare takes two postcodes (it reads them itself).
        guard place.postcode.count <= 1 else {
            throw GeoQueryError.invalidQuery("give --postcode once (only 'geoquery compare' takes two: --postcode A --postcode B)")
        }
        var i = QueryInput()
        i.lat = place.lat; i.lng = place.lng; i.postcode = place.postcode.first; i.from = from; i.to = to; i.date = date
        i.categories = category; i.forces = force; i.excludeBTP = excludeBtp
        return i
    }
}

/// The area and filters of a query: a place and radius, or a polygon.
struct QueryOptions: ParsableArguments {
    @OptionGroup var place: PlaceOptions
    @Option(parsing: .unconditional, help: "Radius: 800m, 1.2km, 0.5mi (a bare number is miles; 0.1 m to 10 mi). Default 0.5mi.")
    var radius: String?
    @OptionGroup var filters: FilterOptions

    // The groups' options by their flags' names, as every command reads them.
    var lat: Double? { place.lat }
    var lng: Double? { place.lng }
    var postcode: [String] { get { place.postcode } set { place.postcode = newValue } }
    var from: String? { filters.from }
    var to: String? { filters.to }
    var date: String? { filters.date }
    var category: [String] { filters.category }
    var force: [String] { filters.force }
    var excludeBtp: Bool { filters.excludeBtp }

    @Option(parsing: .unconditional, help: ArgumentHelp("A polygon as data.police.uk takes it: lat,lng:lat,lng:... (closed for you), or @FILE to read it from a file.", valueName: "points|@file"))
    var poly: String?
    @Option(help: ArgumentHelp("A GeoJSON file, or the GeoJSON itself ('{\"type\":\"Polygon\",...}'): Polygon, MultiPolygon, Feature or FeatureCollection (holes allowed).", valueName: "file|json"))
    var geojson: String?
    @Option(help: ArgumentHelp("A WKT polygon or multipolygon, or @FILE to read it from a file.", valueName: "text|@file"))
    var wkt: String?
    @Option(help: ArgumentHelp("A KML file with <Polygon> boundaries (as data.police.uk publishes for forces).", valueName: "file"))
    var kml: String?
    @Flag(help: "Repair an invalid polygon with GEOS MakeValid (and say what changed), and close unclosed WKT/GeoJSON rings, instead of refusing them.")
    var repair = false
    @Option(help: ArgumentHelp("With --geojson: only the feature with this name (its --feature-key property, else LSOA11CD, PFA20NM, name, ...; case ignored). Repeatable.", valueName: "name"))
    var feature: [String] = []
    @Option(name: .customLong("where"), help: ArgumentHelp("With --geojson: only features whose property KEY is VALUE (case ignored), e.g. PFA20NM=Leicestershire. Repeatable: all must hold.", valueName: "key=value"))
    var whereProperty: [String] = []
    @Option(help: ArgumentHelp("With --geojson: the property that names each feature, for --feature and --per-feature (default: LSOA11CD, PFA20NM, name, ...).", valueName: "property"))
    var featureKey: String?

    var input: QueryInput {
        get throws {
            var i = try filters.input(at: place)
            i.radius = radius
            i.poly = try poly.map { try QueryOptions.textOrFile($0, what: "poly") }; i.repair = repair
            guard geojson != nil || (feature.isEmpty && whereProperty.isEmpty) else {
                throw GeoQueryError.invalidQuery("--feature and --where pick features of a --geojson FeatureCollection: give --geojson FILE")
            }
            i.featureSelection = PolygonReader.FeatureSelection(names: feature, properties: whereProperty, key: featureKey)
            i.geojson = try geojson.map(QueryOptions.geojsonText)
            i.kml = try kml.map { try QueryOptions.read($0, what: "KML") }
            i.wkt = try wkt.map { try QueryOptions.textOrFile($0, what: "WKT") }
            return i
        }
    }

    /// An option's text, or with a leading `@` the contents of the file it names (a 200,000-vertex
    /// polygon is too long for a command line).
    static func textOrFile(_ value: String, what: String) throws -> String {
        value.hasPrefix("@") ? try read(String(value.dropFirst()), what: what) : value
    }

    /// A `--geojson` value: the GeoJSON itself when it starts as JSON does (`{`, as batch lines and
    /// /v1 take it, or `[`, refused then as no object) and names no file, else the file it names.
    static func isInlineGeoJSON(_ value: String) -> Bool {
        ["{", "["].contains(value.drop(while: \.isWhitespace).first) && !FileManager.default.fileExists(atPath: value)
    }

    /// The GeoJSON a `--geojson` value gives (see ``isInlineGeoJSON(_:)``).
    static func geojsonText(_ value: String) throws -> String {
        isInlineGeoJSON(value) ? value : try read(value, what: "GeoJSON")
    }

    /// The most an area file may hold: the 43 force areas at full resolution are ~100 MB, and a
    /// larger file would be read whole before a byte of it is checked.
    static let maxAreaFile = 512 << 20

    /// The file an area option names: `@FILE`, as --poly and --wkt take it, names FILE here too
    /// (unless a file is named so).
    static func filePath(_ given: String) -> String {
        given.hasPrefix("@") && !FileManager.default.fileExists(atPath: given) ? String(given.dropFirst()) : given
    }

    static func read(_ given: String, what: String) throws -> String {
        let path = filePath(given)
        if let size = (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int, size > maxAreaFile {
            throw GeoQueryError.tooLarge("the \(what) file \(path) holds \(Format.grouped(size)) bytes, over the \(maxAreaFile >> 20) MiB an area file may hold: simplify it or pick its features into a smaller file")
        }
        var isFolder: ObjCBool = false
        let exists = FileManager.default.fileExists(atPath: path, isDirectory: &isFolder)
        guard exists, !isFolder.boolValue, let data = FileManager.default.contents(atPath: path) else {
            let why = !exists ? ": no such file" : isFolder.boolValue ? ": it is a folder; give the file" : " (is it readable?)"
            throw GeoQueryError.unreadableInput("cannot read the \(what) file \(path)\(why)")
        }
        return String(decoding: data, as: UTF8.self)
    }
}

/// Writing to the terminal: stdout for answers, stderr for errors, progress and warnings.
enum Output {
    static func standard(_ text: String) { FileHandle.standardOutput.write(Data(text.utf8)) }
    static func standard(_ bytes: [UInt8]) { FileHandle.standardOutput.write(Data(bytes)) }
    static func error(_ message: String) { FileHandle.standardError.write(Data("geoquery: error: \(oneLine(message))\n".utf8)) }

    /// An error is one line: line breaks and other control characters (echoed input can hold
    /// anything, binary included) become spaces or `?`, and a very long echo is cut.
    static func oneLine(_ message: String, limit: Int = 1_000) -> String {
        var out = "", count = 0, space = false
        for c in message.unicodeScalars {
            let isBreak = c == "\n" || c == "\r" || c == "\t"
            if isBreak { space = true; continue }
            if space && !out.isEmpty { out += " "; count += 1 }
            space = false
            let printable = !(c.value < 0x20 || (0x7F...0x9F).contains(c.value) || c == "\u{FFFD}")
            out.unicodeScalars.append(printable ? c : "?")
            count += 1
            if count >= limit { out += "… (cut at \(limit) characters)"; break }
        }
        return out
    }
    static func note(_ message: String) { FileHandle.standardError.write(Data("geoquery: note: \(message)\n".utf8)) }
    static func warning(_ message: String) { FileHandle.standardError.write(Data("geoquery: warning: \(message)\n".utf8)) }
    static func progress(_ line: String) { FileHandle.standardError.write(Data("\r\u{1B}[K\(line)".utf8)) }
    static var stderrIsTerminal: Bool { isatty(2) == 1 }
    /// Refuses, before any work, a file option (`--svg`, `--output`) that cannot be written:
    /// an empty path, a folder, or a file in a folder that is not there. (Otherwise the answer is
    /// computed, printed in part, and the write fails at the end.)
    static func checkWritable(_ path: String?, option: String) throws {
        guard let path else { return }
        guard !path.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw ValidationError("\(option) needs a file path (got an empty path; is a shell variable unset?)")
        }
        var isFolder: ObjCBool = false
        if path.hasSuffix("/") || (FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) && isFolder.boolValue) {
            throw ValidationError("\(option) \(path) is a folder: give a file path in it")
        }
        let dir = PathName.folder(of: path)
        guard FileManager.default.fileExists(atPath: dir, isDirectory: &isFolder) else {
            throw ValidationError("\(option) \(path): the folder \(dir) does not exist")
        }
        guard isFolder.boolValue else { throw ValidationError("\(option) \(path): \(dir) is a file, not a folder") }
    }

    /// Writes a picture or export the user asked for (into a device or pipe such as
    /// `/dev/stdout`, atomically over a file: see ``AtomicFile/write(_:what:bytes:)``).
    static func file(_ path: String, _ text: String) throws {
        try AtomicFile.write(path, what: "the picture or export", bytes: Array(text.utf8))
    }
}
