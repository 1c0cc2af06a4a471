/// A month from which Police UK published crime under a different set of categories: counts of the
/// affected categories before and after it are not comparable, so a step there is not a real change.
public struct CategoryChange: Sendable, Equatable {
    /// The first month published under the new categories.
    public let month: Month
    /// What changed, in one sentence for reports.
    public let text: String

    /// The changes we could confirm. May 2013 is stated by two independent readers of the data
    /// (a police.uk category tooltip and the streetlamp R package); the 2011 expansion's month comes
    /// from the streetlamp package alone (six categories until August 2011, eleven from September
    /// 2011), so its text says "about". We found no data.police.uk changelog page to cite.
    public static let known: [CategoryChange] = [
        CategoryChange(month: Month(year: 2011, month: 9),
                       text: "From about September 2011 Police UK expanded its six categories to eleven (adding criminal damage and arson, drugs, other theft, public disorder and weapons, shoplifting), so \"other crime\" shrank."),
        CategoryChange(month: Month(year: 2013, month: 5),
                       text: "From May 2013 \"violent crime\" became \"violence and sexual offences\", \"public disorder and weapons\" split into \"public order\" and \"possession of weapons\", and \"other theft\" split, adding \"bicycle theft\" and \"theft from the person\"."),
    ]

    /// Changes whose month lies after `first` and at or before `last`: a series over those months crosses them.
    public static func crossed(from first: Month, to last: Month) -> [CategoryChange] {
        known.filter { $0.month > first && $0.month <= last }
    }
}
