/// Police forces as data.police.uk names them in its archive file names (`2019-01-<slug>-street.csv`).
public enum Force {
    /// British Transport Police: a separate feed Police UK advises reading on its own.
    public static let btp = "btp"

    /// "Reported by" text → archive slug, for CSVs whose file name does not say the force.
    static let slugByName: [String: String] = [
        "avon and somerset constabulary": "avon-and-somerset", "bedfordshire police": "bedfordshire",
        "british transport police": "btp", "cambridgeshire constabulary": "cambridgeshire",
        "cheshire constabulary": "cheshire", "city of london police": "city-of-london",
        "cleveland police": "cleveland", "cumbria constabulary": "cumbria",
        "derbyshire constabulary": "derbyshire", "devon & cornwall police": "devon-and-cornwall",
        "dorset police": "dorset", "durham constabulary": "durham", "dyfed-powys police": "dyfed-powys",
        "essex police": "essex", "gloucestershire constabulary": "gloucestershire",
        "greater manchester police": "greater-manchester", "gwent police": "gwent",
        "hampshire constabulary": "hampshire", "hertfordshire constabulary": "hertfordshire",
        "humberside police": "humberside", "kent police": "kent", "lancashire constabulary": "lancashire",
        "leicestershire police": "leicestershire", "lincolnshire police": "lincolnshire",
        "merseyside police": "merseyside", "metropolitan police service": "metropolitan",
        "norfolk constabulary": "norfolk", "north wales police": "north-wales",
        "north yorkshire police": "north-yorkshire", "northamptonshire police": "northamptonshire",
        "northumbria police": "northumbria", "nottinghamshire police": "nottinghamshire",
        "police service of northern ireland": "northern-ireland", "south wales police": "south-wales",
        "south yorkshire police": "south-yorkshire", "staffordshire police": "staffordshire",
        "suffolk constabulary": "suffolk", "surrey police": "surrey", "sussex police": "sussex",
        "thames valley police": "thames-valley", "warwickshire police": "warwickshire",
        "west mercia police": "west-mercia", "west midlands police": "west-midlands",
        "west yorkshire police": "west-yorkshire", "wiltshire police": "wiltshire",
    ]

    /// The archive slug for a "Reported by" name; unknown names are slugified.
    static func slug(forName name: String) -> String {
        slugByName[name.lowercased()] ?? Category.slugify(name)
    }
}
