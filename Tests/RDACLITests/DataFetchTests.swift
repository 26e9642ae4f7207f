import Testing
import Foundation
import RDAIO

/// A local HTTP server (Python's http.server) on 127.0.0.1 serving the files of `root` under
/// four behaviours, by the first path component:
///   /good/NAME   the file, honouring `Range: bytes=N-` with 206
///   /wrong/NAME  the file's bytes reversed (same size, wrong checksum)
///   /cut/NAME    announces the whole file, sends half, closes the connection
///   /missing/    404
///   /long/NAME   the file followed by 4 MB more, without a Content-Length (a mirror that streams on)
///   /slow/NAME   announces the whole file, then sends one byte every 0.2 s
/// Every request is logged as "PATH RANGE" lines to `log`.
final class LocalHTTPServer {
    let pid: Int32
    let port: Int
    let log: URL

    static let script = #"""
import http.server, os, socket, sys
# Close pipe ends inherited from the test process (other tests' rda runs): a reader waiting for
# their end of file must not wait for this server.
os.closerange(3, 65536)
# A spawned child can inherit a blocked SIGTERM: unblock it, and stop by itself after 5 minutes
# in any case, so that no server outlives its test.
import signal, threading
signal.pthread_sigmask(signal.SIG_UNBLOCK, [signal.SIGTERM])
signal.signal(signal.SIGTERM, signal.SIG_DFL)
threading.Timer(300, lambda: os._exit(0)).start()
root, log = sys.argv[1], sys.argv[2]
class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass
    def do_GET(self):
        with open(log, "a") as f:
            f.write("%s %s\n" % (self.path, self.headers.get("Range", "-")))
        parts = self.path.strip("/").split("/")
        mode, name = parts[0], parts[-1]
        path = os.path.join(root, name)
        if mode not in ("good", "wrong", "cut", "long", "slow") or not os.path.isfile(path):
            self.send_error(404)
            return
        with open(path, "rb") as f:
            data = f.read()
        if mode == "wrong":
            data = data[::-1]
        start = 0
        ask = self.headers.get("Range")
        if mode == "good" and ask and ask.startswith("bytes="):
            start = int(ask[6:].split("-")[0])
            self.send_response(206)
            self.send_header("Content-Range", "bytes %d-%d/%d" % (start, len(data) - 1, len(data)))
        else:
            self.send_response(200)
        body = data[start:]
        if mode == "long":
            self.end_headers()
            try:
                self.wfile.write(body + b"x" * (4 << 20))
            except OSError:
                pass
            self.close_connection = True
            return
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if mode == "slow":
            import time
            try:
                for b in body:
                    self.wfile.write(bytes([b]))
                    self.wfile.flush()
                    time.sleep(0.2)
            except OSError:
                pass
            return
        if mode == "cut":
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        self.wfile.write(body)
server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
with open(sys.argv[3] + ".tmp", "w") as f:
    f.write(str(server.server_address[1]))
os.rename(sys.argv[3] + ".tmp", sys.argv[3])
server.serve_forever()
"""#

    /// Starts the server detached (through sh), so that no long-lived child of the test process
    /// sits beside the rda runs it waits for; it is stopped by its process id.
    init(serving root: URL) throws {
        let dir = temporaryFolder("rda-http")
        let scriptURL = dir.appendingPathComponent("server.py")
        let portFile = dir.appendingPathComponent("port"), pidFile = dir.appendingPathComponent("pid")
        log = dir.appendingPathComponent("requests.log")
        try Self.script.write(to: scriptURL, atomically: true, encoding: .utf8)
        FileManager.default.createFile(atPath: log.path, contents: nil)
        let launch = try runProgram(["sh", "-c", "python3 '\(scriptURL.path)' '\(root.path)' '\(log.path)' '\(portFile.path)' </dev/null >/dev/null 2>&1 & echo $! > '\(pidFile.path)'"])
        guard launch.status == 0, let p = Int32(((try? String(contentsOf: pidFile, encoding: .utf8)) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw RDAIOError(.notFound, subject: "test server", problem: "did not start", fix: "")
        }
        pid = p
        var found: Int?
        for _ in 0..<200 where found == nil {
            found = Int(((try? String(contentsOf: portFile, encoding: .utf8)) ?? "").trimmingCharacters(in: .whitespacesAndNewlines))
            if found == nil { usleep(50_000) }
        }
        guard let found else {
            kill(pid, SIGTERM)
            throw RDAIOError(.notFound, subject: "test server", problem: "did not report its port", fix: "")
        }
        port = found
    }

    func base(_ mode: String) -> String { "http://127.0.0.1:\(port)/\(mode)/" }
    var requests: [String] { ((try? String(contentsOf: log, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init) }

    deinit {
        kill(pid, SIGTERM)
    }
}

let hasPython3: Bool = (try? runProgram(["python3", "-c", "import http.server"]))?.status == 0

@Suite("rda data fetch against a local HTTP server", .serialized,
       .enabled(if: hasPython3 && sharedData != nil, "needs python3 and ../shared/data/mnist"))
struct DataFetchTests {
    let names = ["train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"]

    func contents(_ dir: URL) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []).sorted()
    }

    @Test func fetchesVerifiesResumesAndSkips() throws {
        let server = try LocalHTTPServer(serving: sharedData!.appendingPathComponent("mnist"))
        let dest = temporaryFolder("rda-fetch")
        defer { try? FileManager.default.removeItem(at: dest) }
        let to = dest.appendingPathComponent("mnist")

        // A transfer cut half-way keeps its bytes in a hidden .part file, and names the fix.
        let cut = try runRDA(["data", "fetch", "mnist", "--to", to.path, "--url", server.base("cut")])
        expectCleanFailure(cut, mentions: ["train-images-idx3-ubyte.gz", "again to resume"])
        #expect(contents(to) == [".train-images-idx3-ubyte.gz.part"])
        let partSize = try FileManager.default.attributesOfItem(atPath: to.appendingPathComponent(".train-images-idx3-ubyte.gz.part").path)[.size] as! Int
        #expect(partSize > 0 && partSize < 9_912_422)

        // The next run asks for the rest only, and every file ends up checked and in place.
        let good = try runRDA(["data", "fetch", "mnist", "--to", to.path, "--url", server.base("good")])
        #expect(good.status == 0, "\(good.stderr)")
        #expect(server.requests.contains("/good/train-images-idx3-ubyte.gz bytes=\(partSize)-"), "\(server.requests)")
        #expect(contents(to) == names.sorted())
        for name in names {
            #expect(DatasetDownload.sha256(of: to.appendingPathComponent(name)) == DatasetDownload.sha256(of: sharedData!.appendingPathComponent("mnist/" + name)))
        }
        // rda finds them where fetch put them
        let train = try runRDA(["train", "--data", "mnist", "--data-dir", to.path, "--arch", "linear", "--examples", "256",
                                "--epochs", "1", "--out", dest.appendingPathComponent("run").path])
        #expect(train.status == 0, "\(train.stderr)")

        // A second fetch finds every file verified and downloads nothing.
        let before = server.requests.count
        let again = try runRDA(["data", "fetch", "mnist", "--to", to.path, "--url", server.base("good")])
        #expect(again.status == 0 && again.stderr.contains("already there"), "\(again.stderr)")
        #expect(server.requests.count == before)
    }

    @Test func wrongFileIsDeletedAndNamed() throws {
        let server = try LocalHTTPServer(serving: sharedData!.appendingPathComponent("mnist"))
        let to = temporaryFolder("rda-fetch")
        defer { try? FileManager.default.removeItem(at: to) }
        let r = try runRDA(["data", "fetch", "mnist", "--to", to.path, "--url", server.base("wrong")])
        expectCleanFailure(r, mentions: ["SHA-256 mismatch", "deleted", "train-images-idx3-ubyte.gz"])
        #expect(contents(to).isEmpty)
    }

    @Test func missingFileAndUnreachableServerFailCleanly() throws {
        let server = try LocalHTTPServer(serving: sharedData!.appendingPathComponent("mnist"))
        let to = temporaryFolder("rda-fetch")
        defer { try? FileManager.default.removeItem(at: to) }
        let missing = try runRDA(["data", "fetch", "mnist", "--to", to.path, "--url", server.base("missing")])
        expectCleanFailure(missing, mentions: ["HTTP 404", "--url"])
        #expect(contents(to).isEmpty)
        let closedPort = server.port == 1 ? 2 : 1   // nothing listens on port 1 or 2
        let unreachable = try runRDA(["data", "fetch", "mnist", "--to", to.path, "--url", "http://127.0.0.1:\(closedPort)/"])
        expectCleanFailure(unreachable, mentions: ["train-images-idx3-ubyte.gz", "failed"])
        let badURL = try runRDA(["data", "fetch", "mnist", "--to", to.path, "--url", "ftp://example/"])
        expectCleanFailure(badURL, mentions: ["http"])
        let unknown = try runRDA(["data", "fetch", "cifar", "--to", to.path])
        expectCleanFailure(unknown, mentions: ["cifar", "mnist", "fashion-mnist"])
    }

    @Test func streamPastTheCataloguedSizeIsStoppedAndDeleted() throws {
        let server = try LocalHTTPServer(serving: sharedData!.appendingPathComponent("mnist"))
        let to = temporaryFolder("rda-fetch").appendingPathComponent("mnist")
        defer { try? FileManager.default.removeItem(at: to.deletingLastPathComponent()) }
        let r = try runRDA(["data", "fetch", "mnist", "--to", to.path, "--url", server.base("long")])
        expectCleanFailure(r, mentions: ["more than the 9912422 bytes", "deleted"])
        #expect(!FileManager.default.fileExists(atPath: to.path), "no empty folder left: \(contents(to))")
        #expect(r.stderr.split(separator: "\n").count <= 2, "\(r.stderr)")
    }

    @Test func trickleStopsAtTheDeadlineWithProgressAndKeepsItsBytes() throws {
        let server = try LocalHTTPServer(serving: sharedData!.appendingPathComponent("mnist"))
        let to = temporaryFolder("rda-fetch").appendingPathComponent("mnist")
        defer { try? FileManager.default.removeItem(at: to.deletingLastPathComponent()) }
        let start = Date()
        let r = try runRDA(["data", "fetch", "mnist", "--to", to.path, "--url", server.base("slow"), "--timeout", "2"])
        #expect(Date().timeIntervalSince(start) < 20)
        expectCleanFailure(r, mentions: ["deadline", "--timeout", "kept them"])
        #expect(r.stderr.contains("train-images-idx3-ubyte.gz  0.0 MB / 9.9 MB"), "a progress line: \(r.stderr)")
        #expect(contents(to) == [".train-images-idx3-ubyte.gz.part"])
        for bad in ["0", "-1", "nan", "1e9"] {
            expectCleanFailure(try runRDA(["data", "fetch", "mnist", "--to", to.path, "--timeout", bad]), mentions: ["--timeout"])
        }
    }

    @Test func fileURLCopiesAndFailuresAreOneShortLineWithTheDataDirHint() throws {
        let dest = temporaryFolder("rda-fetch")
        defer { try? FileManager.default.removeItem(at: dest) }
        let to = dest.appendingPathComponent("a/b/mnist")
        let ok = try runRDA(["data", "fetch", "mnist", "--to", to.path, "--url", sharedData!.appendingPathComponent("mnist").absoluteString])
        #expect(ok.status == 0, "\(ok.stderr)")
        #expect(contents(to) == names.sorted())
        // A failure leaves no folder it created, says each thing once, and names --data-dir.
        let to2 = dest.appendingPathComponent("c/d/mnist")
        let r = try runRDA(["data", "fetch", "mnist", "--to", to2.path, "--url", dest.appendingPathComponent("nothing-here/").absoluteString])
        expectCleanFailure(r, mentions: ["no such file", "--url"])
        #expect(!FileManager.default.fileExists(atPath: dest.appendingPathComponent("c").path))
        let closed = try runRDA(["data", "fetch", "mnist", "--to", to2.path, "--url", "http://127.0.0.1:1/"])
        expectCleanFailure(closed, mentions: ["connection refused", "--data-dir"])
        #expect(!closed.stderr.contains("NSURLErrorDomain"), "\(closed.stderr)")
        #expect(closed.stderr.components(separatedBy: "check the network").count == 2, "said once: \(closed.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dest.appendingPathComponent("c").path))
    }

    @Test func defaultFolderIsTheFirstPlaceRdaSearches() throws {
        let server = try LocalHTTPServer(serving: sharedData!.appendingPathComponent("mnist"))
        let root = temporaryFolder("rda-fetch-env")
        defer { try? FileManager.default.removeItem(at: root) }
        let r = try runRDA(["data", "fetch", "MNIST", "--url", server.base("good")], environment: ["RDA_DATA_DIR": root.path])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(contents(root.appendingPathComponent("mnist")) == names.sorted())
        let e = try runRDA(["train", "--data", "mnist", "--arch", "linear", "--examples", "128", "--epochs", "1",
                            "--out", root.appendingPathComponent("run").path], environment: ["RDA_DATA_DIR": root.path])
        #expect(e.status == 0, "\(e.stderr)")
    }
}
