import RDATestSupport
import Foundation
import Testing
import RDAIO
import RDAReport

/// Issue 25, class 10: a curve file of hundreds of thousands of points (drawing it took minutes)
/// is refused when read, in one line; a sweep-sized one still reads.
@Suite struct CurveLimitTests {
    func curve(_ n: Int, boundPoints: Int = 0) -> CurveData {
        let lambdas = (0..<n).map { Double($0 + 1) }
        var c = CurveData(name: "c", results: .init(lambda: lambdas, rateNats: lambdas.map { 1 / $0 }, distortion: lambdas))
        if boundPoints > 0 {
            let xs = (0..<boundPoints).map { Double($0 + 1) }
            c.bound = .init(kind: "gaussian", curve: .init(rateNats: xs, distortion: xs))
        }
        return c
    }

    @Test func curvesWithTooManyPointsAreRefused() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rda-curve-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("curve.json")
        for (n, bound) in [(300_000, 0), (3, 300_000), (CurveData.maximumPoints + 1, 0)] {
            try curve(n, boundPoints: bound).write(to: url)
            expectRDAIOError(.unsupported, ["\(max(n, bound)) points", "curve.json"]) { _ = try CurveData.read(from: url) }
        }
        try curve(CurveData.maximumPoints, boundPoints: 200).write(to: url)
        #expect(try CurveData.read(from: url).results.lambda.count == CurveData.maximumPoints)
    }
}
