import RDAReport
import Testing
import Foundation
import RDAIO

/// Where Debian's chromium is, if installed.
let chromiumPath: String? = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first { FileManager.default.isExecutableFile(atPath: $0) }

/// Decodes an 8-bit PNG of any colour type chromium writes (grey, RGB, RGBA; filters 0-4) with
/// Python's zlib and prints "width height distinct_colours fraction_of_non_white_pixels".
let pngStatsScript = """
import sys, zlib, struct
b = open(sys.argv[1], 'rb').read(); assert b[:8] == b'\\x89PNG\\r\\n\\x1a\\n'
o, idat = 8, b''
while o < len(b):
    n, t = struct.unpack('>I4s', b[o:o+8]); body = b[o+8:o+8+n]; o += 12 + n
    if t == b'IHDR': w, h, depth, ct = struct.unpack('>IIBB', body[:10])
    elif t == b'IDAT': idat += body
assert depth == 8 and ct in (0, 2, 6)
bpp = {0: 1, 2: 3, 6: 4}[ct]; raw = zlib.decompress(idat); stride = w * bpp
prev = bytearray(stride); rows = []; p = 0
for y in range(h):
    f = raw[p]; line = bytearray(raw[p+1:p+1+stride]); p += 1 + stride
    for i in range(stride):
        a = line[i-bpp] if i >= bpp else 0; up = prev[i]; c = prev[i-bpp] if i >= bpp else 0
        if f == 1: line[i] = (line[i] + a) & 255
        elif f == 2: line[i] = (line[i] + up) & 255
        elif f == 3: line[i] = (line[i] + (a + up) // 2) & 255
        elif f == 4:
            q = a + up - c; pa, pb, pc = abs(q - a), abs(q - up), abs(q - c)
            line[i] = (line[i] + (a if pa <= pb and pa <= pc else up if pb <= pc else c)) & 255
    rows.append(bytes(line)); prev = line
px = [r[i:i+min(bpp, 3)] for r in rows for i in range(0, stride, bpp)]
print(w, h, len(set(px)), sum(1 for q in px if min(q) < 250) / len(px))
"""

/// Runs a program; nil when it cannot start.
func runProgram(_ path: String, _ args: [String]) -> (status: Int32, output: String)? {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: path)
    p.arguments = args
    let pipe = Pipe()
    p.standardOutput = pipe; p.standardError = FileHandle.nullDevice
    do { try p.run() } catch { return nil }
    let out = pipe.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return (p.terminationStatus, String(decoding: out, as: UTF8.self))
}

/// Checks a captioned picture grid's size against its image area (`plainWidth` x `plainHeight`,
/// the grid without captions) at text scale t = `LabelledGrid.textScale`: the left margin is the
/// widest row label, (6 n - 1) t for n characters (n = `labelChars` when known), plus 6 t; above
/// the images are the title band (3 t + 10 t per line, at least one line) and, when
/// `columnScale` c is given, the column-label band 7 c + 2 t. `titleWider`: a narrow grid whose
/// title line, (6 k - 1) t + 6 t for k characters, is wider than the margin and the images.
func expectCaptioned(_ png: (width: Int, height: Int), plainWidth: Int, plainHeight: Int, scale: Int, labelChars: Int? = nil,
                     columnScale: Int?, titleWider: Bool = false, _ what: String) {
    let t = LabelledGrid.textScale(forImageScale: scale)
    let label = png.width - plainWidth - 6 * t
    if titleWider, let n = labelChars {
        let line = png.width - 6 * t
        #expect(label > (6 * n - 1) * t && line % t == 0 && (line / t + 1) % 6 == 0, "\(what): width \(png.width), image area \(plainWidth)")
    } else if let n = labelChars {
        #expect(label == (6 * n - 1) * t, "\(what): width \(png.width), image area \(plainWidth)")
    } else {
        #expect(label > 0 && label % t == 0 && (label / t + 1) % 6 == 0, "\(what): width \(png.width), image area \(plainWidth)")
    }
    let title = png.height - plainHeight - 3 * t - (columnScale.map { 7 * $0 + 2 * t } ?? 0)
    #expect(title > 0 && title % (10 * t) == 0, "\(what): height \(png.height), image area \(plainHeight)")
}

@Suite("Reports, charts and latent pictures")
struct ReportTests {
    func json(_ url: URL) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
    }

    @Test(.enabled(if: sharedData != nil, "needs ../shared/data/mnist"))
    func imageRunWritesItsPageChartsAndPictures() throws {
        let dir = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let run = dir.appendingPathComponent("run")
        let t = try runRDA(["train", "--data", "mnist", "--data-dir", sharedData!.path, "--examples", "512", "--epochs", "2",
                            "--widths", "4,8", "--latent-dim", "6", "--pictures-every", "1", "--scale", "3", "--out", run.path])
        #expect(t.status == 0, "\(t.stderr)")
        #expect(t.stderr.contains("ETA"), "the epoch line gives an ETA: \(t.stderr)")
        for f in ["report.html", "training.svg", "rate-per-dim.svg", "samples.png", "reconstructions.png", "interpolations.png",
                  "traversals.png", "samples-epoch-1.png", "samples-epoch-2.png"] {
            #expect(FileManager.default.fileExists(atPath: run.appendingPathComponent(f).path), "\(f) missing")
        }
        // rate_per_dim_nats: K entries that add up to the closed-form rate.
        let e = try json(run.appendingPathComponent("eval.json"))
        let perDim = try #require(e["rate_per_dim_nats"] as? [Double])
        let rate = e["rate_nats"] as! Double
        #expect(perDim.count == 6 && perDim.allSatisfy { $0 >= -1e-6 })
        #expect(Swift.abs(perDim.reduce(0, +) - rate) < 1e-4 * max(1, rate), "\(perDim) vs \(rate)")
        // Interpolations: 6 rows of 1 + 9 + 1 images of 28 x 3 pixels, two group gaps of 10; rows
        // "pair 1" ... "pair 6", t above the columns at text scale 2 ("0.125" fits 84 + 2 pixels).
        let interp = try PNG.read(from: run.appendingPathComponent("interpolations.png"))
        expectCaptioned((interp.width, interp.height), plainWidth: 2 + 11 * (84 + 2) + 2 * 8, plainHeight: 2 + 6 * (84 + 2),
                        scale: 3, labelChars: 6, columnScale: 2, "interpolations.png")
        // The captions are drawn in black (the grid's gaps are grey 160): ink left of the images.
        let margin = (6 * 6 - 1) * 2 + 12
        #expect(interp.channels == 1 && (0..<interp.height).contains { y in (0..<margin).contains { interp.pixels[y * interp.width + $0] == 0 } })
        // Reconstructions: 4 triples per row, 3 group gaps; rows "examples 1-4" ... "examples 13-16".
        let rec = try PNG.read(from: run.appendingPathComponent("reconstructions.png"))
        expectCaptioned((rec.width, rec.height), plainWidth: 2 + 12 * (84 + 2) + 3 * 8, plainHeight: 2 + 4 * (84 + 2),
                        scale: 3, labelChars: 14, columnScale: 2, "reconstructions.png")
        let html = try String(contentsOf: run.appendingPathComponent("report.html"), encoding: .utf8)
        for piece in ["training.svg", "rate-per-dim.svg", "interpolations.png", "traversals.png", "samples-epoch-2.png",
                      "rate_nats", "bits", "example | through the noisy channel"] where piece != "rate_nats" {
            #expect(html.contains(piece), "report.html lacks \(piece)")
        }
        #expect(!html.contains("<script"))
        #expect(html.contains("Training took") && html.contains("training examples per second"), "training time missing")
        // the VAE figure papers quote (a code length) is on the page, beside the density one
        let eightBit = try #require(e["bits_per_dim_8bit"] as? Double)
        #expect(html.contains("with 8-bit pixels \(String(format: "%.4f", eightBit)) bits per dimension"), "8-bit bits/dim missing")

        // The commands, at another scale.
        let i = try runRDA(["interpolate", "--model", run.path, "--data-dir", sharedData!.path, "--pairs", "2", "--steps", "4",
                            "--scale", "1", "--out", dir.appendingPathComponent("i.png").path])
        #expect(i.status == 0, "\(i.stderr)")
        let ip = try PNG.read(from: dir.appendingPathComponent("i.png"))
        expectCaptioned((ip.width, ip.height), plainWidth: 2 + 6 * 30 + 2 * 8, plainHeight: 2 + 2 * 30, scale: 1, labelChars: 6,
                        columnScale: 1, "interpolate --scale 1")
        let tr = try runRDA(["traverse", "--model", run.path, "--data-dir", sharedData!.path, "--dims", "3", "--steps", "5",
                             "--out", dir.appendingPathComponent("t.png").path])
        #expect(tr.status == 0, "\(tr.stderr)")
        let tp = try PNG.read(from: dir.appendingPathComponent("t.png"))
        // Rows "dim k: rate nats" (length unknown); t = -2.5 ... 2.5 above the columns at text scale 1.
        expectCaptioned((tp.width, tp.height), plainWidth: 2 + 6 * 58 + 1 * 8, plainHeight: 2 + 3 * 58, scale: 2,
                        columnScale: 1, "traverse")
        expectCleanFailure(try runRDA(["traverse", "--model", run.path, "--data-dir", sharedData!.path, "--scale", "0"]), mentions: ["--scale"])

        // rda report rebuilds the page of an existing folder.
        try FileManager.default.removeItem(at: run.appendingPathComponent("report.html"))
        try FileManager.default.removeItem(at: run.appendingPathComponent("traversals.png"))
        let r = try runRDA(["report", run.path])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(FileManager.default.fileExists(atPath: run.appendingPathComponent("report.html").path))
        #expect(FileManager.default.fileExists(atPath: run.appendingPathComponent("traversals.png").path))
        expectCleanFailure(try runRDA(["report", dir.appendingPathComponent("nowhere").path]), mentions: ["no such folder"])
        expectCleanFailure(try runRDA(["report", dir.path]), mentions: ["neither a run folder"])
    }

    /// Renders a run's report.html in headless Chromium (Debian's `chromium`) and checks the
    /// screenshot: the right size, many colours, and a good part of it not white.
    @Test(.enabled(if: sharedData != nil, "needs ../shared/data/mnist"),
          .enabled(if: chromiumPath != nil, "chromium is not installed (apt-get install -y chromium): report.html is not rendered in a browser"))
    func reportRendersInABrowser() throws {
        let dir = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let run = dir.appendingPathComponent("run")
        let t = try runRDA(["train", "--data", "mnist", "--data-dir", sharedData!.path, "--examples", "256", "--epochs", "1",
                            "--widths", "4,8", "--latent-dim", "4", "--out", run.path])
        #expect(t.status == 0, "\(t.stderr)")
        let shot = dir.appendingPathComponent("report.png")
        let c = runProgram(chromiumPath!, ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--screenshot=\(shot.path)",
                                           "--window-size=1000,1000", run.appendingPathComponent("report.html").absoluteString])
        #expect(c?.status == 0)
        let stats = try #require(runProgram("/usr/bin/env", ["python3", "-c", pngStatsScript, shot.path]))
        let parts = stats.output.split(separator: " ").compactMap { Double($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        #expect(parts.count == 4, "python3 PNG reader: \(stats.output)")
        if parts.count == 4 {
            #expect(parts[0] == 1000 && parts[1] == 1000)
            #expect(parts[2] > 50, "only \(parts[2]) colours: blank page?")
            #expect(parts[3] > 0.03, "only \(parts[3] * 100)% of the page is not white")
        }
    }

    @Test func gaussianSweepPageLinksEveryRun() throws {
        let dir = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let s = try runRDA(["sweep", "--data", "gaussian:4,1,0.25", "--examples", "512", "--test-examples", "512", "--epochs", "2",
                            "--batch-size", "64", "--lambdas", "0.5,4", "--out", dir.path])
        #expect(s.status == 0, "\(s.stderr)")
        let html = try String(contentsOf: dir.appendingPathComponent("report.html"), encoding: .utf8)
        for lambda in ["0.5", "4"] {
            let page = "lambda-\(lambda)/report.html"
            #expect(html.contains("href=\"\(page)\""), "sweep page does not link \(page)")
            #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent(page).path))
            // The bound's allocation per component: water level 1/(2 lambda).
            let e = try json(dir.appendingPathComponent("lambda-\(lambda)/eval.json"))
            let bound = try #require(e["bound_rate_per_component_nats"] as? [Double])
            let theta = 1 / (2 * Double(lambda)!)
            let expected = [4.0, 1, 0.25].map { 0.5 * log($0 / min($0, theta)) }
            #expect(zip(bound, expected).allSatisfy { Swift.abs($0 - $1) < 1e-12 } && bound.count == 3, "\(bound)")
            #expect((e["rate_per_dim_nats"] as? [Double])?.count == 3)
        }
        for f in ["curve.svg", "rate-per-dim.svg"] {
            #expect(html.contains(f) && FileManager.default.fileExists(atPath: dir.appendingPathComponent(f).path))
        }
        // no pictures for a non-image source, but charts
        #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("lambda-4/rate-per-dim.svg").path))
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("lambda-4/samples.png").path))
        // rda report on the sweep folder rewrites both levels.
        try FileManager.default.removeItem(at: dir.appendingPathComponent("report.html"))
        try FileManager.default.removeItem(at: dir.appendingPathComponent("lambda-4/report.html"))
        let r = try runRDA(["report", dir.path])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("report.html").path))
        #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("lambda-4/report.html").path))
    }
}
