// The per-machine cache of GEMM calibrations: one JSON file, keyed by what the timings depend on.
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// What a calibration's result depends on. A cache file made under another key (another CPU,
/// core count, rda build or OpenBLAS) is ignored and replaced.
public struct GEMMMachineKey: Codable, Equatable, Sendable {
    /// `model name` of /proc/cpuinfo ("unknown" elsewhere).
    public var cpuModel: String
    /// FNV-1a hash (hex) of the `flags` line of /proc/cpuinfo: the instruction sets.
    public var cpuFlags: String
    /// Active processor count.
    public var cores: Int
    /// The running executable's size and modification time: a rebuilt rda calibrates again;
    /// then the Swift kernel's instruction set (`KernelISA`, which `RDA_ISA` can force).
    public var build: String
    /// OpenBLAS's core name when loaded ("absent" when not).
    public var openblas: String

    public init(cpuModel: String, cpuFlags: String, cores: Int, build: String, openblas: String) {
        self.cpuModel = cpuModel
        self.cpuFlags = cpuFlags
        self.cores = cores
        self.build = build
        self.openblas = openblas
    }

    enum CodingKeys: String, CodingKey {
        case cores, build, openblas
        case cpuModel = "cpu_model", cpuFlags = "cpu_flags_hash"
    }

    /// This machine and process.
    public static func current(openBLASCore: String?, openBLASAvailable: Bool) -> GEMMMachineKey {
        var model = "unknown", flags = ""
        if let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) {
            for line in text.split(separator: "\n") {
                let parts = line.split(separator: ":", maxSplits: 1)
                guard parts.count == 2 else { continue }
                let name = parts[0].trimmingCharacters(in: .whitespaces)
                let value = parts[1].trimmingCharacters(in: .whitespaces)
                if name == "model name" && model == "unknown" { model = value }
                if name == "flags" && flags.isEmpty { flags = value }
                if model != "unknown" && !flags.isEmpty { break }
            }
        }
        var build = "unknown"
        let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments.first ?? ""
        if let attributes = try? FileManager.default.attributesOfItem(atPath: exe) {
            let size = (attributes[.size] as? NSNumber)?.int64Value ?? -1
            let time = (attributes[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
            build = "\((exe as NSString).lastPathComponent):\(size):\(Int64(time * 1000))"
        }
        build += ":isa=\(KernelISA.active.rawValue)"
        return GEMMMachineKey(cpuModel: model, cpuFlags: fnv1a(flags), cores: ProcessInfo.processInfo.activeProcessorCount,
                              build: build, openblas: openBLASAvailable ? (openBLASCore ?? "loaded") : "absent")
    }

    static func fnv1a(_ text: String) -> String {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 { h = (h ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return String(h, radix: 16)
    }
}

/// One calibrated shape class at one thread count and context.
public struct GEMMCalibrationEntry: Codable, Equatable, Sendable {
    /// `GEMMShapeClass.description`, e.g. "NT m2^7 n2^10 k2^9".
    public var shapeClass: String
    public var threads: Int
    /// `pool` or `lane`.
    public var context: String
    /// The chosen backend's raw value.
    public var backend: String
    /// The product timed for the class.
    public var measuredOn: String
    /// Microseconds per product of each backend (per training step for a step entry).
    public var swiftMicroseconds: Double, openblasMicroseconds: Double
    /// For a step entry (context `step`): microseconds per training step with each shape class
    /// on its own calibrated backend.
    public var perShapeMicroseconds: Double? = nil

    enum CodingKeys: String, CodingKey {
        case threads, context, backend
        case shapeClass = "shape_class", measuredOn = "measured_on"
        case swiftMicroseconds = "swift_us", openblasMicroseconds = "openblas_us", perShapeMicroseconds = "per_shape_us"
    }

    /// The entry's name in the cache: class, thread count and context.
    static func name(_ shapeClass: GEMMShapeClass, threads: Int, context: GEMMContext) -> String {
        name(shapeClass.description, threads: threads, context: context.rawValue)
    }

    static func name(_ shapeClass: String, threads: Int, context: String) -> String {
        "\(shapeClass) t\(threads) \(context)"
    }

    var name: String { GEMMCalibrationEntry.name(shapeClass, threads: threads, context: context) }

    /// Whether `backend` names something this rda knows: a backend, or for a step entry a
    /// `GEMMPolicy`.
    var hasKnownBackend: Bool {
        context == GEMMSelector.stepContext ? GEMMPolicy(rawValue: backend) != nil : GEMMBackend(rawValue: backend) != nil
    }
}

/// The calibration cache: `gemm-calibration.json` in `directory`, holding the machine key and the
/// entries measured under it. Reading never fails: a missing, unreadable or corrupted file, or
/// one made under another key, reads as empty (and is replaced at the next save). Saving never
/// fails either: when the folder cannot be made or written, calibrations stay in memory only.
public final class GEMMCalibrationStore: @unchecked Sendable {
    /// The file format's name, part of the file.
    public static let format = "rda-gemm-calibration-1"
    /// The cache file's name.
    public static let fileName = "gemm-calibration.json"

    /// The folder of the cache (nil: memory only).
    public let directory: URL?
    /// The key entries must have been made under.
    public let key: GEMMMachineKey

    public init(directory: URL?, key: GEMMMachineKey) {
        self.directory = directory
        self.key = key
    }

    /// The cache folder: `$RDA_CACHE_DIR`, else `$XDG_CACHE_HOME/rda`, else `~/.cache/rda` (nil
    /// when none can be named).
    public static func defaultDirectory(environment: [String: String] = ProcessInfo.processInfo.environment) -> URL? {
        if let dir = environment["RDA_CACHE_DIR"], !dir.isEmpty { return URL(fileURLWithPath: dir, isDirectory: true) }
        if let xdg = environment["XDG_CACHE_HOME"], xdg.hasPrefix("/") {
            return URL(fileURLWithPath: xdg, isDirectory: true).appendingPathComponent("rda", isDirectory: true)
        }
        if let home = environment["HOME"], !home.isEmpty {
            return URL(fileURLWithPath: home, isDirectory: true).appendingPathComponent(".cache/rda", isDirectory: true)
        }
        return nil
    }

    /// The cache file, when there is a folder.
    public var fileURL: URL? { directory?.appendingPathComponent(GEMMCalibrationStore.fileName) }

    struct File: Codable {
        var format: String
        var key: GEMMMachineKey
        var entries: [GEMMCalibrationEntry]
    }

    /// The entries stored under this store's key, by name; empty when there are none.
    public func load() -> [String: GEMMCalibrationEntry] {
        guard let url = fileURL, let data = try? Data(contentsOf: url),
              let file = try? JSONDecoder().decode(File.self, from: data),
              file.format == GEMMCalibrationStore.format, file.key == key else { return [:] }
        var table: [String: GEMMCalibrationEntry] = [:]
        for entry in file.entries where entry.hasKnownBackend { table[entry.name] = entry }
        return table
    }

    /// Adds `entries` to the file under this key, keeping the entries already there (another
    /// process's, saved first, win over new ones of the same name), as a temporary file renamed
    /// over the old one: readers never see half a file. Returns the file's entries after the
    /// save by name (the stored ones and `entries`, also when the file cannot be written).
    @discardableResult
    public func save(_ entries: [GEMMCalibrationEntry]) -> [String: GEMMCalibrationEntry] {
        var table = load()
        for entry in entries where table[entry.name] == nil { table[entry.name] = entry }
        guard let directory, let url = fileURL else { return table }
        let file = File(format: GEMMCalibrationStore.format, key: key,
                        entries: table.values.sorted { $0.name < $1.name })
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        guard let data = try? encoder.encode(file) else { return table }
        let temporary = directory.appendingPathComponent(".\(GEMMCalibrationStore.fileName).\(getpid()).tmp")
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            try data.write(to: temporary)
            if rename(temporary.path, url.path) != 0 { try? FileManager.default.removeItem(at: temporary) }
        } catch {
            try? FileManager.default.removeItem(at: temporary)
        }
        return table
    }

    /// Whether the cache file can be written (its folder made, a file created in it).
    public var isWritable: Bool {
        guard let directory else { return false }
        try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return FileManager.default.isWritableFile(atPath: directory.path)
    }
}
