import Testing
@testable import GeoQuery

@Suite struct PostcodeTests {
    @Test(arguments: [
        ("le15ww", "LE1 5WW", Postcode.Kind.unit), ("LE1  5WW", "LE1 5WW", .unit), (" le1 5ww\t", "LE1 5WW", .unit),
        ("LE15WW", "LE1 5WW", .unit), ("ec1a1bb", "EC1A 1BB", .unit), ("e16an", "E1 6AN", .unit), ("W1A 0AX", "W1A 0AX", .unit),
        ("DH1 3LE", "DH1 3LE", .unit), ("gir 0aa", "GIR 0AA", .unit), ("M1 1AE", "M1 1AE", .unit), ("CR2 6XH", "CR2 6XH", .unit),
        ("le1 5", "LE1 5", .sector), ("EC1A 1", "EC1A 1", .sector),
        ("le1", "LE1", .district), ("LE15", "LE15", .district), ("ec1a", "EC1A", .district), ("G1", "G1", .district),
    ])
    func normalises(_ text: String, _ expected: String, _ kind: Postcode.Kind) throws {
        let p = try Postcode(parsing: text)
        #expect(p.description == expected)
        #expect(p.kind == kind)
        #expect(try Postcode(parsing: expected) == p)
    }

    @Test(arguments: ["", "  ", "XX", "123", "LE1 5WWW", "LE1-5WW", "LEE1 5WW", "LE1 5W", "LE1 5 WW", "ŁE1 5WW", "LE1 AWW", "1LE 5WW", "LE1 55", "LE123456"])
    func refusesWhatIsNoPostcode(_ text: String) {
        #expect(throws: GeoQueryError.self) { try Postcode(parsing: text) }
        do { _ = try Postcode(parsing: text) } catch {
            #expect((error as? GeoQueryError)?.description.hasPrefix("invalid postcode format: '\(text)'") == true)
        }
    }

    @Test func keysSortByDistrictThenSectorThenUnit() throws {
        let texts = ["LE1 1AA", "LE1 5WW", "LE1 9ZZ", "LE10 1AA", "LE2 1AA", "E1 6AN", "EC1A 1BB"]
        let keys = try texts.map { try Postcode(parsing: $0).key }
        #expect(try texts.map { Postcode(key: try Postcode(parsing: $0).key).description } == texts)
        let le1 = try Postcode(parsing: "LE1"), le15 = try Postcode(parsing: "LE1 5"), unit = try Postcode(parsing: "LE1 5WW")
        #expect(le1.district == le1 && le15.district == le1 && unit.sector == le15)
        #expect(keys[0] < keys[1] && keys[1] < keys[2] && keys[2] < keys[3])
    }

    @Test func coverageNotes() throws {
        func note(_ text: String) throws -> String { try Postcode(parsing: text).coverageNote ?? "" }
        #expect(try note("LE1 5WW").isEmpty)
        #expect(try note("EH1 1YZ").contains("Scotland only through British Transport Police"))
        #expect(try note("G1").contains("in Scotland"))
        #expect(try note("TD15 1AA").contains("straddles the Scottish border"))
        #expect(try note("BT1 1AA").contains("Northern Ireland"))
        #expect(try note("GL1 1AA").isEmpty)  // G is Scottish, GL (Gloucester) is not
    }
}
