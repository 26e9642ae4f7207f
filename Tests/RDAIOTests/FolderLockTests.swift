import RDATestSupport
import Foundation
import Testing
import RDAIO

@Suite("Folder locks and stale temporaries")
struct FolderLockTests {
    @Test func aLockedFolderRefusesASecondLockUntilReleased() throws {
        let folder = TempFolder()
        let dir = folder.url.appendingPathComponent("run")
        let first = try #require(try FolderLock.acquire(dir, wait: false))
        // flock locks belong to open file descriptions: a second open conflicts even in-process
        #expect(try FolderLock.acquire(dir, wait: false) == nil)
        first.release()
        let second = try FolderLock.acquire(dir, wait: false)
        #expect(second != nil)
        second?.release()
    }

    @Test func onlyTemporariesOfDeadProcessesAreRemoved() throws {
        let folder = TempFolder()
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/true")
        try p.run()
        p.waitUntilExit()
        let dead = ".model.safetensors.\(p.processIdentifier).77.tmp"
        let mine = ".model.safetensors.\(getpid()).78.tmp"
        let other = ".notes.tmp"
        for name in [dead, mine, other, "model.safetensors"] { try Data([1]).write(to: folder.file(name)) }
        #expect(AtomicFile.removeStaleTemporaries(in: folder.url) == [dead])
        #expect(folder.entries() == [mine, other, "model.safetensors"].sorted())
    }
}
