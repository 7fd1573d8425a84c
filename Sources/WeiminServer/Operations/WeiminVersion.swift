import WeiminPersistence

/// The release and the database schema it expects, for `weimin --version`, `/readyz` and support.
public enum WeiminVersion {
    /// Raised with every release that is handed to counties.
    public static let release = "0.9.0"

    /// The schema is the number of migrations this binary knows (they are additive and never edited).
    public static var schema: Int { WeiminMigrations.all.count }
    public static var lastMigration: String { WeiminMigrations.newest }

    /// Two lines: the release, then the schema. Packaging reads the first line.
    public static var description: String {
        "weimin \(release)\nschema \(schema) (\(lastMigration))"
    }
}
