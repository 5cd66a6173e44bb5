import CLibPQ
import Foundation
import RehabCore
import Synchronization

/// Where the server's notices go; nil drops them. Set once by the command line, read by libpq's callback.
private let noticeHandler = Mutex<(@Sendable (_ severity: String, _ message: String) -> Void)?>(nil)

/// A connection to PostgreSQL through libpq.
///
/// It is `~Copyable`: one owner at a time, and the connection closes when that owner lets go. Only this module
/// sees libpq; nothing of it appears in the public API.
///
/// - Every statement with values is parameterised (`query(_:_:)`); `executeScript(_:)` is for the project's own
///   migration files only.
/// - Errors never carry values from rows or passwords: see `DatabaseError`.
public struct Connection: ~Copyable {
    let handle: OpaquePointer
    /// The server's time limits as this session found them, before RehabCount set its own: an error that one of
    /// them caused names it and where it was set.
    public let limits: [ServerLimit]

    /// Connects with a URL (`postgresql://…`) or a conninfo string (`host=… dbname=…`). `nil` or an empty string
    /// uses libpq's defaults, which honour the `PG*` variables, `~/.pgpass` and service files.
    ///
    /// - Throws: `DatabaseError` of kind `.connection`, with the password redacted.
    /// - Parameter database: a database name that overrides the one in `conninfo`.
    public init(_ conninfo: String?, database: String? = nil, applicationName: String = "rehabcount") throws {
        try Self.loadLibPQ()
        let info = conninfo ?? ""
        // The first dbname is expanded as a full connection string; a later dbname overrides what it says.
        let keys = ["dbname"] + (database == nil ? [] : ["dbname"])
        let values = [info] + (database.map { [$0] } ?? [])
        let connection = withCStrings(keys) { k in
            withCStrings(values) { v in
                PQconnectdbParams(k + [nil], v + [nil], 1)
            }
        }
        guard let raw = connection else {
            throw DatabaseError(kind: .connection, summary: "libpq could not allocate a connection")
        }
        guard PQstatus(raw) == CONNECTION_OK else {
            let message = String(cString: PQerrorMessage(raw)).trimmingCharacters(in: .whitespacesAndNewlines)
            PQfinish(raw)
            throw DatabaseError.connecting(to: conninfo, message: message)
        }
        // Notices (a table that already exists, say) go to the logger, never raw to standard error.
        PQsetNoticeReceiver(
            raw,
            { _, result in
                guard let result, let handler = noticeHandler.withLock({ $0 }) else { return }
                let field = { (code: Int32) in PQresultErrorField(result, code).map { String(cString: $0) } }
                handler(field(Int32(UInt8(ascii: "V"))) ?? "NOTICE", field(Int32(UInt8(ascii: "M"))) ?? "")
            },
            nil
        )
        PQsetClientEncoding(raw, "UTF8")
        let run = { (sql: String, parameters: [String?]) throws -> QueryResult in
            try Self.consume(Self.execute(raw, sql, parameters), handle: raw, limits: [])
        }
        _ = try? run("SELECT set_config('application_name', $1, false)", [applicationName])
        // A role's or database's idle_session_timeout would end a session that waits (the run lock's, while the
        // workers load), and a statement_timeout would cancel a long COPY or refresh: RehabCount's sessions run
        // without them. What they were is kept to explain an error that one still causes (through a pooler).
        let found: [ServerLimit]
        do {
            found = try ServerLimit.read(run)
            try ServerLimit.lift(run)
        } catch {
            PQfinish(raw)
            throw error
        }
        limits = found
        handle = raw
    }

    deinit {
        PQfinish(handle)
    }

    /// Loads libpq, on the first connection: a command that never connects never needs it.
    ///
    /// - Throws: `DatabaseError` of kind `.connection` when libpq 5 is not installed.
    static func loadLibPQ() throws {
        var reason = [CChar](repeating: 0, count: 512)
        guard rehab_libpq_load(&reason, reason.count) == 0 else { return }
        let text = String(decoding: reason.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        throw DatabaseError(
            kind: .connection,
            summary: "Cannot connect to PostgreSQL: \(text)",
            hint: "Install PostgreSQL's client library (Debian: apt install libpq5). Validation needs no database."
        )
    }

    /// Sends the server's notices and warnings (severity, primary message) to `handler`; nil drops them. By default
    /// they are dropped: libpq's own default prints them on standard error, which would break a JSON log.
    public static func handleNotices(_ handler: (@Sendable (_ severity: String, _ message: String) -> Void)?) {
        noticeHandler.withLock { $0 = handler }
    }

    /// The connection string to use: `--database`, then `DATABASE_URL`, then libpq's defaults (nil).
    public static func conninfo(
        option: String?,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) -> String? {
        if let option, !option.isEmpty { return option }
        if let url = environment["DATABASE_URL"], !url.isEmpty { return url }
        return nil
    }

    /// Runs one statement with text parameters (`$1`, `$2`, …; nil is SQL NULL) and returns its rows.
    @discardableResult
    public func query(_ sql: String, _ parameters: [String?] = []) throws -> QueryResult {
        try consume(Self.execute(handle, sql, parameters))
    }

    private static func execute(_ handle: OpaquePointer, _ sql: String, _ parameters: [String?]) -> OpaquePointer? {
        withCStrings(parameters) { pointers in
            PQexecParams(handle, sql, Int32(parameters.count), nil, pointers, nil, nil, 0)
        }
    }

    /// Runs a script of several statements with no parameters: for migration files the project ships.
    public func executeScript(_ sql: String) throws {
        _ = try consume(PQexec(handle, sql))
    }

    /// A transaction's isolation level.
    public enum Isolation: String, Sendable {
        case readCommitted = "READ COMMITTED"
        /// One snapshot for every statement of the transaction.
        case repeatableRead = "REPEATABLE READ"
    }

    /// Starts a transaction that the caller ends with `COMMIT` or `ROLLBACK`: for one that outlives a closure (the
    /// run lock's); `transaction(isolation:_:)` is the usual way.
    ///
    /// The time limits are lifted again for the transaction alone: behind a transaction-pooling pooler the
    /// session's settings may belong to another server session, but a transaction keeps one server session to its
    /// end. `SET LOCAL` takes no snapshot, so a REPEATABLE READ transaction's snapshot is still its first query's
    /// (the refresh takes its lock before it).
    public func begin(isolation: Isolation = .readCommitted) throws {
        try executeScript("BEGIN ISOLATION LEVEL \(isolation.rawValue);" + ServerLimit.setLocal(limits))
    }

    /// Runs `body` in a transaction: committed if it returns, rolled back if it throws.
    public func transaction<T>(
        isolation: Isolation = .readCommitted,
        _ body: (borrowing Connection) throws -> T
    ) throws -> T {
        try begin(isolation: isolation)
        do {
            let value = try body(self)
            try query("COMMIT")
            return value
        } catch {
            _ = try? query("ROLLBACK")
            throw error
        }
    }

    /// Takes a session-level advisory lock, waiting for it.
    public func lock(_ key: Int64) throws {
        try query("SELECT pg_advisory_lock($1::bigint)", [String(key)])
    }

    /// Takes a session-level advisory lock if it is free.
    public func tryLock(_ key: Int64) throws -> Bool {
        try query("SELECT pg_try_advisory_lock($1::bigint)", [String(key)]).rows.first?.first == "t"
    }

    /// Releases a session-level advisory lock.
    public func unlock(_ key: Int64) throws {
        try query("SELECT pg_advisory_unlock($1::bigint)", [String(key)])
    }

    /// An identifier, quoted so that any name is safe in SQL text.
    public static func quoteIdentifier(_ name: String) -> String {
        "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// Streams rows into `COPY … FROM STDIN` and returns how many the server took.
    ///
    /// - Parameters:
    ///   - sql: the COPY statement.
    ///   - body: writes the data through the stream.
    /// - Throws: `DatabaseError` of kind `.copy` or `.server`; the COPY is abandoned if `body` throws.
    @discardableResult
    public func copy(_ sql: String, _ body: (CopyStream) throws -> Void) throws -> Int {
        let start = PQexec(handle, sql)
        let status = PQresultStatus(start)
        PQclear(start)
        guard status == PGRES_COPY_IN else {
            throw DatabaseError(
                kind: .copy,
                summary: "The server did not accept COPY",
                serverMessage: String(cString: PQerrorMessage(handle))
            )
        }
        let stream = CopyStream(handle: handle)
        defer { stream.close() }
        do {
            try body(stream)
            try stream.flush()
        } catch {
            PQputCopyEnd(handle, "abandoned by rehabcount")
            while let result = PQgetResult(handle) { PQclear(result) }
            throw error
        }
        guard PQputCopyEnd(handle, nil) == 1 else {
            throw DatabaseError(kind: .copy, summary: "COPY could not be finished")
        }
        var rows = 0
        var failure: DatabaseError?
        while let result = PQgetResult(handle) {
            if PQresultStatus(result) == PGRES_COMMAND_OK {
                rows = Int(String(cString: PQcmdTuples(result))) ?? 0
            } else if failure == nil {
                failure = ServerLimit.explain(Self.error(from: result), limits: limits)
            }
            PQclear(result)
        }
        if let failure { throw failure }
        return rows
    }

    // MARK: - Results

    private func consume(_ result: OpaquePointer?) throws -> QueryResult {
        try Self.consume(result, handle: handle, limits: limits)
    }

    private static func consume(
        _ result: OpaquePointer?,
        handle: OpaquePointer,
        limits: [ServerLimit]
    ) throws -> QueryResult {
        guard let result else {
            throw ServerLimit.explain(
                DatabaseError(
                    kind: .connection,
                    summary: "The connection to the database was lost",
                    serverMessage: String(cString: PQerrorMessage(handle))
                ),
                limits: limits
            )
        }
        defer { PQclear(result) }
        switch PQresultStatus(result) {
        case PGRES_COMMAND_OK, PGRES_EMPTY_QUERY:
            return QueryResult(columns: [], rows: [], affectedRows: Int(String(cString: PQcmdTuples(result))) ?? 0)
        case PGRES_TUPLES_OK:
            let columnCount = PQnfields(result)
            let rowCount = PQntuples(result)
            let columns = (0..<columnCount).map { String(cString: PQfname(result, $0)) }
            var rows: [[String?]] = []
            rows.reserveCapacity(Int(rowCount))
            for r in 0..<rowCount {
                rows.append(
                    (0..<columnCount).map { c in
                        PQgetisnull(result, r, c) == 1 ? nil : String(cString: PQgetvalue(result, r, c))
                    }
                )
            }
            return QueryResult(columns: columns, rows: rows, affectedRows: Int(rowCount))
        default:
            var error = Self.error(from: result)
            if error.sqlState == nil, error.serverMessage == nil {
                error.serverMessage = String(cString: PQerrorMessage(handle))
            }
            throw ServerLimit.explain(error, limits: limits)
        }
    }

    static func error(from result: OpaquePointer) -> DatabaseError {
        func field(_ code: Int32) -> String? {
            guard let value = PQresultErrorField(result, code) else { return nil }
            return String(cString: value)
        }
        let sqlState = field(Int32(UInt8(ascii: "C")))
        let object = [
            field(Int32(UInt8(ascii: "s"))), field(Int32(UInt8(ascii: "t"))), field(Int32(UInt8(ascii: "c"))),
        ].compactMap { $0 }.joined(separator: ".")
        let constraint = field(Int32(UInt8(ascii: "n")))
        return DatabaseError(
            kind: .server,
            summary: DatabaseError.summary(for: sqlState),
            sqlState: sqlState,
            object: constraint ?? (object.isEmpty ? nil : object),
            serverMessage: field(Int32(UInt8(ascii: "M")))
        )
    }
}

/// Rows returned by a statement, as text.
public struct QueryResult: Sendable {
    public let columns: [String]
    public let rows: [[String?]]
    /// Rows returned, or rows affected by INSERT, UPDATE, DELETE.
    public let affectedRows: Int

    /// The value of the first column of the first row.
    public var scalar: String? { rows.first?.first ?? nil }
}

extension Connection {
    /// A one-dimensional PostgreSQL array literal, to pass as one parameter and cast (`$1::text[]`, `$2::date[]`):
    /// every element double-quoted with `"` and `\\` escaped, nil as NULL.
    public static func arrayLiteral(_ values: [String?]) -> String {
        "{"
            + values.map { value in
                value.map {
                    "\"" + $0.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
                        + "\""
                } ?? "NULL"
            }.joined(separator: ",") + "}"
    }
}

/// The data half of a `COPY … FROM STDIN`, buffered so that libpq is called once per 64 KiB: messages of the size
/// of the server's COPY read buffer keep the server and the client working side by side (256 KiB messages made
/// a 1M-row load about 1.5 times slower).
///
/// A class, so that a row sink can hold it while the validator streams rows; it is valid only inside the
/// `Connection.copy` call that made it, and refuses writes after.
public final class CopyStream {
    /// libpq's end of the COPY.
    struct Sink: ByteSink {
        let handle: OpaquePointer

        func take(_ bytes: Span<UInt8>, at offset: Int) throws {
            // libpq copies the bytes from their address during the call.
            let sent = bytes.withUnsafeBytes { raw in
                PQputCopyData(handle, raw.baseAddress?.assumingMemoryBound(to: CChar.self), Int32(raw.count))
            }
            guard sent == 1 else {
                throw DatabaseError(kind: .copy, summary: "Sending COPY data failed")
            }
        }
    }

    private var output: BufferedOutput<Sink>
    private var closed = false

    init(handle: OpaquePointer) {
        output = BufferedOutput(Sink(handle: handle), blockSize: 1 << 16)
    }

    func close() { closed = true }

    /// Appends bytes of COPY data; a block of at least the buffer's size goes to libpq without a copy.
    public func write(_ bytes: Span<UInt8>) throws {
        guard !closed else { throw Self.ended }
        try output.write(bytes)
    }

    /// Appends bytes of COPY data.
    public func write(_ bytes: [UInt8]) throws { try write(bytes.span) }

    /// Appends one byte.
    public func write(byte: UInt8) throws {
        guard !closed else { throw Self.ended }
        try output.write(byte: byte)
    }

    func flush() throws {
        guard !closed else { throw Self.ended }
        try output.flush()
    }

    private static let ended = DatabaseError(kind: .copy, summary: "COPY data written after the COPY ended")
}

/// Calls `body` with C strings for the values (nil stays a null pointer), valid for the call only.
func withCStrings<R>(_ values: [String?], _ body: ([UnsafePointer<CChar>?]) -> R) -> R {
    let copies = values.map { $0.map { strdup($0) } ?? nil }
    defer { for pointer in copies { free(pointer) } }
    return body(copies.map { $0.map { UnsafePointer($0) } })
}
