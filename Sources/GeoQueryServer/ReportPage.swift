import Foundation
import GeoQuery
import Hummingbird

/// The page for people at `/`: one form (a postcode or a latitude/longitude, a radius, months)
/// that shows the area report (`geoquery report --format html`) under it, with links to the same
/// figures as JSON and as the data.police.uk requests `geoquery query --api-urls` prints. Plain HTML and inline CSS, no script, font or tile from elsewhere: it works
/// offline, and the report scales to a phone's width.
struct ReportPage: Sendable {
    let mirror: CrimeMirror
    let options: ServerOptions

    /// The form's fields, by the /v1/ parameter names.
    static let fields = ["postcode", "lat", "lng", "radius", "from", "to"]

    static func register(on router: Router<ServerContext>, source: MirrorSource, options: ServerOptions) {
        router.get("/") { request, _ in await ReportPage(mirror: source.current(), options: options).page(request) }
    }

    func page(_ request: Request) async -> Response {
        var given = FormParameters()
        let form: String
        do {
            // Empty fields are fields left blank, not empty values.
            let all = try await request.parameters(maxBodyBytes: options.maxBodyBytes)
            given = try FormParameters(formEncoded: Substring(all.pairs.filter { !$0.value.isEmpty && ReportPage.fields.contains($0.name) }
                .map { "\($0.name)=\(ReportPage.formEncode($0.value))" }.joined(separator: "&")))
            form = formHTML(given)
        } catch {
            return html(ReportPage.shell(formHTML(FormParameters()) + "<p class=\"error\">\(ReportPage.escape("\(error)"))</p>"), status: .badRequest)
        }
        guard !given.pairs.isEmpty else { return html(ReportPage.shell(form)) }
        do {
            let (mirror, input) = (mirror, try given.queryInput())
            let rendered = try await Blocking.run { () throws -> String in
                let q = try input.query(in: mirror)
                return try mirror.report(ReportRequest(query: q, label: q.centre?.label, catchmentReport: mirror.catchmentReport(q))).rendered(.html)
            }
            let query = given.pairs.map { "\($0.name)=\(ReportPage.formEncode($0.value))" }.joined(separator: "&")
            let links = "<p class=\"small\" id=\"links\">The same figures as JSON: <a id=\"report-json\" href=\"/v1/report?\(ReportPage.escape(query))\">report</a>, "
                + "<a id=\"query-json\" href=\"/v1/query?\(ReportPage.escape(query))\">counts</a>; "
                + "as <a id=\"api-urls\" href=\"/v1/query?\(ReportPage.escape(query + "&format=api-urls"))\">data.police.uk requests</a> "
                + "(deduplicated by crime id and summed, their answers give these counts).</p>\n"
            // The report is a whole page: the form and links go at the top of its <main>.
            let page = rendered.replacingOccurrences(of: "<main>\n", with: "<main>\n" + ReportPage.style + form + links)
            return html(page)
        } catch let e as GeoQueryError {
            return html(ReportPage.shell(form + "<p class=\"error\" id=\"error\">\(ReportPage.escape(e.description))</p>"), status: Answer.status(for: e.kind))
        } catch {
            return html(ReportPage.shell(form + "<p class=\"error\">internal error</p>"), status: .internalServerError)
        }
    }

    func formHTML(_ p: FormParameters) -> String {
        func field(_ name: String, _ label: String, _ placeholder: String, _ size: String) -> String {
            "<label>\(label)<input name=\"\(name)\" value=\"\(ReportPage.escape(p[name] ?? ""))\" placeholder=\"\(placeholder)\" style=\"width:\(size)\"></label>"
        }
        let last = mirror.lastMonth?.description ?? "2022-10"
        return "<form method=\"get\" action=\"/\" id=\"area\">"
            + field("postcode", "Postcode", "LE1 5WW", "7em") + "<span class=\"or\">or</span>"
            + field("lat", "Latitude", "52.6344", "6em") + field("lng", "Longitude", "-1.1313", "6em")
            + field("radius", "Radius", "0.5mi", "5em") + field("from", "From", "2020-01", "6em") + field("to", "To", last, "6em")
            + "<button type=\"submit\">Show crime</button></form>\n"
    }

    func html(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
        Answer.text(text, contentType: "text/html; charset=utf-8", status: status)
    }

    /// The form's look, inside the report's own page or the bare one.
    static let style = """
        <style>
        form#area { display: flex; flex-wrap: wrap; gap: 8px 12px; align-items: flex-end; margin: 0 0 16px; padding: 12px; background: #f0f2f5; border-radius: 4px; }
        form#area label { display: flex; flex-direction: column; font-size: 0.85em; color: #5a6472; }
        form#area input, form#area button { font: inherit; font-size: 1rem; padding: 6px 8px; border: 1px solid #b8c0cc; border-radius: 4px; max-width: 100%; }
        form#area button { background: #2f6fce; color: #fff; border-color: #2f6fce; }
        form#area .or { align-self: center; color: #5a6472; }
        .error { color: #a40000; }
        </style>

        """

    /// A page holding only the form (and an error, if any).
    static func shell(_ body: String) -> String {
        """
        <!DOCTYPE html>
        <html lang="en-GB">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>geoquery: crime recorded around a place</title>
        <style>body { font: 15px/1.5 system-ui, sans-serif; color: #1d2430; margin: 0; } main { max-width: 1080px; margin: 0 auto; padding: 16px; }</style>
        \(style)</head>
        <body>
        <main>
        <h1>Crime recorded around a place</h1>
        <p>Police UK's street-level crime from this server's mirror: give a postcode or a latitude and longitude, a radius and months.</p>
        \(body)
        </main>
        </body>
        </html>

        """
    }

    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    static func formEncode(_ s: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~,:")
        return (s.addingPercentEncoding(withAllowedCharacters: allowed) ?? s)
    }
}
