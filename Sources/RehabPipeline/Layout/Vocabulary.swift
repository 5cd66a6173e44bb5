import RehabDatabase
import RehabIngest

/// The encodings a CSV extract may be declared in; re-exported so that the command line needs only this module.
public typealias TextEncoding = RehabIngest.TextEncoding

/// Database failures, re-exported so that the command line can report them without importing the database layer.
public typealias DatabaseError = RehabDatabase.DatabaseError

/// Sends the database server's notices and warnings (severity, primary message) to `handler` instead of standard
/// error; see `Connection.handleNotices`.
public func handleDatabaseNotices(_ handler: (@Sendable (_ severity: String, _ message: String) -> Void)?) {
    Connection.handleNotices(handler)
}
