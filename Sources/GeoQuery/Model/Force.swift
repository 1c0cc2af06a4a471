/// Police forces as data.police.uk names them in its archive file names (`2019-01-<slug>-street.csv`).
public enum Force {
    /// British Transport Police: a separate feed Police UK advises reading on its own. It polices
    /// the railways everywhere and is never the force responsible for an area.
    public static let btp = "btp"

    /// One force under every name it goes by: archive slug, the "Reported by" name in the CSVs, and
    /// the ONS police force area (PFA) code and name its boundary carries.
    public struct Info: Sendable, Equatable {
        /// Archive slug (`leicestershire`), the API's force id.
        public let slug: String
        /// The force's own name, as the CSVs' "Reported by" column writes it.
        public let name: String
        /// ONS police force area code (`E23000021`); nil for BTP, which has no area.
        public let onsCode: String?
        /// ONS police force area name (`Leicestershire`).
        public let onsName: String?
    }

    /// Every force of England, Wales and Northern Ireland, and BTP: the one table names, slugs and
    /// ONS codes come from. ONS codes and names as in the December 2020 police force areas.
    public static let all: [Info] = [
        .init(slug: "avon-and-somerset", name: "Avon and Somerset Constabulary", onsCode: "E23000036", onsName: "Avon and Somerset"),
        .init(slug: "bedfordshire", name: "Bedfordshire Police", onsCode: "E23000026", onsName: "Bedfordshire"),
        .init(slug: "btp", name: "British Transport Police", onsCode: nil, onsName: nil),
        .init(slug: "cambridgeshire", name: "Cambridgeshire Constabulary", onsCode: "E23000023", onsName: "Cambridgeshire"),
        .init(slug: "cheshire", name: "Cheshire Constabulary", onsCode: "E23000006", onsName: "Cheshire"),
        .init(slug: "city-of-london", name: "City of London Police", onsCode: "E23000034", onsName: "London, City of"),
        .init(slug: "cleveland", name: "Cleveland Police", onsCode: "E23000013", onsName: "Cleveland"),
        .init(slug: "cumbria", name: "Cumbria Constabulary", onsCode: "E23000002", onsName: "Cumbria"),
        .init(slug: "derbyshire", name: "Derbyshire Constabulary", onsCode: "E23000018", onsName: "Derbyshire"),
        .init(slug: "devon-and-cornwall", name: "Devon & Cornwall Police", onsCode: "E23000035", onsName: "Devon & Cornwall"),
        .init(slug: "dorset", name: "Dorset Police", onsCode: "E23000039", onsName: "Dorset"),
        .init(slug: "durham", name: "Durham Constabulary", onsCode: "E23000008", onsName: "Durham"),
        .init(slug: "dyfed-powys", name: "Dyfed-Powys Police", onsCode: "W15000004", onsName: "Dyfed-Powys"),
        .init(slug: "essex", name: "Essex Police", onsCode: "E23000028", onsName: "Essex"),
        .init(slug: "gloucestershire", name: "Gloucestershire Constabulary", onsCode: "E23000037", onsName: "Gloucestershire"),
        .init(slug: "greater-manchester", name: "Greater Manchester Police", onsCode: "E23000005", onsName: "Greater Manchester"),
        .init(slug: "gwent", name: "Gwent Police", onsCode: "W15000002", onsName: "Gwent"),
        .init(slug: "hampshire", name: "Hampshire Constabulary", onsCode: "E23000030", onsName: "Hampshire"),
        .init(slug: "hertfordshire", name: "Hertfordshire Constabulary", onsCode: "E23000027", onsName: "Hertfordshire"),
        .init(slug: "humberside", name: "Humberside Police", onsCode: "E23000012", onsName: "Humberside"),
        .init(slug: "kent", name: "Kent Police", onsCode: "E23000032", onsName: "Kent"),
        .init(slug: "lancashire", name: "Lancashire Constabulary", onsCode: "E23000003", onsName: "Lancashire"),
        .init(slug: "leicestershire", name: "Leicestershire Police", onsCode: "E23000021", onsName: "Leicestershire"),
        .init(slug: "lincolnshire", name: "Lincolnshire Police", onsCode: "E23000020", onsName: "Lincolnshire"),
        .init(slug: "merseyside", name: "Merseyside Police", onsCode: "E23000004", onsName: "Merseyside"),
        .init(slug: "metropolitan", name: "Metropolitan Police Service", onsCode: "E23000001", onsName: "Metropolitan Police"),
        .init(slug: "norfolk", name: "Norfolk Constabulary", onsCode: "E23000024", onsName: "Norfolk"),
        .init(slug: "north-wales", name: "North Wales Police", onsCode: "W15000001", onsName: "North Wales"),
        .init(slug: "north-yorkshire", name: "North Yorkshire Police", onsCode: "E23000009", onsName: "North Yorkshire"),
        .init(slug: "northamptonshire", name: "Northamptonshire Police", onsCode: "E23000022", onsName: "Northamptonshire"),
        .init(slug: "northumbria", name: "Northumbria Police", onsCode: "E23000007", onsName: "Northumbria"),
        .init(slug: "nottinghamshire", name: "Nottinghamshire Police", onsCode: "E23000019", onsName: "Nottinghamshire"),
        .init(slug: "northern-ireland", name: "Police Service of Northern Ireland", onsCode: "N23000001", onsName: "Northern Ireland"),
        .init(slug: "south-wales", name: "South Wales Police", onsCode: "W15000003", onsName: "South Wales"),
        .init(slug: "south-yorkshire", name: "South Yorkshire Police", onsCode: "E23000011", onsName: "South Yorkshire"),
        .init(slug: "staffordshire", name: "Staffordshire Police", onsCode: "E23000015", onsName: "Staffordshire"),
        .init(slug: "suffolk", name: "Suffolk Constabulary", onsCode: "E23000025", onsName: "Suffolk"),
        .init(slug: "surrey", name: "Surrey Police", onsCode: "E23000031", onsName: "Surrey"),
        .init(slug: "sussex", name: "Sussex Police", onsCode: "E23000033", onsName: "Sussex"),
        .init(slug: "thames-valley", name: "Thames Valley Police", onsCode: "E23000029", onsName: "Thames Valley"),
        .init(slug: "warwickshire", name: "Warwickshire Police", onsCode: "E23000017", onsName: "Warwickshire"),
        .init(slug: "west-mercia", name: "West Mercia Police", onsCode: "E23000016", onsName: "West Mercia"),
        .init(slug: "west-midlands", name: "West Midlands Police", onsCode: "E23000014", onsName: "West Midlands"),
        .init(slug: "west-yorkshire", name: "West Yorkshire Police", onsCode: "E23000010", onsName: "West Yorkshire"),
        .init(slug: "wiltshire", name: "Wiltshire Police", onsCode: "E23000038", onsName: "Wiltshire"),
    ]

    /// The force with this slug, "Reported by" name, ONS code or ONS name (case-insensitive).
    public static func info(_ key: String) -> Info? { byKey[key.lowercased()] }

    private static let byKey: [String: Info] = {
        var out: [String: Info] = [:]
        for f in all {
            for k in [f.slug, f.name, f.onsCode, f.onsName].compactMap({ $0 }) { out[k.lowercased()] = f }
        }
        return out
    }()

    /// Short names people write for forces and their counties (`leics`, `met`, `gmp`): for
    /// suggestions only, never read as the force.
    private static let shortNames: [String: String] = [
        "met": "metropolitan", "mps": "metropolitan", "gmp": "greater-manchester", "wmp": "west-midlands", "tvp": "thames-valley",
        "psni": "northern-ireland", "leics": "leicestershire", "notts": "nottinghamshire", "derbys": "derbyshire",
        "lancs": "lancashire", "hants": "hampshire", "herts": "hertfordshire", "beds": "bedfordshire", "cambs": "cambridgeshire",
        "glos": "gloucestershire", "wilts": "wiltshire", "northants": "northamptonshire", "staffs": "staffordshire",
        "warks": "warwickshire", "lincs": "lincolnshire",
    ]

    /// The force a user names by its slug, name, ONS code or name, or a short name (`leics`).
    static func named(_ key: String) -> Info? {
        let k = key.trimmed.lowercased()
        return info(k) ?? shortNames[k].flatMap(info) ?? info(k.replacingOccurrences(of: "-", with: " "))
    }

    /// ` did you mean SLUG?` for a force named by its name, ONS code, a short name or a near
    /// spelling, when that slug is among `slugs`; "" when nothing fits.
    public static func suggestion(for key: String, among slugs: [String]) -> String {
        if let slug = named(key)?.slug, slugs.contains(slug) { return " did you mean \(slug) (\(displayName(slug)))?" }
        return Spelling.suggestion(for: key.trimmed.lowercased(), among: slugs)
    }

    /// Every archive slug of a known force.
    static let slugs: Set<String> = Set(all.map(\.slug))

    /// The archive slug for a "Reported by" name; unknown names are slugified.
    static func slug(forName name: String) -> String {
        info(name)?.slug ?? Category.slugify(name)
    }

    /// A force's name for people ("Leicestershire Police"), or the slug itself when unknown.
    static func displayName(_ slug: String) -> String {
        info(slug)?.name ?? slug
    }
}
