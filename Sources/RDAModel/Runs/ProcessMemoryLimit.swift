import Foundation
#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The memory this process may still allocate when something lower than the machine's RAM limits
/// it: the address-space limit `RLIMIT_AS` (`ulimit -v`) less the address space already mapped,
/// and the cgroup's limit (`memory.max` under cgroup v2, `memory.limit_in_bytes` under v1) less
/// what the cgroup already uses. nil when neither is set.
///
/// `MemoryEstimate.available` takes the smaller of this and the physical memory, so that a request
/// that cannot fit under `ulimit -v 4000000` or in a container's 4 GB is refused in one line
/// instead of aborting in the allocator.
public enum ProcessMemoryLimit {
    /// Bytes left under the lowest limit, nil when no limit is set.
    public static var bytes: Int? {
        [addressSpaceLeft, cgroupLeft].compactMap { $0 }.min()
    }

    /// `RLIMIT_AS` less the address space already mapped (`/proc/self/statm`), nil when unlimited.
    static var addressSpaceLeft: Int? {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_AS.rawValue), &limit) == 0, limit.rlim_cur != rlim_t.max else { return nil }   // RLIM_INFINITY
        let cap = Int(clamping: limit.rlim_cur)
        return max(0, cap - (mappedBytes ?? 0))
    }

    /// The address space this process has mapped, from `/proc/self/statm` (Linux), nil elsewhere.
    static var mappedBytes: Int? {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8),
              let pages = text.split(separator: " ").first.flatMap({ Int($0) }) else { return nil }
        return pages.multipliedReportingOverflow(by: Int(getpagesize())).overflow ? nil : pages * Int(getpagesize())
    }

    /// The cgroup's memory limit less its current use, nil when there is no limit (or no cgroup).
    static var cgroupLeft: Int? {
        for folder in cgroupFolders {
            for (limitFile, usageFile) in [("memory.max", "memory.current"), ("memory.limit_in_bytes", "memory.usage_in_bytes")] {
                guard let limit = number(folder + "/" + limitFile) else { continue }
                // cgroup v1 writes "no limit" as a page-rounded Int64.max.
                guard limit < Int.max / 2 else { return nil }
                return max(0, limit - (number(folder + "/" + usageFile) ?? 0))
            }
        }
        return nil
    }

    /// Folders that may hold this process's cgroup memory files: its own cgroup's (from
    /// `/proc/self/cgroup`) under v2 and v1 mounts, then the mounts' roots (a container's view).
    static var cgroupFolders: [String] {
        var folders: [String] = []
        if let text = try? String(contentsOfFile: "/proc/self/cgroup", encoding: .utf8) {
            for line in text.split(separator: "\n") {
                let fields = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
                guard fields.count == 3 else { continue }
                let path = String(fields[2])
                if fields[0] == "0" && fields[1].isEmpty { folders.append("/sys/fs/cgroup" + path) }
                if fields[1].split(separator: ",").contains("memory") { folders.append("/sys/fs/cgroup/memory" + path) }
            }
        }
        return folders + ["/sys/fs/cgroup", "/sys/fs/cgroup/memory"]
    }

    /// The whole number in the file at `path` ("max" and unreadable files: nil).
    static func number(_ path: String) -> Int? {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        return Int(text.trimmingCharacters(in: .whitespacesAndNewlines))
    }
}
