import Foundation
import Testing

@testable import RehabPipeline

#if canImport(Glibc)
import Glibc
#endif

@Suite("The archive's folder of copies")
struct ArchiveTests {
    @Test("A sweep leaves a live run's copies alone and removes those of a run that is gone")
    func sweepSparesLiveRuns() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("rehabcount-archive-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        let archive = Archive(root: root)
        let live = try archive.stagingFolder()
        let gone = try archive.stagingFolder()
        try "rows".write(toFile: "\(live.path)/RY2_referrals_2025-09.csv", atomically: false, encoding: .utf8)
        try "rows".write(toFile: "\(gone.path)/R1D_referrals_2025-09.csv", atomically: false, encoding: .utf8)
        // The process of `gone` ended: the kernel dropped its lock.
        close(gone.lockDescriptor)
        #expect(archive.sweepIncoming() == 1)
        #expect(FileManager.default.fileExists(atPath: "\(live.path)/RY2_referrals_2025-09.csv"))
        #expect(!FileManager.default.fileExists(atPath: gone.path))
        archive.removeStaging(live)
        #expect(!FileManager.default.fileExists(atPath: archive.incoming))
    }
}
