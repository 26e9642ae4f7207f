import Foundation
import RDAIO

/// The contents of a lambda sweep's `curve.json`: measured rate-distortion points and, optionally,
/// a theoretical bound.
///
///     { "name": "...", "description": "...", "data": "mnist", "distortion_kind": "l2",
///       "results": { "lambda": [...], "rate_nats": [...], "rate_bits": [...], "distortion": [...],
///                    "mse_per_dim": [...], "psnr_db": [...], "mi_estimate_nats": [...], "objective": [...] },
///       "bound": { "kind": "gaussian" | "laplace" | "gaussian-covariance", "description": "...",
///                  "curve": { "rate_nats": [...], "distortion": [...] },
///                  "at_lambdas": { "lambda": [...], "rate_nats": [...], "distortion": [...], "objective": [...] } } }
///
/// The arrays of `results` (and of `bound.curve`, and of `bound.at_lambdas`) are parallel: entry i
/// of each belongs to the same point. Required: `name`, `results.lambda`, `results.rate_nats`,
/// `results.distortion`, and `bound.kind` when there is a bound; everything else may be absent.
/// `psnr_db` entries may be null (data that are not images).
public struct CurveData: Codable, Equatable, Sendable {
    public var name: String
    public var description: String?
    /// The data set, e.g. "mnist".
    public var data: String?
    /// The distortion measure, e.g. "l2" (per-example sum of squared errors).
    public var distortionKind: String?
    public var results: Results
    public var bound: Bound?

    /// Measured points, one per lambda.
    public struct Results: Codable, Equatable, Sendable {
        public var lambda: [Double]
        public var rateNats: [Double]
        public var rateBits: [Double]?
        public var distortion: [Double]
        public var msePerDim: [Double]?
        public var psnrDb: [Double?]?
        public var miEstimateNats: [Double]?
        public var objective: [Double]?

        public init(lambda: [Double], rateNats: [Double], rateBits: [Double]? = nil, distortion: [Double],
                    msePerDim: [Double]? = nil, psnrDb: [Double?]? = nil, miEstimateNats: [Double]? = nil,
                    objective: [Double]? = nil) {
            self.lambda = lambda
            self.rateNats = rateNats
            self.rateBits = rateBits
            self.distortion = distortion
            self.msePerDim = msePerDim
            self.psnrDb = psnrDb
            self.miEstimateNats = miEstimateNats
            self.objective = objective
        }

        enum CodingKeys: String, CodingKey {
            case lambda
            case rateNats = "rate_nats"
            case rateBits = "rate_bits"
            case distortion
            case msePerDim = "mse_per_dim"
            case psnrDb = "psnr_db"
            case miEstimateNats = "mi_estimate_nats"
            case objective
        }
    }

    /// A theoretical rate-distortion curve to compare with.
    public struct Bound: Codable, Equatable, Sendable {
        /// "gaussian" (independent components, l2), "laplace" (independent components, l1) or
        /// "gaussian-covariance" (eigenvalues of the data covariance).
        public var kind: String
        public var description: String?
        /// The continuous curve, for drawing.
        public var curve: Curve?
        /// The bound's optimum of rate + lambda * distortion at the sweep's lambdas.
        public var atLambdas: AtLambdas?

        public init(kind: String, description: String? = nil, curve: Curve? = nil, atLambdas: AtLambdas? = nil) {
            self.kind = kind
            self.description = description
            self.curve = curve
            self.atLambdas = atLambdas
        }

        enum CodingKeys: String, CodingKey {
            case kind
            case description
            case curve
            case atLambdas = "at_lambdas"
        }
    }

    public struct Curve: Codable, Equatable, Sendable {
        public var rateNats: [Double]
        public var distortion: [Double]

        public init(rateNats: [Double], distortion: [Double]) {
            self.rateNats = rateNats
            self.distortion = distortion
        }

        enum CodingKeys: String, CodingKey {
            case rateNats = "rate_nats"
            case distortion
        }
    }

    public struct AtLambdas: Codable, Equatable, Sendable {
        public var lambda: [Double]
        public var rateNats: [Double]
        public var distortion: [Double]
        public var objective: [Double]?

        public init(lambda: [Double], rateNats: [Double], distortion: [Double], objective: [Double]? = nil) {
            self.lambda = lambda
            self.rateNats = rateNats
            self.distortion = distortion
            self.objective = objective
        }

        enum CodingKeys: String, CodingKey {
            case lambda
            case rateNats = "rate_nats"
            case distortion
            case objective
        }
    }

    public init(name: String, description: String? = nil, data: String? = nil, distortionKind: String? = nil,
                results: Results, bound: Bound? = nil) {
        self.name = name
        self.description = description
        self.data = data
        self.distortionKind = distortionKind
        self.results = results
        self.bound = bound
    }

    enum CodingKeys: String, CodingKey {
        case name
        case description
        case data
        case distortionKind = "distortion_kind"
        case results
        case bound
    }

    // MARK: - Checks

    /// The first inconsistency between parallel arrays, as "results.rate_nats has 3 entries but
    /// results.lambda has 4", or nil.
    public func inconsistency() -> String? {
        let r = results
        let n = r.lambda.count
        let named: [(String, Int?)] = [
            ("results.rate_nats", r.rateNats.count), ("results.rate_bits", r.rateBits?.count),
            ("results.distortion", r.distortion.count), ("results.mse_per_dim", r.msePerDim?.count),
            ("results.psnr_db", r.psnrDb?.count), ("results.mi_estimate_nats", r.miEstimateNats?.count),
            ("results.objective", r.objective?.count),
        ]
        for (key, count) in named {
            if let count, count != n { return "\(key) has \(count) entries but results.lambda has \(n)" }
        }
        if let curve = bound?.curve, curve.rateNats.count != curve.distortion.count {
            return "bound.curve.rate_nats has \(curve.rateNats.count) entries but bound.curve.distortion has \(curve.distortion.count)"
        }
        if let at = bound?.atLambdas {
            let m = at.lambda.count
            for (key, count) in [("bound.at_lambdas.rate_nats", at.rateNats.count),
                                 ("bound.at_lambdas.distortion", at.distortion.count),
                                 ("bound.at_lambdas.objective", at.objective?.count)] {
                if let count, count != m { return "\(key) has \(count) entries but bound.at_lambdas.lambda has \(m)" }
            }
        }
        return nil
    }

    /// The indices of `results` in increasing lambda order.
    public var lambdaOrder: [Int] {
        results.lambda.indices.sorted { results.lambda[$0] < results.lambda[$1] }
    }

    // MARK: - Reading and writing

    /// The most points (lambdas, or points of the bound's curve) a curve file may hold.
    public static let maximumPoints = 10_000

    /// Reads and checks a `curve.json`. Every failure is one `RDAIOError` line naming the file
    /// and what is missing or wrong (e.g. "missing key results.rate_nats").
    public static func read(from url: URL) throws -> CurveData {
        let path = url.path
        let bytes = try FileContents.read(url, name: "curve.json", madeBy: "a lambda sweep writes curve.json into its output folder")
        let curve: CurveData
        do {
            curve = try JSONDecoder().decode(CurveData.self, from: bytes)
        } catch let error as DecodingError {
            throw RDAIOError(.badHeader, subject: path, problem: describe(error),
                             fix: "rewrite it with a lambda sweep, or fix the JSON by hand")
        } catch {
            throw RDAIOError(.badHeader, subject: path, problem: "not a valid curve file (\(error))",
                             fix: "rewrite it with a lambda sweep")
        }
        // a sweep has tens of lambdas and its bound 200 points: a file of 10^5 is not a sweep's,
        // and drawing it took minutes (issue 25)
        let points = max(curve.results.lambda.count, curve.bound?.curve?.rateNats.count ?? 0, curve.bound?.atLambdas?.lambda.count ?? 0)
        guard points <= maximumPoints else {
            throw RDAIOError(.unsupported, subject: path, problem: "holds \(points) points, more than the \(maximumPoints) a curve file may hold",
                             fix: "plot a sweep's curve.json, or thin the points first")
        }
        if let problem = curve.inconsistency() {
            throw RDAIOError(.sizeMismatch, subject: path, problem: problem,
                             fix: "the parallel arrays must have one entry per lambda; rewrite the file with a lambda sweep")
        }
        return curve
    }

    /// The curve as pretty-printed JSON with sorted keys.
    public func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        do {
            return try encoder.encodeFinite(self)
        } catch let EncodingError.invalidValue(value, context) {
            let key = CurveData.keyPath(context.codingPath)
            throw RDAIOError(.invalidArgument, subject: "curve '\(name)'",
                             problem: "\(key.isEmpty ? "a value" : key) is \(value), which JSON cannot hold",
                             fix: "replace non-finite numbers (NaN, infinity) before writing; psnr_db may use null")
        }
    }

    /// Writes the curve to `url` atomically as pretty-printed JSON with sorted keys.
    public func write(to url: URL) throws {
        try AtomicFile.write(try jsonData(), to: url)
    }

    /// The results as CSV, one row per lambda in increasing order, with columns
    /// lambda,rate_nats,rate_bits,distortion,mse_per_dim,psnr_db,mi_estimate_nats,objective,
    /// bound_rate_nats,bound_distortion,bound_objective. Cells are empty where a value is absent
    /// (a missing array, a null psnr_db, or no bound point at that lambda).
    public func csv() -> String {
        var text = "lambda,rate_nats,rate_bits,distortion,mse_per_dim,psnr_db,mi_estimate_nats,objective,bound_rate_nats,bound_distortion,bound_objective\n"
        let r = results
        func cell(_ values: [Double]?, _ i: Int) -> String {
            guard let values, i < values.count else { return "" }
            return CurveData.number(values[i])
        }
        for i in lambdaOrder {
            let lambda = r.lambda[i]
            var cells = [CurveData.number(lambda), cell(r.rateNats, i), cell(r.rateBits, i), cell(r.distortion, i),
                         cell(r.msePerDim, i)]
            if let psnr = r.psnrDb, i < psnr.count, let value = psnr[i] { cells.append(CurveData.number(value)) } else { cells.append("") }
            cells += [cell(r.miEstimateNats, i), cell(r.objective, i)]
            if let at = bound?.atLambdas, let j = CurveData.matchingIndex(of: lambda, in: at.lambda) {
                cells += [cell(at.rateNats, j), cell(at.distortion, j), cell(at.objective, j)]
            } else {
                cells += ["", "", ""]
            }
            text += cells.joined(separator: ",") + "\n"
        }
        return text
    }

    /// Writes `csv()` to `url` atomically.
    public func writeCSV(to url: URL) throws {
        try AtomicFile.write(Data(csv().utf8), to: url)
    }

    // MARK: - Helpers

    /// The index of the value in `lambdas` equal to `lambda` up to rounding, if any.
    static func matchingIndex(of lambda: Double, in lambdas: [Double]) -> Int? {
        lambdas.firstIndex { Swift.abs($0 - lambda) <= 1e-9 * Swift.max(Swift.abs($0), Swift.abs(lambda)) }
    }

    /// A number for CSV: the shortest text that reads back as the same Double ("4.0" as "4").
    static func number(_ value: Double) -> String {
        value.isNaN ? "nan" : formatNumber(value)
    }

    /// "results.lambda[3]" from a coding path.
    static func keyPath(_ path: [CodingKey]) -> String {
        var text = ""
        for key in path {
            if let index = key.intValue {
                text += "[\(index)]"
            } else {
                text += (text.isEmpty ? "" : ".") + key.stringValue
            }
        }
        return text
    }

    /// One line saying what is wrong, from a decoding error.
    static func describe(_ error: DecodingError) -> String {
        switch error {
        case .keyNotFound(let key, let context):
            let parent = keyPath(context.codingPath)
            return "missing key \(parent.isEmpty ? "" : parent + ".")\(key.stringValue)"
        case .valueNotFound(let type, let context):
            return "\(keyPath(context.codingPath)) is null but must be \(typeName(type))"
        case .typeMismatch(let type, let context):
            let at = keyPath(context.codingPath)
            return "\(at.isEmpty ? "the top level" : at) must be \(typeName(type))"
        case .dataCorrupted(let context):
            let detail = (context.underlyingError as NSError?)?.debugDescription ?? context.debugDescription
            let at = keyPath(context.codingPath)
            return at.isEmpty ? "not valid JSON (\(detail))" : "bad value at \(at) (\(detail))"
        @unknown default:
            return "not a valid curve file (\(error))"
        }
    }

    static func typeName(_ type: Any.Type) -> String {
        let name = String(describing: type)
        if name.contains("Array") || name.hasPrefix("[") { return "an array" }
        if name.contains("Double") || name.contains("Int") { return "a number" }
        if name.contains("String") { return "a string" }
        if name.contains("Dictionary") { return "an object" }
        return "a \(name)"
    }
}
