import RehabCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A buffered CSV writer over a POSIX file descriptor: rows are assembled as bytes in a 1 MiB buffer and written
/// in large blocks, so that generating millions of rows costs little more than formatting them.
///
/// The file is written under a temporary name and renamed into place by `finish()`, so that a pipeline watching
/// the folder never sees half a file.
final class ByteWriter {
    /// The file name, without the folder.
    let name: String
    /// Data rows written so far (the header is not counted).
    private(set) var rows = 0

    private let finalPath: String
    private let partialPath: String
    private var fd: Int32
    private let buffer: OwnedBuffer<UInt8>
    private let capacity: Int
    private var count = 0
    private var atRowStart = true
    /// The first `errno` of a failed write, reported by `finish()`.
    private var writeError: Int32 = 0

    /// Creates (or truncates) the file and writes the header row.
    ///
    /// - Throws: `RehabError` (`.output`) when the file cannot be created.
    init(directory: String, name: String, header: [String], capacity: Int = 1 << 20) throws {
        self.name = name
        self.finalPath = directory.hasSuffix("/") ? directory + name : directory + "/" + name
        self.partialPath = (directory.hasSuffix("/") ? directory : directory + "/") + "." + name + ".partial"
        self.capacity = capacity
        self.buffer = OwnedBuffer(capacity: capacity)
        self.fd = open(partialPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else {
            throw RehabError(
                .output,
                "Cannot create \(partialPath): \(String(cString: strerror(errno))).",
                hint: "Check that the output folder exists and is writable."
            )
        }
        for column in header { text(column) }
        endHeader()
    }

    deinit {
        if fd >= 0 {
            close(fd)
            unlink(partialPath)
        }
    }

    // MARK: - Fields

    /// Starts a field: writes the separator unless this is the row's first field.
    @inline(__always)
    private func separate() {
        if atRowStart {
            atRowStart = false
        } else {
            put(UInt8(ascii: ","))
        }
    }

    @inline(__always)
    private func reserve(_ n: Int) {
        if count + n > capacity {
            flush()
            precondition(n <= capacity, "a single field is larger than the write buffer")
        }
    }

    @inline(__always)
    private func put(_ byte: UInt8) {
        reserve(1)
        buffer[count] = byte
        count += 1
    }

    /// An empty field.
    @inline(__always)
    func empty() { separate() }

    /// A field from a static code: codes never need quoting.
    @inline(__always)
    func code(_ value: StaticString) {
        separate()
        let n = value.utf8CodeUnitCount
        reserve(n)
        buffer.copy(from: value.utf8Start, count: n, to: count)
        count += n
    }

    /// A field from bytes known not to need quoting (ODS codes, identifiers made here).
    @inline(__always)
    func raw(_ bytes: [UInt8]) {
        separate()
        appendRaw(bytes)
    }

    @inline(__always)
    private func appendRaw(_ bytes: [UInt8]) {
        reserve(bytes.count)
        bytes.withUnsafeBufferPointer { src in
            buffer.copy(from: src.baseAddress!, count: src.count, to: count)
        }
        count += bytes.count
    }

    /// A text field, quoted as RFC 4180 requires when it holds a comma, a quote or a line break.
    func text(_ value: String) {
        separate()
        let utf8 = Array(value.utf8)
        let needsQuotes = utf8.contains {
            $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\n") || $0 == UInt8(ascii: "\r")
        }
        guard needsQuotes else {
            appendRaw(utf8)
            return
        }
        put(UInt8(ascii: "\""))
        for byte in utf8 {
            if byte == UInt8(ascii: "\"") { put(byte) }
            put(byte)
        }
        put(UInt8(ascii: "\""))
    }

    /// A non-negative or negative integer.
    @inline(__always)
    func int(_ value: Int) {
        separate()
        appendInt(value, width: 0)
    }

    /// A prefix followed by a zero-padded number: identifiers such as `RX1-R00001234`.
    @inline(__always)
    func identifier(_ prefix: [UInt8], _ number: Int, width: Int) {
        separate()
        appendRaw(prefix)
        appendInt(number, width: width)
    }

    /// A fixed-point decimal: `scaled` divided by 10^`places`, written with exactly `places` decimals.
    @inline(__always)
    func decimal(_ scaled: Int, places: Int) {
        separate()
        var value = scaled
        if value < 0 {
            put(UInt8(ascii: "-"))
            value = -value
        }
        var divisor = 1
        for _ in 0..<places { divisor *= 10 }
        appendInt(value / divisor, width: 0)
        if places > 0 {
            put(UInt8(ascii: "."))
            appendInt(value % divisor, width: places)
        }
    }

    /// An ISO date, `YYYY-MM-DD`.
    @inline(__always)
    func date(_ day: Day) {
        separate()
        let (y, m, d) = day.parts
        appendInt(y, width: 4)
        put(UInt8(ascii: "-"))
        appendInt(m, width: 2)
        put(UInt8(ascii: "-"))
        appendInt(d, width: 2)
    }

    /// A date in the legacy `DD/MM/YYYY` form, which the contract accepts with a warning.
    func legacyDate(_ day: Day) {
        separate()
        let (y, m, d) = day.parts
        appendInt(d, width: 2)
        put(UInt8(ascii: "/"))
        appendInt(m, width: 2)
        put(UInt8(ascii: "/"))
        appendInt(y, width: 4)
    }

    @inline(__always)
    private func appendInt(_ value: Int, width: Int) {
        var v = value
        if v < 0 {
            put(UInt8(ascii: "-"))
            v = -v
        }
        var digits = 1
        var probe = v
        while probe >= 10 {
            probe /= 10
            digits += 1
        }
        let n = max(digits, width)
        reserve(n)
        var at = count + n - 1
        for _ in 0..<n {
            buffer[at] = UInt8(truncatingIfNeeded: v % 10) &+ 48
            v /= 10
            at -= 1
        }
        count += n
    }

    // MARK: - Rows and flushing

    /// Ends a data row.
    @inline(__always)
    func endRow() {
        put(UInt8(ascii: "\n"))
        atRowStart = true
        rows += 1
    }

    private func endHeader() {
        put(UInt8(ascii: "\n"))
        atRowStart = true
    }

    /// Writes the buffer out. Field writers cannot throw (that would slow every field), so a write error is kept
    /// in `writeError` and reported by `finish()`.
    private func flush() {
        var offset = 0
        while offset < count, writeError == 0 {
            let written = write(fd, buffer.address + offset, count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                writeError = errno
                break
            }
            offset += written
        }
        count = 0
    }

    /// Flushes, closes and moves the file into place.
    ///
    /// - Throws: `RehabError` (`.output`) when a write, the close or the rename failed.
    func finish() throws {
        flush()
        let closed = close(fd)
        fd = -1
        if writeError == 0, closed != 0 { writeError = errno }
        if writeError == 0, rename(partialPath, finalPath) != 0 { writeError = errno }
        if writeError != 0 {
            unlink(partialPath)
            throw RehabError(
                .output,
                "Cannot write \(finalPath): \(String(cString: strerror(writeError))).",
                hint: "Check the free space and permissions of the output folder."
            )
        }
    }
}
