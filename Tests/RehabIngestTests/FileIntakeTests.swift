import Foundation
import RehabCore
import RehabIngest
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A fresh folder under the temporary directory.
private func scratch() throws -> String {
    let path = NSTemporaryDirectory() + "rehabcount-intake-" + UUID().uuidString
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

private func permissions(_ path: String) throws -> Int {
    try (FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber)?.intValue ?? -1
}

@Suite("Taking files from an inbox others write to")
struct FileIntakeTests {
    @Test("A regular file is copied byte for byte, hashed as read, and its copy made read-only")
    func regularFile() throws {
        let folder = try scratch()
        let bytes = Array("referral_id\nR1\n".utf8)
        try Data(bytes).write(to: URL(fileURLWithPath: "\(folder)/in.csv"))
        let outcome = try FileIntake.copy("\(folder)/in.csv", to: "\(folder)/copy.csv")
        guard case .copied(let copy) = outcome else {
            Issue.record("not copied: \(outcome)")
            return
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: copy.path)) == Data(bytes))
        #expect(copy.sha256 == (try FileDigest.sha256(path: "\(folder)/in.csv")).hex)
        #expect(copy.bytes == bytes.count)
        #expect(try permissions(copy.path) == 0o444)
        // Removed only while it is still the same file.
        #expect(FileIntake.remove("\(folder)/in.csv", ifStill: copy))
        #expect(!FileManager.default.fileExists(atPath: "\(folder)/in.csv"))
    }

    @Test("A symbolic link is refused, and neither it nor its target is touched")
    func symbolicLink() throws {
        let folder = try scratch()
        let target = "\(folder)/secret.txt"
        try "9434765919,private".write(toFile: target, atomically: true, encoding: .utf8)
        chmod(target, 0o600)
        try FileManager.default.createSymbolicLink(
            atPath: "\(folder)/RY2_referrals_2025-09.csv",
            withDestinationPath: target
        )
        let outcome = try FileIntake.copy("\(folder)/RY2_referrals_2025-09.csv", to: "\(folder)/copy.csv")
        #expect(outcome == .refused(reason: "symbolic link"))
        #expect(!FileManager.default.fileExists(atPath: "\(folder)/copy.csv"))
        #expect(try permissions(target) == 0o600)
        #expect(
            try FileManager.default.destinationOfSymbolicLink(atPath: "\(folder)/RY2_referrals_2025-09.csv") == target
        )
    }

    @Test("A FIFO, a folder and a hard link are refused at once, without blocking")
    func specialFiles() throws {
        let folder = try scratch()
        #expect(mkfifo("\(folder)/fifo.csv", 0o644) == 0)
        try FileManager.default.createDirectory(atPath: "\(folder)/dir.csv", withIntermediateDirectories: false)
        try "x".write(toFile: "\(folder)/elsewhere", atomically: true, encoding: .utf8)
        #expect(link("\(folder)/elsewhere", "\(folder)/hard.csv") == 0)
        for name in ["fifo.csv", "dir.csv", "hard.csv"] {
            let outcome = try FileIntake.copy("\(folder)/\(name)", to: "\(folder)/copy-\(name)")
            guard case .refused = outcome else {
                Issue.record("\(name) was not refused: \(outcome)")
                continue
            }
            #expect(!FileManager.default.fileExists(atPath: "\(folder)/copy-\(name)"))
        }
    }

    @Test("A file still being written is left alone and its partial copy discarded")
    func changingFile() throws {
        let folder = try scratch()
        let path = "\(folder)/RY2_contacts_2025-09.csv"
        try Data(count: 32 << 20).write(to: URL(fileURLWithPath: path))
        // A writer that keeps appending until the copy is over.
        let writer = open(path, O_WRONLY | O_APPEND)
        #expect(writer >= 0)
        let state = WriterState()
        let thread = Thread {
            while !state.stopped {
                _ = "more,rows\n".withCString { write(writer, $0, 10) }
                state.wrote()
                usleep(200)
            }
            state.finish()
        }
        thread.start()
        while state.appended == 0 { usleep(100) }
        let outcome = try FileIntake.copy(path, to: "\(folder)/copy.csv")
        state.stop()
        while !state.done { usleep(100) }
        close(writer)
        #expect(outcome == .changing)
        #expect(!FileManager.default.fileExists(atPath: "\(folder)/copy.csv"))
        #expect(FileManager.default.fileExists(atPath: path))
    }

    @Test("A copy is never written through a link planted at its name")
    func plantedDestination() throws {
        let folder = try scratch()
        try "data".write(toFile: "\(folder)/in.csv", atomically: true, encoding: .utf8)
        try "keep".write(toFile: "\(folder)/victim", atomically: true, encoding: .utf8)
        try FileManager.default.createSymbolicLink(
            atPath: "\(folder)/copy.csv",
            withDestinationPath: "\(folder)/victim"
        )
        #expect(throws: RehabError.self) { try FileIntake.copy("\(folder)/in.csv", to: "\(folder)/copy.csv") }
        #expect(try String(contentsOfFile: "\(folder)/victim", encoding: .utf8) == "keep")
    }
}

@Suite("Writing outputs")
struct FileOutputTests {
    @Test("A report is never written through a planted link, at its temporary name or its own")
    func plantedLinks() throws {
        let folder = try scratch()
        let victim = "\(folder)/victim"
        try "keep".write(toFile: victim, atomically: true, encoding: .utf8)
        // The names the old writer used, and the report's own name, all pointing at the victim.
        try FileManager.default.createSymbolicLink(atPath: "\(folder)/report.json.part", withDestinationPath: victim)
        try FileManager.default.createSymbolicLink(atPath: "\(folder)/report.json", withDestinationPath: victim)
        try FileOutput.write("{}", toFile: "\(folder)/report.json")
        #expect(try String(contentsOfFile: victim, encoding: .utf8) == "keep")
        #expect(try String(contentsOfFile: "\(folder)/report.json", encoding: .utf8) == "{}")
        #expect((try? FileManager.default.destinationOfSymbolicLink(atPath: "\(folder)/report.json")) == nil)
        // Nothing is left beside it but what was there.
        let left = try FileManager.default.contentsOfDirectory(atPath: folder).sorted()
        #expect(left == ["report.json", "report.json.part", "victim"])
    }
}

/// What the test's writer thread and the test share.
private final class WriterState: Sendable {
    private let state = Mutex((stopped: false, appended: 0, done: false))
    var stopped: Bool { state.withLock { $0.stopped } }
    var appended: Int { state.withLock { $0.appended } }
    var done: Bool { state.withLock { $0.done } }
    func wrote() { state.withLock { $0.appended += 1 } }
    func stop() { state.withLock { $0.stopped = true } }
    func finish() { state.withLock { $0.done = true } }
}
