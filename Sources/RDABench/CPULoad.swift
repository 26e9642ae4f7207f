import Foundation

/// CPU time used by this process and by all others between `init` and `finish`.
struct CPULoad {
    let ownStart: Double, busyStart: Double?

    init() {
        ownStart = CPULoad.ownSeconds()
        busyStart = CPULoad.busySeconds()
    }

    /// (this process's CPU seconds, other processes' average cores over `wallSeconds`).
    func finish(wallSeconds: Double) -> (Double, Double?) {
        let own = CPULoad.ownSeconds() - ownStart
        guard let b0 = busyStart, let b1 = CPULoad.busySeconds(), wallSeconds > 0 else { return (own, nil) }
        return (own, Swift.max(0, (b1 - b0 - own) / wallSeconds))
    }

    static func ownSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec)
            + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) * 1e-6
    }

    /// Busy CPU seconds of the whole machine since boot (/proc/stat), nil off Linux.
    static func busySeconds() -> Double? {
        guard let text = try? String(contentsOfFile: "/proc/stat", encoding: .utf8),
              let line = text.split(separator: "\n").first, line.hasPrefix("cpu ") else { return nil }
        let v = line.split(separator: " ").dropFirst().compactMap { Double($0) }
        guard v.count >= 8 else { return nil }
        let busy = v[0..<8].reduce(0, +) - v[3] - v[4]   // all but idle and iowait
        return busy / Double(sysconf(Int32(_SC_CLK_TCK)))
    }
}

