import GeoQuery

/// The OpenAPI 3.1 description of `/v1/`, served at `/v1/openapi.json`. Each operation's
/// `x-example` is a query its test sends; the test also checks that every documented parameter
/// is taken, an undocumented one refused, and every route documented.
enum OpenAPIDocument {
    struct Parameter {
        let name: String, type: String, about: String
        var repeats: Bool { name == "category" || name == "force" }
    }

    struct Operation {
        let path: String, summary: String
        let parameters: [Parameter]
        /// Content types of a 200 answer.
        let answers: [String]
        let example: String
        var post = true
    }

    /// The CLI's query inputs, by their flag names without the dashes.
    static let area: [Parameter] = [
        .init(name: "lat", type: "number", about: "Centre latitude, decimal degrees (WGS84)."),
        .init(name: "lng", type: "number", about: "Centre longitude, decimal degrees (WGS84; west is negative)."),
        .init(name: "postcode", type: "string", about: "Centre on a UK postcode unit, sector or district instead of lat/lng."),
        .init(name: "radius", type: "string", about: "800m, 1.2km, 0.5mi (a bare number is miles; 0.1 m to 10 mi). Default 0.5mi."),
        .init(name: "poly", type: "string", about: "A polygon as data.police.uk takes it: lat,lng:lat,lng:..."),
        .init(name: "wkt", type: "string", about: "A WKT polygon or multipolygon."),
        .init(name: "geojson", type: "string", about: "GeoJSON text (or POST it as the body, Content-Type application/geo+json)."),
        .init(name: "from", type: "string", about: "First month, YYYY-MM (default: the mirror's first, or to's month when to is before it)."),
        .init(name: "to", type: "string", about: "Last month, YYYY-MM (default: the mirror's last, or from's month when from is after it)."),
        .init(name: "date", type: "string", about: "One month, YYYY-MM, instead of from/to."),
        .init(name: "category", type: "string", about: "Category slug, e.g. burglary (repeatable)."),
        .init(name: "force", type: "string", about: "Force slug, e.g. leicestershire, btp (repeatable)."),
        .init(name: "exclude_btp", type: "boolean", about: "Leave out British Transport Police crimes."),
        .init(name: "repair", type: "boolean", about: "Repair an invalid polygon instead of refusing it."),
    ]

    static func format(_ choices: String...) -> Parameter {
        .init(name: "format", type: "string", about: "One of \(choices.joined(separator: ", ")) (default \(choices[0])).")
    }

    static let example = "lat=52.6344&lng=-1.1313&radius=0.5mi&date=2019-01"

    static let operations: [Operation] = [
        .init(path: "/v1/query", summary: "Counts inside a radius or polygon by category, month and outcome: geoquery query --format json; with format=api-urls, the data.police.uk requests geoquery query --api-urls prints.",
              parameters: area + [format("json", "api-urls")], answers: ["application/json", "text/plain"], example: example),
        .init(path: "/v1/catchment", summary: "The catchment expansion report: geoquery catchment --format json or geojson, or its SVG picture.",
              parameters: area + [format("json", "geojson", "svg")], answers: ["application/json", "application/geo+json", "image/svg+xml"], example: example),
        .init(path: "/v1/point", summary: "The map point nearest a place (or by id): its catchment, crimes by category and month, and crimes per km² of catchment: geoquery point --format json or geojson.",
              parameters: area.filter { GeoQueryAPI.pointParameters.contains($0.name) }
                + [.init(name: "id", type: "integer", about: "A map point by id (its id in the map-points list ingested, else the mirror's index), instead of lat/lng or postcode."),
                   format("json", "geojson")],
              answers: ["application/json", "application/geo+json"], example: "lat=52.6344&lng=-1.1313&date=2019-01"),
        .init(path: "/v1/report", summary: "The area report: geoquery report --format json or html.",
              parameters: area + [format("json", "html")], answers: ["application/json", "text/html"], example: example),
        .init(path: "/v1/compare", summary: "Two areas side by side: geoquery compare --format json or html.",
              parameters: area + [format("json", "html"),
                                  .init(name: "lat2", type: "number", about: "Second centre's latitude."),
                                  .init(name: "lng2", type: "number", about: "Second centre's longitude."),
                                  .init(name: "postcode2", type: "string", about: "Second centre as a postcode."),
                                  .init(name: "poly2", type: "string", about: "Second area as a poly string."),
                                  .init(name: "wkt2", type: "string", about: "Second area as WKT.")],
              answers: ["application/json", "text/html"], example: example + "&lat2=51.5155&lng2=-0.0922"),
        .init(path: "/v1/tile", summary: "data.police.uk requests that stay under its 10,000-crime limit for one month: geoquery tile --format json, geojson or urls.",
              parameters: area + [format("json", "geojson", "urls"),
                                  .init(name: "limit", type: "integer", about: "The API's crime limit per request (default 10000)."),
                                  .init(name: "margin", type: "number", about: "Headroom, 0 < margin <= 1 (default 0.8).")],
              answers: ["application/json", "application/geo+json", "text/plain"], example: example),
        .init(path: "/v1/info", summary: "What the mirror holds: geoquery info --format json, or its text.", parameters: [format("json", "text")],
              answers: ["application/json", "text/plain"], example: ""),
        .init(path: "/v1/openapi.json", summary: "This document.", parameters: [], answers: ["application/json"], example: "", post: false),
    ]

    static let json: String = {
        var w = JSONWriter()
        w.beginObject()
        w.value("openapi", "3.1.0")
        w.beginObject("info")
        w.value("title", "geoquery /v1")
        w.value("version", GeoQuery.version)
        w.value("description", "geoquery's own API: the CLI's query parameters (the same names without the dashes, the same checks), answered with exactly the CLI's output. Errors are {\"error\": \"...\"}: 400 bad input, 404 not held, 413 too large, 500 the mirror failed.")
        w.endObject()
        w.beginObject("paths")
        for op in operations {
            w.beginObject(op.path)
            for method in op.post ? ["get", "post"] : ["get"] { write(op, method: method, to: &w) }
            w.endObject()
        }
        w.endObject()
        w.beginObject("components")
        w.beginObject("schemas")
        w.beginObject("Error")
        w.value("type", "object")
        w.beginArray("required"); w.value(nil, "error"); w.endArray()
        w.beginObject("properties"); w.beginObject("error"); w.value("type", "string"); w.endObject(); w.endObject()
        w.endObject()
        w.endObject()
        w.endObject()
        w.endObject()
        return w.text + "\n"
    }()

    private static func write(_ op: Operation, method: String, to w: inout JSONWriter) {
        w.beginObject(method)
        w.value("summary", op.summary + (method == "post" ? " Parameters may also come as a form body." : ""))
        w.value("x-example", op.example)
        w.beginArray("parameters")
        for p in op.parameters {
            w.beginObject()
            w.value("name", p.name)
            w.value("in", "query")
            w.value("description", p.about)
            w.beginObject("schema")
            if p.repeats {
                w.value("type", "array")
                w.beginObject("items"); w.value("type", p.type); w.endObject()
            } else {
                w.value("type", p.type)
            }
            w.endObject()
            w.endObject()
        }
        w.endArray()
        w.beginObject("responses")
        w.beginObject("200")
        w.value("description", "The CLI's answer, byte for byte.")
        w.beginObject("content")
        for type in op.answers { w.beginObject(type); w.beginObject("schema"); w.value("type", type.hasSuffix("json") ? "object" : "string"); w.endObject(); w.endObject() }
        w.endObject()
        w.endObject()
        for (status, about) in [("400", "Bad input: one line saying what to fix."), ("404", "A postcode, map point or force the mirror does not hold.")] where !op.parameters.isEmpty {
            w.beginObject(status)
            w.value("description", about)
            w.beginObject("content"); w.beginObject("application/json"); w.beginObject("schema")
            w.value("$ref", "#/components/schemas/Error")
            w.endObject(); w.endObject(); w.endObject()
            w.endObject()
        }
        w.endObject()
        w.endObject()
    }
}
