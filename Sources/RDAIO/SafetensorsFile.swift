import Foundation

/// A safetensors file of float32 tensors plus string metadata.
///
/// Format: an 8-byte little-endian u64 `n`, then `n` bytes of UTF-8 JSON
/// `{"__metadata__": {"key": "value", ...}, "name": {"dtype": "F32", "shape": [...],
/// "data_offsets": [begin, end]}, ...}` (padded with spaces so the data start at a multiple
/// of 8), then the tensor data, little-endian, with offsets relative to the end of the header.
///
/// Writing is deterministic: metadata first, then tensors sorted by name (by UTF-8 bytes),
/// their data laid out in that order. Reading checks the whole layout and throws
/// `RDAIOError` for anything malformed.
public struct SafetensorsFile: Equatable, Sendable {
    public var tensors: [String: SafetensorsTensor]
    public var metadata: [String: String]

    /// Header key reserved for metadata.
    public static let metadataKey = "__metadata__"
    /// Largest header accepted on reading (as in the reference implementation).
    public static let maximumHeaderLength = 100_000_000

    public init(tensors: [String: SafetensorsTensor] = [:], metadata: [String: String] = [:]) {
        self.tensors = tensors
        self.metadata = metadata
    }

    /// Adds or replaces tensor `name`.
    public mutating func set(_ name: String, shape: [Int], values: [Float]) {
        tensors[name] = SafetensorsTensor(shape: shape, values: values)
    }

    /// Adds or replaces the int32 tensor `name`.
    public mutating func set(_ name: String, shape: [Int], integers: [Int32]) {
        tensors[name] = SafetensorsTensor(shape: shape, integers: integers)
    }

    /// Tensor names in file order (sorted by UTF-8 bytes).
    public var sortedNames: [String] { tensors.keys.sorted(by: SafetensorsFile.utf8Order) }

    /// The order of names in the file and of metadata keys in the header: by UTF-8 bytes.
    static func utf8Order(_ a: String, _ b: String) -> Bool { a.utf8.lexicographicallyPrecedes(b.utf8) }

    // MARK: Writing

    /// Writes the file to `url` atomically (temporary file in the same folder, then rename):
    /// on any failure an existing file at `url` is left as it was.
    public func write(to url: URL) throws {
        let names = sortedNames
        let header = try headerBytes(names: names)
        try AtomicFile.write(to: url) { writer in
            try writer.write(header)
            for name in names {
                try tensors[name]!.withLittleEndianBytes { try writer.write($0) }
            }
        }
    }

    /// The complete file as bytes.
    public func encoded() throws -> Data {
        let names = sortedNames
        var data = Data(try headerBytes(names: names))
        for name in names {
            tensors[name]!.withLittleEndianBytes { data.append(contentsOf: $0) }
        }
        return data
    }

    /// The 8-byte length and the padded JSON header for the tensors `names` (in file order);
    /// validates names and shapes.
    func headerBytes(names: [String]) throws -> [UInt8] {
        var json = "{"
        var first = true
        if !metadata.isEmpty {
            json += "\"\(SafetensorsFile.metadataKey)\":{"
            let keys = metadata.keys.sorted(by: SafetensorsFile.utf8Order)
            json += keys.map { "\(SafetensorsFile.quote($0)):\(SafetensorsFile.quote(metadata[$0]!))" }.joined(separator: ",")
            json += "}"
            first = false
        }
        var offset = 0
        for name in names {
            let tensor = tensors[name]!
            guard !name.isEmpty, name != SafetensorsFile.metadataKey else {
                throw RDAIOError(.invalidArgument, subject: "safetensors",
                                 problem: "tensor name '\(name)' is not allowed", fix: "use a non-empty name other than \(SafetensorsFile.metadataKey)")
            }
            guard let count = SafetensorsTensor.elementCount(tensor.shape), count == tensor.storedCount else {
                throw RDAIOError(.invalidArgument, subject: "safetensors tensor '\(name)'",
                                 problem: "shape \(tensor.shape) does not match its \(tensor.storedCount) values",
                                 fix: "pass as many values as the product of the shape")
            }
            let end = offset + 4 * count
            if !first { json += "," }
            first = false
            json += "\(SafetensorsFile.quote(name)):{\"dtype\":\"\(tensor.dtype.rawValue)\",\"shape\":[\(tensor.shape.map(String.init).joined(separator: ","))],\"data_offsets\":[\(offset),\(end)]}"
            offset = end
        }
        json += "}"
        var header = Array(json.utf8)
        while header.count % 8 != 0 { header.append(0x20) }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(8 + header.count)
        withUnsafeBytes(of: UInt64(header.count).littleEndian) { bytes.append(contentsOf: $0) }
        bytes.append(contentsOf: header)
        return bytes
    }

    /// `text` as a JSON string literal.
    static func quote(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    let digits = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - digits.count) + digits
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }

    // MARK: Reading

    /// Reads and validates a safetensors file of F32 tensors.
    public static func read(from url: URL) throws -> SafetensorsFile {
        try decode(FileContents.read(url), source: url.path)
    }

    /// Decodes and validates safetensors bytes. `source` names them in error messages.
    public static func decode(_ data: Data, source: String = "safetensors data") throws -> SafetensorsFile {
        let fix = "re-save the file; it is damaged or not a safetensors file"
        func fail(_ kind: RDAIOError.Kind, _ problem: String, _ hint: String = fix) -> RDAIOError {
            RDAIOError(kind, subject: source, problem: problem, fix: hint)
        }
        guard data.count >= 8 else {
            throw fail(.truncated, "too short (\(data.count) bytes): a safetensors file starts with an 8-byte header length")
        }
        let start = data.startIndex
        let headerLength = data[start..<(start + 8)].reversed().reduce(UInt64(0)) { ($0 << 8) | UInt64($1) }
        guard headerLength <= UInt64(data.count - 8) else {
            throw fail(.truncated, "header length \(headerLength) goes past the end of the file (\(data.count) bytes)")
        }
        guard headerLength <= UInt64(maximumHeaderLength) else {
            throw fail(.badHeader, "header length \(headerLength) is larger than the \(maximumHeaderLength) bytes allowed")
        }
        let headerEnd = start + 8 + Int(headerLength)
        let headerData = data[(start + 8)..<headerEnd]
        guard String(bytes: headerData, encoding: .utf8) != nil else {
            throw fail(.badHeader, "header is not valid UTF-8")
        }
        let parsed: JSONValue
        do {
            parsed = try JSONValue.parse(Data(headerData))
        } catch let failure as JSONValue.ParseFailure {
            throw fail(.badHeader, "header is not valid JSON (\(failure.reason))")
        }
        guard case .object(let root) = parsed else {
            throw fail(.badHeader, "header is JSON \(parsed.brief.prefix(40)) but must be an object")
        }

        var file = SafetensorsFile()
        struct Entry { var name: String; var shape: [Int]; var begin: Int; var end: Int; var dtype: SafetensorsDType }
        var entries: [Entry] = []
        for (name, value) in root {
            if name == metadataKey {
                guard case .object(let members) = value else {
                    throw fail(.badHeader, "\(metadataKey) must be an object of strings")
                }
                for (key, item) in members {
                    guard case .string(let text) = item else {
                        throw fail(.badHeader, "metadata value of '\(key)' is \(item.brief.prefix(40)), not a string")
                    }
                    file.metadata[key] = text
                }
                continue
            }
            guard !name.isEmpty else { throw fail(.badHeader, "a tensor has an empty name") }
            guard case .object(let fields) = value else {
                throw fail(.badHeader, "entry '\(name)' is not an object")
            }
            guard case .string(let dtype)? = fields["dtype"] else {
                throw fail(.badHeader, "tensor '\(name)' has no dtype string")
            }
            guard let type = SafetensorsDType(rawValue: dtype) else {
                throw fail(.unsupported, "tensor '\(name)' has dtype \(dtype); only F32 and I32 are supported",
                           "convert the tensor to float32 before saving")
            }
            guard case .array(let dims)? = fields["shape"] else {
                throw fail(.badHeader, "tensor '\(name)' has no shape list")
            }
            var shape: [Int] = []
            for dim in dims {
                guard case .integer(let d) = dim, d >= 0 else {
                    throw fail(.badHeader, "tensor '\(name)' has an invalid dimension \(dim.brief.prefix(40)) in its shape")
                }
                shape.append(d)
            }
            guard case .array(let offsets)? = fields["data_offsets"], offsets.count == 2,
                  case .integer(let begin) = offsets[0], case .integer(let end) = offsets[1], begin >= 0, end >= 0
            else {
                throw fail(.badHeader, "tensor '\(name)' needs data_offsets [begin, end] of two non-negative integers, found \(fields["data_offsets"]?.brief.prefix(60) ?? "none")")
            }
            guard begin <= end else {
                throw fail(.badHeader, "tensor '\(name)' has data_offsets [\(begin), \(end)] with begin after end")
            }
            guard let count = SafetensorsTensor.elementCount(shape), count <= Int.max / 4 else {
                throw fail(.badHeader, "tensor '\(name)' has a shape \(shape) too large to be real")
            }
            guard end - begin == 4 * count else {
                throw fail(.sizeMismatch, "tensor '\(name)' has data_offsets [\(begin), \(end)] spanning \(end - begin) bytes but shape \(shape) of \(dtype) needs \(4 * count)")
            }
            entries.append(Entry(name: name, shape: shape, begin: begin, end: end, dtype: type))
        }

        // The data must be exactly the tensors, back to back, with nothing left over.
        let bufferSize = data.count - 8 - Int(headerLength)
        entries.sort { ($0.begin, $0.end, $0.name) < ($1.begin, $1.end, $1.name) }
        var position = 0
        for entry in entries {
            if entry.end > bufferSize {
                throw fail(.truncated, "tensor '\(entry.name)' has data_offsets [\(entry.begin), \(entry.end)] past the end of the \(bufferSize) data bytes")
            }
            if entry.begin < position {
                throw fail(.badHeader, "tensor '\(entry.name)' data [\(entry.begin), \(entry.end)] overlaps the previous tensor (which ends at \(position))")
            }
            if entry.begin > position {
                throw fail(.badHeader, "gap of \(entry.begin - position) unused bytes before tensor '\(entry.name)' at data offset \(position)")
            }
            position = entry.end
        }
        if position < bufferSize {
            throw fail(.trailingData, "\(bufferSize - position) bytes of trailing data after the last tensor (data has \(bufferSize) bytes, tensors use \(position))")
        }

        data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            for entry in entries {
                let count = (entry.end - entry.begin) / 4
                let base = 8 + Int(headerLength) + entry.begin
                if entry.dtype == .i32 {
                    let integers = (0..<count).map { i in
                        Int32(littleEndian: raw.loadUnaligned(fromByteOffset: base + 4 * i, as: Int32.self))
                    }
                    file.tensors[entry.name] = SafetensorsTensor(shape: entry.shape, integers: integers)
                    continue
                }
                let values = [Float](unsafeUninitializedCapacity: count) { out, initialized in
                    #if _endian(little)
                    if count > 0 {
                        UnsafeMutableRawBufferPointer(out).copyMemory(from: UnsafeRawBufferPointer(rebasing: raw[base..<(base + 4 * count)]))
                    }
                    #else
                    for i in 0..<count {
                        out[i] = Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: base + 4 * i, as: UInt32.self)))
                    }
                    #endif
                    initialized = count
                }
                file.tensors[entry.name] = SafetensorsTensor(shape: entry.shape, values: values)
            }
        }
        return file
    }
}
