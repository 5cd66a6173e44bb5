/// What the database says about its own schemas: the objects and their `COMMENT ON` text, for the data dictionary.
///
/// Partitions are left out (they come and go with the data, and their parent documents them), as are objects of
/// other schemas.
public struct SchemaCatalog: Sendable {
    public struct Schema: Sendable {
        public var name: String
        public var comment: String?
        public var relations: [Relation]
        public var functions: [Function]
    }

    public struct Relation: Sendable {
        public enum Kind: String, Sendable {
            case table
            case partitionedTable = "partitioned table"
            case view
            case materializedView = "materialized view"
        }

        public var name: String
        public var kind: Kind
        public var comment: String?
        public var columns: [Column]
    }

    public struct Column: Sendable {
        public var name: String
        public var type: String
        public var notNull: Bool
        public var comment: String?
    }

    public struct Function: Sendable {
        public var name: String
        public var arguments: String
        public var result: String
        public var comment: String?
    }

    public var schemas: [Schema]

    /// Reads the catalog of the named schemas, in the order given.
    ///
    /// - Throws: `DatabaseError`.
    public init(schemas names: [String], connection: borrowing Connection) throws {
        var schemas: [Schema] = []
        for name in names {
            guard
                let schema = try connection.query(
                    "SELECT obj_description(oid, 'pg_namespace') FROM pg_namespace WHERE nspname = $1",
                    [name]
                ).rows.first
            else { continue }
            let relationRows = try connection.query(
                """
                SELECT c.oid, c.relname, c.relkind, obj_description(c.oid, 'pg_class')
                FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                WHERE n.nspname = $1 AND c.relkind IN ('r', 'p', 'v', 'm') AND NOT c.relispartition
                ORDER BY c.relname
                """,
                [name]
            ).rows
            var relations: [Relation] = []
            for row in relationRows {
                let columns = try connection.query(
                    """
                    SELECT attname, format_type(atttypid, atttypmod), attnotnull, col_description(attrelid, attnum)
                    FROM pg_attribute WHERE attrelid = $1::oid AND attnum > 0 AND NOT attisdropped ORDER BY attnum
                    """,
                    [row[0]]
                ).rows.map {
                    Column(name: $0[0] ?? "", type: $0[1] ?? "", notNull: $0[2] == "t", comment: $0[3])
                }
                let kind: Relation.Kind =
                    switch row[2] {
                    case "p": .partitionedTable
                    case "v": .view
                    case "m": .materializedView
                    default: .table
                    }
                relations.append(Relation(name: row[1] ?? "", kind: kind, comment: row[3], columns: columns))
            }
            let functions = try connection.query(
                """
                SELECT p.proname, pg_get_function_arguments(p.oid), pg_get_function_result(p.oid),
                       obj_description(p.oid, 'pg_proc')
                FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
                WHERE n.nspname = $1 AND p.prokind IN ('f', 'p')
                ORDER BY p.proname, pg_get_function_arguments(p.oid)
                """,
                [name]
            ).rows.map { Function(name: $0[0] ?? "", arguments: $0[1] ?? "", result: $0[2] ?? "", comment: $0[3]) }
            schemas.append(Schema(name: name, comment: schema[0], relations: relations, functions: functions))
        }
        self.schemas = schemas
    }

    /// Tables, views and columns without a comment, as `schema.table` or `schema.table.column`.
    public var undocumented: [String] {
        schemas.flatMap { schema in
            schema.relations.flatMap { relation in
                let qualified = "\(schema.name).\(relation.name)"
                return (relation.comment == nil ? [qualified] : [])
                    + relation.columns.filter { $0.comment == nil }.map { "\(qualified).\($0.name)" }
            }
        }
    }
}
