import RehabIngest

/// The encodings a CSV extract may be declared in; re-exported so that the command line needs only this module.
public typealias TextEncoding = RehabIngest.TextEncoding
