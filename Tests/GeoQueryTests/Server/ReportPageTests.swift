import Foundation
import Testing
@testable import GeoQuery
@testable import GeoQueryServer

/// The page at `/` in headless Chromium (scripts/setup installs it): the form, and the figures it
/// shows after a submission against the same figures as JSON.
@Suite(.serialized) struct ReportPageTests {
    /// The DOM after Chromium loaded `url` (the form is GET, so a submission is this URL).
    func dom(_ url: String, width: Int = 390) async throws -> String {
        try await offThePool { try ReportHTMLTests().browser(["--window-size=\(width),900", "--dump-dom", url]) }
    }

    @Test func theFormShowsTheReportsFigures() async throws {
        try await TestServer.with { s in
            let empty = try await dom(s.base + "/")
            #expect(empty.contains("<form method=\"get\" action=\"/\" id=\"area\">") && empty.contains("name=\"postcode\""))
            #expect(!empty.contains("<script") && !empty.contains("http://") && !empty.contains("https://"))
            // What submitting the form with a postcode, a radius and months (the blank fields included) sends.
            let submitted = "postcode=LE1+5WW&lat=&lng=&radius=0.5mi&from=2020-01&to=2020-12"
            let page = try await dom(s.base + "/?" + submitted)
            let json = try await s.get("/v1/report?postcode=LE1+5WW&radius=0.5mi&from=2020-01&to=2020-12")
            let report = try #require(json.json as? [String: Any])
            let total = try #require(report["total"] as? Int)
            #expect(page.contains("id=\"summary\"") && page.contains(Format.grouped(total)) && total > 100, "total \(total)")
            for (slug, n) in try #require(report["by_category"] as? [String: Int]) where n > 0 {
                #expect(page.contains(Category.name(forSlug: slug)) && page.contains(Format.grouped(n)), "\(slug) \(n)")
            }
            #expect(page.contains("value=\"LE1 5WW\"") && page.contains("href=\"/v1/report?postcode=LE1%205WW&amp;radius=0.5mi&amp;from=2020-01&amp;to=2020-12\""))
            #expect(!page.contains("<script"))
            // Beside the JSON links: the same figures as the data.police.uk requests --api-urls prints.
            let apiLink = "href=\"/v1/query?postcode=LE1%205WW&amp;radius=0.5mi&amp;from=2020-01&amp;to=2020-12&amp;format=api-urls\""
            #expect(page.contains("id=\"api-urls\" " + apiLink), "\(page.components(separatedBy: "id=\"links\"").last?.prefix(600) ?? "")")
            let urls = try await s.get("/v1/query?postcode=LE1%205WW&radius=0.5mi&from=2020-01&to=2020-12&format=api-urls")
            let cli = try CLIRun.run(["query", "--api-urls", "--mirror", TestData.realMirrorPath, "--postcode", "LE1 5WW", "--radius", "0.5mi", "--from", "2020-01", "--to", "2020-12"])
            #expect(urls.status == 200 && urls.body == cli.stdout && urls.body.split(separator: "\n").count >= 12)
            let bad = try await dom(s.base + "/?postcode=nowhere")
            #expect(bad.contains("id=\"error\"") && bad.contains("invalid postcode format"))
        }
    }

    /// At a phone's width (390 × 844 CSS pixels) nothing sticks out sideways: the form, the
    /// report's tables and pictures all fit, so the page never scrolls horizontally. Measured by
    /// the browser's own layout on the served page, in a 390-pixel frame (headless Chromium's
    /// windows are at least 500 wide), with a measuring script added for the test only.
    @Test func thePageFitsAPhonesWidth() async throws {
        try await TestServer.with { s in
            for query in ["", "?postcode=LE1+5WW&radius=0.5mi&from=2020-01&to=2020-12", "?lat=51.5155&lng=-0.0922&radius=0.25mi"] {
                let served = try await s.get("/" + query)
                #expect(served.status == 200)
                let measure = """
                    <script>
                    const scrolls = e => { for (let a = e.parentElement; a; a = a.parentElement) { if (['auto', 'scroll'].includes(getComputedStyle(a).overflowX)) return true } return false };
                    const wide = [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > innerWidth + 0.5 && !scrolls(e))
                      .map(e => e.tagName + (e.id ? '#' + e.id : ''));
                    parent.document.body.setAttribute('data-layout', JSON.stringify({inner: innerWidth, scroll: document.documentElement.scrollWidth, wide: wide.slice(0, 8)}));
                    </script>
                    """
                let framed = ReportPage.escape(served.body.replacingOccurrences(of: "</body>", with: measure + "</body>"))
                let file = TestData.temporaryDirectory("phone") + "/page.html"
                try "<!DOCTYPE html><html><body style=\"margin:0\"><iframe style=\"width:390px;height:844px;border:0\" srcdoc=\"\(framed)\"></iframe></body></html>"
                    .write(toFile: file, atomically: true, encoding: .utf8)
                let dom = try await offThePool { try ReportHTMLTests().browser(["--window-size=500,900", "--hide-scrollbars", "--dump-dom", "file://" + file]) }
                let attribute = try #require(dom.components(separatedBy: "data-layout=\"").dropFirst().first?.components(separatedBy: "\"").first,
                                             "no measurement in the DOM")
                let layout = try #require(try JSONSerialization.jsonObject(with: Data(attribute.replacingOccurrences(of: "&quot;", with: "\"").utf8)) as? [String: Any])
                let inner = try #require(layout["inner"] as? Int), scroll = try #require(layout["scroll"] as? Int)
                #expect(inner == 390, "\(layout)")
                #expect(scroll <= inner && (layout["wide"] as? [String])?.isEmpty == true, "/\(query) at 390 px: \(layout)")
            }
        }
    }
}
