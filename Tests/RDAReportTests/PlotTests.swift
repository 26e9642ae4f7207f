@testable import RDAReport
import RDATestSupport
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
@testable import RDAIO

/// Collects the elements, attributes and text of an XML document.
final class XMLCollector: NSObject, XMLParserDelegate {
    struct Element {
        var name: String
        var attributes: [String: String]
        var text: String
    }

    var elements: [Element] = []
    private var stack: [Int] = []
    var error: Error?

    func parser(_ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
                qualifiedName qName: String?, attributes attributeDict: [String: String] = [:]) {
        elements.append(Element(name: elementName, attributes: attributeDict, text: ""))
        stack.append(elements.count - 1)
    }

    func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName qName: String?) {
        stack.removeLast()
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        if let top = stack.last { elements[top].text += string }
    }

    func parser(_ parser: XMLParser, parseErrorOccurred parseError: Error) {
        error = parseError
    }

    /// Parses `text`; nil (with the reason recorded as an issue) if it is not well-formed XML.
    static func parse(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) -> XMLCollector? {
        let collector = XMLCollector()
        let parser = XMLParser(data: Data(text.utf8))
        parser.delegate = collector
        let ok = parser.parse()
        if !ok || collector.error != nil {
            Issue.record("not well-formed XML: \(String(describing: collector.error ?? parser.parserError))",
                         sourceLocation: sourceLocation)
            return nil
        }
        return collector
    }

    func texts(class name: String) -> [String] {
        elements.filter { $0.name == "text" && $0.attributes["class"] == name }.map(\.text)
    }

    var allText: [String] { elements.filter { $0.name == "text" || $0.name == "title" }.map(\.text) }
}

@Suite struct PlotTests {
    // MARK: Fixtures

    /// Reverse water-filling over `variances` at lambda (theta = 1 / (2 lambda)).
    static func waterFill(_ variances: [Double], theta: Double) -> (rate: Double, distortion: Double) {
        var r = 0.0, d = 0.0
        for v in variances {
            let di = Swift.min(theta, v)
            d += di
            r += 0.5 * Foundation.log(v / di)
        }
        return (r, d)
    }

    /// A sweep shaped like an MNIST run: a Gaussian bound over a decaying spectrum, and
    /// "measured" points somewhat worse than it.
    static func sampleCurve(name: String = "mnist-conv", slack: Double = 1.15, withBound: Bool = true) -> CurveData {
        let variances = (1...400).map { 5.0 * Foundation.pow(Double($0), -1.3) }
        let lambdas = [0.25, 0.5, 1, 2, 4, 8, 16, 32]
        let at = lambdas.map { waterFill(variances, theta: 1 / (2 * $0)) }
        let rates = at.map { $0.rate * 0.9 }
        let distortions = at.map { $0.distortion * slack + 0.5 }
        let lo = variances.min()! / 1000, hi = variances.max()!
        let line = (0..<200).map { i in waterFill(variances, theta: lo * Foundation.pow(hi / lo, Double(i) / 199)) }
        let results = CurveData.Results(
            lambda: lambdas, rateNats: rates, rateBits: rates.map { $0 / M_LN2 }, distortion: distortions,
            msePerDim: distortions.map { $0 / 784 }, psnrDb: distortions.map { 10 * Foundation.log10(784 / $0) },
            miEstimateNats: rates.map { $0 * 0.97 }, objective: zip(rates, zip(lambdas, distortions)).map { $0 + $1.0 * $1.1 })
        let bound = CurveData.Bound(
            kind: "gaussian-covariance",
            description: "R(D) of a Gaussian with the training data's covariance (400 nonzero eigenvalues): an upper bound on the data's R(D), reached by the best linear RDA",
            curve: .init(rateNats: line.map(\.rate), distortion: line.map(\.distortion)),
            atLambdas: .init(lambda: lambdas, rateNats: at.map(\.rate), distortion: at.map(\.distortion),
                             objective: zip(at, lambdas).map { $0.rate + $1 * $0.distortion }))
        return CurveData(name: name, description: "conv RDA, latent 16, standard prior, l2 distortion, on mnist (test split)",
                         data: "mnist", distortionKind: "l2",
                         results: results, bound: withBound ? bound : nil)
    }

    /// Writes `svg` to $RDA_PLOT_SAMPLE_DIR/`name` when that variable is set (to look at the charts).
    static func keepSample(_ svg: String, _ name: String) {
        guard let folder = ProcessInfo.processInfo.environment["RDA_PLOT_SAMPLE_DIR"] else { return }
        try? AtomicFile.write(Data(svg.utf8), to: URL(fileURLWithPath: folder).appendingPathComponent(name))
    }

    /// Whether `step` is 1, 2 or 5 times a power of ten.
    static func isOneTwoFive(_ step: Double) -> Bool {
        let mantissa = step / Foundation.pow(10, Foundation.floor(Foundation.log10(step)))
        return [1.0, 2, 5, 10].contains { Swift.abs(mantissa - $0) < 1e-9 }
    }

    // MARK: Ticks

    @Test(arguments: [(0.0, 1.0), (0.0, 37.2), (-3.3, 12.9), (1e-4, 3e-4), (250.0, 90_000.0), (0.5, 0.5001), (-7.0, -2.0)])
    func ticksAreOneTwoFiveMultiples(_ range: (Double, Double)) {
        for maxCount in [3, 5, 8, 11] {
            let ticks = NiceTicks.ticks(from: range.0, to: range.1, maxCount: maxCount)
            let plain = NiceTicks.step(forSpan: range.1 - range.0, maxCount: maxCount)
            #expect(Self.isOneTwoFive(plain), "step \(plain)")
            #expect(ticks.count >= 2, "\(ticks) for \(range) max \(maxCount)")
            // At most maxCount ticks, unless the step for maxCount leaves fewer than two.
            #expect(ticks.count <= maxCount || NiceTicks.ticks(from: range.0, to: range.1, step: plain).count < 2,
                    "\(ticks) for \(range) max \(maxCount)")
            #expect(ticks.allSatisfy { $0 >= range.0 - 1e-12 && $0 <= range.1 + 1e-12 })
            let step = NiceTicks.atLeastTwoTicksStep(from: range.0, to: range.1, maxCount: maxCount)
            #expect(Self.isOneTwoFive(step), "step \(step)")
            for t in ticks {
                let k = t / step
                #expect(Swift.abs(k - k.rounded()) < 1e-6, "\(t) is not a multiple of \(step)")
            }
            for (a, b) in zip(ticks, ticks.dropFirst()) {
                #expect(Swift.abs((b - a) - step) < 1e-9 * Swift.max(1, step))
            }
        }
    }

    @Test func tickFormatting() {
        #expect(NiceTicks.format(0, step: 0.2) == "0")
        #expect(NiceTicks.format(0.6000000000000001, step: 0.2) == "0.6")
        #expect(NiceTicks.format(40, step: 20) == "40")
        #expect(NiceTicks.format(0.05, step: 0.05) == "0.05")
        #expect(NiceTicks.format(2_000_000, step: 1_000_000) == "2e+06")
        #expect(NiceTicks.compact(4) == "4" && NiceTicks.compact(0.5) == "0.5" && NiceTicks.compact(0.001) == "0.001")
    }

    // MARK: SVG

    @Test func svgIsWellFormedAndCarriesAllText() throws {
        var chart = LineChart(title: "Loss <train> & \"test\" 'runs'", subtitle: "a<b", xLabel: "epoch & step",
                              yLabel: "nats > 0", secondaryYLabel: "bits = nats / ln 2")
        chart.series = [
            .init(name: "train <A&B>", points: [(1, 3.2), (2, 2.9), (3, 2.7), (4, 2.65)], labels: ["λ=1", "λ=2", "x<y", ""]),
            .init(name: "test", points: [(1, 3.4), (2, .nan), (3, 3.0), (4, 2.9)], style: .line(dashed: true)),
            .init(name: "marks", points: [(2.5, 3.1)], style: .markers(hollow: true)),
        ]
        let svg = chart.svg()
        Self.keepSample(svg, "escaping.svg")
        #expect(svg.contains("&lt;train&gt; &amp; &quot;test&quot; &apos;runs&apos;"))
        #expect(!svg.contains("nan") && !svg.contains("inf"), "no non-finite coordinates")
        let xml = try #require(XMLCollector.parse(svg))
        #expect(xml.elements.first?.name == "svg")
        let text = xml.allText
        for expected in ["Loss <train> & \"test\" 'runs'", "a<b", "epoch & step", "nats > 0", "bits = nats / ln 2",
                         "train <A&B>", "test", "marks", "λ=1", "λ=2", "x<y"] {
            #expect(text.contains(expected), "missing text '\(expected)' in \(text)")
        }
        // Tick labels on both y axes and the x axis are evenly spaced 1-2-5 multiples.
        for axis in ["tick x", "tick y", "tick y2"] {
            let values = xml.texts(class: axis).compactMap(Double.init)
            #expect(values.count >= 2, "\(axis): \(xml.texts(class: axis))")
            let steps = zip(values, values.dropFirst()).map { $1 - $0 }
            for s in steps {
                #expect(Self.isOneTwoFive(s), "\(axis) step \(s) in \(values)")
                #expect(Swift.abs(s - steps[0]) < 1e-9 * steps[0], "\(axis) uneven: \(values)")
            }
        }
        #expect(svg.contains("stroke-dasharray"), "dashed series")
    }

    @Test func controlCharactersAreDropped() throws {
        let chart = LineChart(title: "bell\u{07}tab\tend", xLabel: "x", yLabel: "y",
                              series: [.init(name: "s", points: [(0, 0), (1, 1)])])
        let xml = try #require(XMLCollector.parse(chart.svg()))
        #expect(xml.allText.contains("belltab end"))
    }

    @Test func emptyAndDegenerateCharts() throws {
        // No series, a single point, and a fixed range: all still valid documents.
        _ = try #require(XMLCollector.parse(LineChart(title: "empty", xLabel: "x", yLabel: "y").svg()))
        let one = LineChart(title: "one", xLabel: "x", yLabel: "y", series: [.init(name: "p", points: [(2, 2)])])
        _ = try #require(XMLCollector.parse(one.svg()))
        let fixed = LineChart(title: "fixed", xLabel: "x", yLabel: "y",
                              series: [.init(name: "far", points: [(-1e9, 5), (0.5, 0.5), (1e9, -5)])],
                              xRange: 0...1, yRange: 0...1)
        let svg = fixed.svg()
        _ = try #require(XMLCollector.parse(svg))
        #expect(!svg.contains("e+"), "coordinates stay near the picture: clipped, not scaled")
    }

    @Test func longSubtitlesWrapAndShorten() {
        let long = Array(repeating: "word", count: 200).joined(separator: " ")
        let lines = ChartRenderer.wrap(long, size: 13, width: 400, maxLines: 2)
        #expect(lines.count == 2 && lines[1].hasSuffix("…"))
        #expect(lines.allSatisfy { ChartRenderer.textWidth($0, size: 13) <= 400 })
        #expect(ChartRenderer.wrap("short one", size: 13, width: 400, maxLines: 2) == ["short one"])
        #expect(ChartRenderer.wrap("", size: 13, width: 400, maxLines: 2).isEmpty)
    }

    @Test func automaticRangePadsAndStopsAtZero() {
        let r = LineChart.automaticRange([1, 11], includeZero: true, padding: 0.1)
        #expect(r.lowerBound == 0 && Swift.abs(r.upperBound - 12.1) < 1e-12)
        let s = LineChart.automaticRange([1, 11], includeZero: false, padding: 0.1)
        #expect(Swift.abs(s.lowerBound - 0) < 1e-12 && Swift.abs(s.upperBound - 12) < 1e-12)
        #expect(LineChart.automaticRange([], includeZero: false, padding: 0.1) == 0...1)
        #expect(LineChart.automaticRange([3, .nan], includeZero: false, padding: 0.1).contains(3))
    }

    @Test func rateDistortionChart() throws {
        let first = Self.sampleCurve()
        let second = Self.sampleCurve(name: "mnist-mlp", slack: 1.4, withBound: false)
        let chart = RateDistortionChart.make(curves: [first, second], title: "MNIST: rate vs distortion")
        // Sweep lines, bound line, bound markers, second sweep.
        #expect(chart.series.count == 4)
        #expect(chart.series[0].labels?.first == "λ=0.25")
        #expect(chart.secondaryYLabel != nil)
        let svg = chart.svg()
        Self.keepSample(svg, "rate-distortion-two.svg")
        Self.keepSample(RateDistortionChart.make(curves: [first], title: "MNIST: rate vs distortion").svg(), "rate-distortion.svg")
        let xml = try #require(XMLCollector.parse(svg))
        let text = xml.allText
        for expected in ["MNIST: rate vs distortion", "mnist-conv", "mnist-conv: gaussian-covariance bound", "mnist-mlp",
                         "rate R (nats)", "rate (bits = nats / ln 2)"] {
            #expect(text.contains(expected), "missing '\(expected)'")
        }
        #expect(text.filter { $0.hasPrefix("λ=") }.count >= 10, "most points carry their lambda: \(text.filter { $0.hasPrefix("λ=") })")
        // The legend merges the bound's line and markers into one entry.
        #expect(text.filter { $0 == "mnist-conv: gaussian-covariance bound" }.count == 1)
        // Bits ticks: the secondary axis is labelled in bits.
        #expect(!xml.texts(class: "tick y2").isEmpty)
    }

    /// Whether `rsvg-convert` (librsvg2-bin, installed by .ci/run) can be started.
    static let hasRsvgConvert = (run("rsvg-convert", ["--version"])?.status ?? 127) != 127

    @Test(.enabled(if: hasRsvgConvert, "rsvg-convert is not installed (apt-get install librsvg2-bin)"))
    func rendersWithRsvgConvert() throws {
        let folder = TempFolder()
        let svgURL = folder.file("chart.svg"), pngURL = folder.file("chart.png")
        try RateDistortionChart.make(curves: [Self.sampleCurve()], title: "render check").write(to: svgURL)
        let result = try #require(run("rsvg-convert", ["-o", pngURL.path, svgURL.path]))
        #expect(result.status == 0, "rsvg-convert: \(result.stderr)")
        let png = try Data(contentsOf: pngURL)
        #expect(png.count > 1000 && Array(png.prefix(4)) == [0x89, 0x50, 0x4E, 0x47])
    }

    // MARK: CurveData

    @Test func curveDataRoundTrip() throws {
        var curve = Self.sampleCurve()
        curve.results.psnrDb?[2] = nil
        let folder = TempFolder()
        let url = folder.file("sweep/curve.json")
        try curve.write(to: url)
        let text = try String(contentsOf: url, encoding: .utf8)
        for key in ["\"distortion_kind\"", "\"rate_nats\"", "\"mse_per_dim\"", "\"psnr_db\"", "\"mi_estimate_nats\"", "\"at_lambdas\""] {
            #expect(text.contains(key), "missing \(key)")
        }
        #expect(text.contains("null"), "a missing PSNR is written as null")
        #expect(text.range(of: "\"bound\"")!.lowerBound < text.range(of: "\"results\"")!.lowerBound, "sorted keys")
        let back = try CurveData.read(from: url)
        #expect(back == curve)
        // A minimal file: only the required keys.
        let minimal = folder.file("minimal.json")
        try Data(#"{"name": "m", "results": {"lambda": [2, 1], "rate_nats": [3, 1], "distortion": [5, 9]}}"#.utf8).write(to: minimal)
        let m = try CurveData.read(from: minimal)
        #expect(m.bound == nil && m.results.psnrDb == nil && m.lambdaOrder == [1, 0])
    }

    @Test func csvColumns() throws {
        var curve = Self.sampleCurve()
        curve.results.psnrDb = [nil, 10, 11, 12, 13, 14, 15, 16]
        curve.bound?.atLambdas?.lambda[7] = 999   // no bound point at lambda 32
        let lines = curve.csv().split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(lines[0] == "lambda,rate_nats,rate_bits,distortion,mse_per_dim,psnr_db,mi_estimate_nats,objective,bound_rate_nats,bound_distortion,bound_objective")
        #expect(lines.count == 1 + 8 + 1 && lines.last == "")
        let first = lines[1].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        #expect(first.count == 11)
        #expect(first[0] == "0.25" && first[5] == "" && Double(first[1]) == curve.results.rateNats[0])
        #expect(Double(first[8]) == curve.bound?.atLambdas?.rateNats[0])
        let last = lines[8].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        #expect(last[0] == "32" && last[8] == "" && last[9] == "" && last[10] == "")
        // Rows follow lambda order even when the file does not.
        let unsorted = CurveData(name: "u", results: .init(lambda: [4, 1], rateNats: [1, 2], distortion: [3, 4]))
        #expect(unsorted.csv().split(separator: "\n").dropFirst().map { $0.prefix(2) } == ["1,", "4,"])
        #expect(unsorted.csv().split(separator: "\n")[1] == "1,2,,4,,,,,,,")
    }

    @Test func malformedCurveFilesNameTheFileAndTheProblem() throws {
        let folder = TempFolder()
        let broken = folder.file("broken.json")
        try Data("{\"name\": \"x\", \"results\": [1, 2".utf8).write(to: broken)
        expectRDAIOError(.badHeader, ["broken.json", "not valid JSON"]) { _ = try CurveData.read(from: broken) }

        let missing = folder.file("missing-key.json")
        try Data(#"{"name": "x", "results": {"lambda": [1], "distortion": [2]}}"#.utf8).write(to: missing)
        expectRDAIOError(.badHeader, ["missing-key.json", "missing key results.rate_nats"]) { _ = try CurveData.read(from: missing) }

        let wrongType = folder.file("wrong-type.json")
        try Data(#"{"name": "x", "results": {"lambda": [1, "two"], "rate_nats": [1, 2], "distortion": [2, 3]}}"#.utf8).write(to: wrongType)
        expectRDAIOError(.badHeader, ["wrong-type.json", "results.lambda[1]", "number"]) { _ = try CurveData.read(from: wrongType) }

        let uneven = folder.file("uneven.json")
        try Data(#"{"name": "x", "results": {"lambda": [1, 2], "rate_nats": [1], "distortion": [2, 3]}}"#.utf8).write(to: uneven)
        expectRDAIOError(.sizeMismatch, ["uneven.json", "results.rate_nats has 1 entries but results.lambda has 2"]) {
            _ = try CurveData.read(from: uneven)
        }

        expectRDAIOError(.fileNotFound, ["nowhere.json"]) { _ = try CurveData.read(from: folder.file("nowhere.json")) }
        expectRDAIOError(.notReadable, ["is a folder"]) { _ = try CurveData.read(from: folder.url) }

        var nan = Self.sampleCurve()
        nan.results.rateNats[0] = .nan
        // JSON cannot hold NaN: written as null, with what it was under non_finite (issue 10);
        // reading it back names the entry
        try nan.write(to: folder.file("nan.json"))
        let written = try JSONSerialization.jsonObject(with: Data(contentsOf: folder.file("nan.json"))) as! [String: Any]
        #expect(written["non_finite"] as? [String: String] == ["results.rate_nats[0]": "nan"])
        expectRDAIOError(.badHeader, ["results.rate_nats[0]"]) { _ = try CurveData.read(from: folder.file("nan.json")) }
    }
}
