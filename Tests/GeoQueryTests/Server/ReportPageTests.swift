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
            let bad = try await dom(s.base + "/?postcode=nowhere")
            #expect(bad.contains("id=\"error\"") && bad.contains("invalid postcode format"))
        }
    }
}
