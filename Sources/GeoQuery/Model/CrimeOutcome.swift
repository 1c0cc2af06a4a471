/// One outcome recorded for a crime, as a Police UK outcomes CSV gives it: a step in the crime's
/// case history (data.police.uk's `outcomes-for-crime`).
public struct CrimeOutcome: Sendable, Equatable {
    /// The outcome as the CSVs write it ("Suspect charged").
    public var name: String
    /// data.police.uk's code for it (`charged`), see ``code(forName:)``.
    public var code: String { CrimeOutcome.code(forName: name) }
    /// The month the outcome was recorded.
    public var month: Month
    /// The force slug whose outcomes file recorded it.
    public var force: String

    /// An outcome named as the CSVs name it, recorded in `month` by `force` (a slug).
    public init(name: String, month: Month, force: String) {
        self.name = name
        self.month = month
        self.force = force
    }

    /// data.police.uk's outcome codes by the names the CSVs and the API use: the one table.
    /// (The CSVs write "Offender given penalty notice"; the API "Offender given a penalty notice".)
    public static let codes: [String: String] = [
        "Awaiting court outcome": "awaiting-court-result",
        "Court result unavailable": "court-result-unavailable",
        "Court case unable to proceed": "unable-to-proceed",
        "Local resolution": "local-resolution",
        "Investigation complete; no suspect identified": "no-further-action",
        "Offender deprived of property": "deprived-of-property",
        "Offender fined": "fined",
        "Offender given absolute discharge": "absolute-discharge",
        "Offender given a caution": "cautioned",
        "Offender given a drugs possession warning": "drugs-possession-warning",
        "Offender given a penalty notice": "penalty-notice-issued",
        "Offender given penalty notice": "penalty-notice-issued",
        "Offender given community sentence": "community-penalty",
        "Offender given conditional discharge": "conditional-discharge",
        "Offender given suspended prison sentence": "suspended-sentence",
        "Offender sent to prison": "imprisoned",
        "Offender otherwise dealt with": "other-court-disposal",
        "Offender ordered to pay compensation": "compensation",
        "Suspect charged as part of another case": "sentenced-in-another-case",
        "Suspect charged": "charged",
        "Defendant found not guilty": "not-guilty",
        "Defendant sent to Crown Court": "sent-to-crown-court",
        "Unable to prosecute suspect": "unable-to-prosecute",
        "Formal action is not in the public interest": "formal-action-not-in-public-interest",
        "Action to be taken by another organisation": "action-taken-by-another-organisation",
        "Further investigation is not in the public interest": "further-investigation-not-in-public-interest",
        "Further action is not in the public interest": "further-action-not-in-public-interest",
        "Under investigation": "under-investigation",
        "Status update unavailable": "status-update-unavailable",
    ]

    /// The API's code for an outcome name; a name the table lacks gets its lower-case words
    /// joined by hyphens, so a new Police UK outcome still has a code.
    public static func code(forName name: String) -> String {
        if let c = codes[name] { return c }
        let words = name.lowercased().split { !$0.isLetter && !$0.isNumber }
        return words.joined(separator: "-")
    }
}
