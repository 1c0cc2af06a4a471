import Foundation
import Testing
@testable import GeoQuery

/// Distances as users type them: the byte reading of ASCII text against the reading of any text.
@Suite struct DistanceTests {
    /// Seeded spellings (every unit word in mixed case, numbers in every spelling the reader
    /// takes, spaces and tabs around and between, and broken ones): where the ASCII reading
    /// answers, it is the general reading's value, bit for bit; where it does not, the general
    /// reading refuses the text too, or the text is not printable ASCII.
    @Test func asciiReadingIsTheGeneralReading() {
        var rng = SeededRandom(seed: SeededRandom.seed(53))
        let units = Distance.units.flatMap { [$0.symbol] + $0.words } + ["", "", "x", "mm", "mii", "k m", "é", "mi\u{301}"]
        let numbers = ["0.5", ".5", "5.", "+1e2", "-3", "1E3", "00012.5", "1e400", "0", "2.25e-1", "1.2.3", "", "e5", "12345678901234567890.5", "0x10", "--1", "1 2"]
        let gaps = ["", " ", "\t", "  ", " \t", "\n", "\u{A0}"]
        var texts = ["0.5mi", "800m", "1.2km", "500ft", "100yd", "2 miles", " 3 Kilometres ", "abc", "", "   ", "mi", "5MI", "5Mi", "1\r\nmi"]
        for _ in 0..<4_000 {
            var unit = units.randomElement(using: &rng)!
            unit = String(unit.map { Bool.random(using: &rng) ? Character($0.uppercased()) : $0 })
            texts.append(gaps.randomElement(using: &rng)! + numbers.randomElement(using: &rng)! + gaps.randomElement(using: &rng)! + unit + gaps.randomElement(using: &rng)!)
        }
        var answered = 0, refused = 0
        for t in texts {
            let general = try? Distance.metres(anyText: t)
            if let ascii = Distance.metres(ascii: t) {
                answered += 1
                #expect(general?.bitPattern == ascii.bitPattern, "'\(t)': bytes \(ascii), general \(String(describing: general))")
            } else {
                refused += 1
                let printable = t.utf8.allSatisfy { ($0 >= 0x20 && $0 < 0x7F) || $0 == 0x09 }
                #expect(general == nil || !printable, "'\(t)': the general reading gives \(general!), the byte reading nothing")
            }
        }
        #expect(answered > 400 && refused > 1_000, "answered \(answered), refused \(refused)")
    }

    /// A capital M alone is asked about (metres or miles?), whichever reader sees it; every other
    /// spelling of metres, kilometres and miles in capitals is read as before.
    @Test func aCapitalMAloneIsAsked() throws {
        for (text, number) in [("0.5M", "0.5"), ("800 M", "800"), (" 1.2M ", "1.2")] {
            #expect(Distance.metres(ascii: text) == nil)
            #expect(throws: GeoQueryError.invalidRadius("'\(text.trimmed)': is M metres or miles? write \(number)m for metres or \(number)mi for miles")) { try Distance(parsing: text) }
        }
        for (text, metres) in [("800m", 800.0), ("1.2KM", 1200), ("5MI", 5 * Distance.metresPerMile), ("2 Miles", 2 * Distance.metresPerMile)] {
            #expect(try Distance(parsing: text).metres == metres, "\(text)")
        }
    }
}
