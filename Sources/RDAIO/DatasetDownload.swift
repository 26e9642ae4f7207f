import Foundation
#if canImport(FoundationNetworking) && !RDA_OFFLINE
import FoundationNetworking
#endif

/// Downloading the IDX files of a known data set (`rda data fetch`).
///
/// Each file goes to `.<name>.part` in the destination folder, is checked against the SHA-256
/// compiled in below, and only then renamed to `<name>`: a reader never sees a partial or wrong
/// file. A file that fails the check is deleted. A transfer that stops part-way keeps its
/// `.part` file, and the next fetch asks the server for the rest (an HTTP range request); a
/// server that ignores the range sends the whole file again, which replaces the part.
///
/// A transfer never writes more than the catalogued size of its file (a server that sends more
/// is refused and its bytes deleted), and the whole fetch has a deadline (`fetch(deadline:)`):
/// a server that trickles bytes cannot keep it waiting without end. `--url file:///DIR/` copies
/// from a local folder through the same checks.
public enum DatasetDownload {
    /// The whole-fetch deadline `rda data fetch` uses unless `--timeout` says otherwise, seconds.
    public static let defaultTimeout: Double = 1800
    /// What every error about the network ends with: the three ways round it.
    static let networkFix = "check the network, pass --url of a mirror (http://, https:// or file:// folder), or use a copy on disk with --data-dir DIR"

    /// One file of a data set, as published.
    public struct File: Sendable, Equatable {
        public var name: String
        public var bytes: Int64
        public var sha256: String
    }

    /// A data set's files and where they are published (tried in order).
    public struct Catalog: Sendable {
        public var name: String
        public var files: [File]
        public var baseURLs: [String]
    }

    /// The data sets `fetch` knows, with the sums of the original distribution files.
    public static let catalogs: [String: Catalog] = [
        "mnist": Catalog(name: "mnist", files: [
            File(name: "train-images-idx3-ubyte.gz", bytes: 9_912_422, sha256: "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609"),
            File(name: "train-labels-idx1-ubyte.gz", bytes: 28_881, sha256: "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c"),
            File(name: "t10k-images-idx3-ubyte.gz", bytes: 1_648_877, sha256: "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6"),
            File(name: "t10k-labels-idx1-ubyte.gz", bytes: 4_542, sha256: "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6"),
        ], baseURLs: ["http://yann.lecun.com/exdb/mnist/", "https://ossci-datasets.s3.amazonaws.com/mnist/"]),
        "fashion-mnist": Catalog(name: "fashion-mnist", files: [
            File(name: "train-images-idx3-ubyte.gz", bytes: 26_421_880, sha256: "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84"),
            File(name: "train-labels-idx1-ubyte.gz", bytes: 29_515, sha256: "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845"),
            File(name: "t10k-images-idx3-ubyte.gz", bytes: 4_422_102, sha256: "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073"),
            File(name: "t10k-labels-idx1-ubyte.gz", bytes: 5_148, sha256: "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5"),
        ], baseURLs: ["http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"]),
    ]

    /// What `fetch` reports as it goes.
    public enum Event: Sendable {
        /// `received` of `total` bytes of `file` are on disk (total when known).
        case progress(file: String, received: Int64, total: Int64?)
        /// `file` is in place and its SHA-256 matches; `downloaded` is false when it already was.
        case verified(file: String, bytes: Int64, downloaded: Bool)
        /// A source failed and the next one is tried.
        case retrying(file: String, reason: String)
    }

    /// The folder `fetch` writes to by default: the first of rda's search places that needs no
    /// option, `$RDA_DATA_DIR/<name>` when that variable is set, otherwise `~/.cache/rda/<name>`.
    public static func defaultFolder(for name: String,
                                     environment: [String: String] = ProcessInfo.processInfo.environment) -> URL {
        let name = DatasetLocator.canonicalName(name) ?? name
        if let root = environment[DatasetLocator.environmentVariable], !root.isEmpty {
            return DatasetLocator.expand(root, environment: environment).appendingPathComponent(name)
        }
        return DatasetLocator.home(environment).appendingPathComponent(".cache/rda").appendingPathComponent(name)
    }

    /// The folder of data set `name` under `systemFolder` (Debian's `dataset-*` packages install
    /// into `/usr/share/datasets/<name>`) when it holds the data set's files, else nil: `fetch`
    /// has nothing to download then.
    public static func installedCopy(of name: String, systemFolder: String = DatasetLocator.systemFolder) -> URL? {
        guard let known = DatasetLocator.canonicalName(name) else { return nil }
        let folder = URL(fileURLWithPath: systemFolder).appendingPathComponent(known)
        return DatasetLocator.files(in: folder) != nil ? folder : nil
    }

    /// Downloads every file of data set `name` into `folder` (created if needed), skipping files
    /// already there with the right checksum. On failure, folders this call created and left
    /// empty are removed again.
    ///
    /// - Parameters:
    ///   - baseURL: a folder URL holding the files (`http://`, `https://` or `file://`), instead of
    ///     the published locations.
    ///   - deadline: when the whole fetch must be done; a transfer still running then stops,
    ///     keeping its bytes for the next fetch to resume.
    /// - Throws: `RDAIOError` naming the file, what failed and what to do.
    public static func fetch(_ name: String, to folder: URL, baseURL: String? = nil,
                             deadline: Date = Date(timeIntervalSinceNow: defaultTimeout),
                             events: @escaping (Event) -> Void = { _ in }) throws {
        guard let known = DatasetLocator.canonicalName(name), let catalog = catalogs[known] else {
            throw RDAIOError(.invalidArgument, subject: "dataset '\(name)'", problem: "rda cannot fetch it",
                             fix: "use one of: \(catalogs.keys.sorted().joined(separator: ", "))")
        }
        let bases = baseURL.map { [$0] } ?? catalog.baseURLs
        for base in bases {
            guard let url = URL(string: base), let scheme = url.scheme, ["http", "https", "file"].contains(scheme.lowercased()) else {
                throw RDAIOError(.invalidArgument, subject: base, problem: "not an http://, https:// or file:// URL",
                                 fix: "pass --url http://HOST/PATH/ (or file:///PATH/) of a folder holding the files")
            }
        }
        // the folders that do not exist yet, deepest first: removed again if the fetch fails
        var created: [URL] = []
        var probe = folder.standardizedFileURL
        while !FileManager.default.fileExists(atPath: probe.path), probe.path != "/" {
            created.append(probe)
            probe = probe.deletingLastPathComponent()
        }
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        } catch {
            throw RDAIOError(.notWritable, subject: folder.path, problem: "cannot create the folder",
                             fix: "pass --to a writable folder")
        }
        do {
            for file in catalog.files {
                try fetch(file, into: folder, bases: bases, deadline: deadline, events: events)
            }
        } catch {
            for dir in created where ((try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? ["?"]).isEmpty {
                try? FileManager.default.removeItem(at: dir)
            }
            throw error
        }
    }

    // MARK: Internals

    static func fetch(_ file: File, into folder: URL, bases: [String], deadline: Date, events: @escaping (Event) -> Void) throws {
        let target = folder.appendingPathComponent(file.name)
        let part = folder.appendingPathComponent(".\(file.name).part")
        if let digest = sha256(of: target) {
            if digest == file.sha256 {
                events(.verified(file: file.name, bytes: file.bytes, downloaded: false))
                return
            }
        }
        var failures: [RDAIOError] = []
        for (i, base) in bases.enumerated() {
            let source = base.hasSuffix("/") ? base + file.name : base + "/" + file.name
            do {
                try download(source, to: part, expected: file.bytes, deadline: deadline, events: { received, total in
                    events(.progress(file: file.name, received: received, total: total))
                })
                let digest = sha256(of: part) ?? ""
                guard digest == file.sha256 else {
                    let size = (try? FileManager.default.attributesOfItem(atPath: part.path)[.size] as? Int64) ?? nil
                    try? FileManager.default.removeItem(at: part)
                    let sizeNote = size.map { $0 == file.bytes ? "" : ", \($0) bytes instead of \(file.bytes)" } ?? ""
                    throw RDAIOError(.corruptData, subject: source,
                                     problem: "SHA-256 mismatch (got \(digest.prefix(16))..., expected \(file.sha256.prefix(16))...\(sizeNote)); deleted the download",
                                     fix: "the server sent another file: check --url, or fetch again")
                }
                try rename(part, to: target)
                events(.verified(file: file.name, bytes: file.bytes, downloaded: true))
                return
            } catch let error as RDAIOError {
                failures.append(error)
                if i + 1 < bases.count { events(.retrying(file: file.name, reason: error.problem)) }
                if error.kind == .notWritable || Date() >= deadline { break }   // another source cannot help
            }
        }
        if failures.count == 1 { throw failures[0] }
        // one line: each source's problem once, then one fix
        throw RDAIOError(.notFound, subject: file.name,
                         problem: "every source failed (" + failures.map { "\($0.subject): \($0.problem)" }.joined(separator: "; ") + ")",
                         fix: failures.last?.fix ?? networkFix)
    }

    /// A network error in words (URLSession's own text is "NSURLErrorDomain error -1001" on Linux).
    static func describe(_ error: Error) -> String {
        let code = (error as NSError).domain == NSURLErrorDomain ? (error as NSError).code : 0
        switch code {
        case NSURLErrorTimedOut: return "no data for 60 s"
        case NSURLErrorCannotConnectToHost: return "connection refused"
        case NSURLErrorCannotFindHost, NSURLErrorDNSLookupFailed: return "unknown host"
        case NSURLErrorNotConnectedToInternet: return "no network"
        case NSURLErrorNetworkConnectionLost: return "connection lost"
        case NSURLErrorCancelled: return "cancelled"
        case 0: return error.localizedDescription
        default: return "network error \(code)"
        }
    }

    /// Copies `source` (a `file://` URL) into `part`, at most `expected` bytes, reporting progress.
    static func copyLocal(_ source: URL, to part: URL, expected: Int64, deadline: Date,
                          events: @escaping (Int64, Int64?) -> Void) throws {
        let size = (try? FileManager.default.attributesOfItem(atPath: source.path)[.size] as? Int64) ?? nil
        guard let size, let input = try? FileHandle(forReadingFrom: source) else {
            throw RDAIOError(.fileNotFound, subject: source.path, problem: "no such file",
                             fix: "check --url: it must be the folder holding the data set's files")
        }
        defer { try? input.close() }
        guard size <= expected else {
            throw RDAIOError(.sizeMismatch, subject: source.path, problem: "\(size) bytes, more than the \(expected) this file has",
                             fix: "check --url: it holds another file of that name")
        }
        guard FileManager.default.createFile(atPath: part.path, contents: nil), let output = try? FileHandle(forWritingTo: part) else {
            throw RDAIOError(.notWritable, subject: part.path, problem: "cannot write the copy", fix: "pass --to a writable folder")
        }
        defer { try? output.close() }
        var copied: Int64 = 0
        while copied < size {
            guard let chunk = try? input.read(upToCount: 1 << 20), !chunk.isEmpty else { break }
            do { try output.write(contentsOf: chunk) } catch {
                throw RDAIOError(.notWritable, subject: part.path, problem: "cannot write the copy (\(error.localizedDescription))",
                                 fix: "free disk space or pass --to another folder")
            }
            copied += Int64(chunk.count)
            events(copied, size)
            if Date() >= deadline {
                throw RDAIOError(.truncated, subject: source.path, problem: "the fetch's deadline passed after \(copied) of \(size) bytes",
                                 fix: "run the same command again (with a longer --timeout)")
            }
        }
    }

    /// Streams `source` into `part`, resuming from the bytes already there when the server
    /// honours a range request. Throws on any HTTP or network failure (keeping what arrived).
    static func download(_ source: String, to part: URL, expected: Int64, deadline: Date,
                         events: @escaping (Int64, Int64?) -> Void) throws {
        if let url = URL(string: source), url.scheme?.lowercased() == "file" {
            return try copyLocal(url, to: part, expected: expected, deadline: deadline, events: events)
        }
        #if RDA_OFFLINE
        // a build for machines without network (-DRDA_OFFLINE, scripts/many-cores-pack): no URLSession
        throw RDAIOError(.notFound, subject: source, problem: "this rda was built without network access (RDA_OFFLINE)",
                         fix: "copy the data set's files into the folder, or use an rda built without RDA_OFFLINE")
        #else
        var have = (try? FileManager.default.attributesOfItem(atPath: part.path)[.size] as? Int64) ?? 0
        if have >= expected {   // complete (or overlong) leftovers: the checksum decides; start over if wrong
            try? FileManager.default.removeItem(at: part)
            have = 0
        }
        var request = URLRequest(url: URL(string: source)!, timeoutInterval: 60)
        if have > 0 { request.setValue("bytes=\(have)-", forHTTPHeaderField: "Range") }
        let transfer = Transfer(part: part, offset: have, limit: expected, progress: events)
        let session = URLSession(configuration: .ephemeral, delegate: transfer, delegateQueue: nil)
        let task = session.dataTask(with: request)
        task.resume()
        var late = false
        if transfer.done.wait(timeout: .now() + max(0, deadline.timeIntervalSinceNow)) == .timedOut {
            late = true
            task.cancel()
            transfer.done.wait()
        }
        session.finishTasksAndInvalidate()
        if transfer.overLimit {
            try? FileManager.default.removeItem(at: part)
            throw RDAIOError(.sizeMismatch, subject: source, problem: "the server sent more than the \(expected) bytes this file has; deleted the download",
                             fix: "check --url: it serves another file of that name")
        }
        if let status = transfer.status, !(status == 200 || status == 206) {
            throw RDAIOError(.notFound, subject: source, problem: "the server answered HTTP \(status) \(HTTPURLResponse.localizedString(forStatusCode: status))",
                             fix: "check --url: it must be the folder holding the data set's files")
        }
        if let problem = transfer.writeProblem {
            throw RDAIOError(.notWritable, subject: part.path, problem: "cannot write the download (\(problem))",
                             fix: "free disk space or pass --to another folder")
        }
        if late || transfer.error != nil {
            let got = transfer.offset + transfer.received
            let why = late ? "the fetch's deadline passed" : describe(transfer.error!)
            let what = got > 0 ? "stopped after \(got) of \(expected) bytes (\(why)); kept them" : "failed (\(why))"
            throw RDAIOError(.truncated, subject: source, problem: "download \(what)",
                             fix: got > 0 ? "run the same command again to resume\(late ? " (with a longer --timeout)" : "")" : networkFix)
        }
        #endif
    }

    static func rename(_ part: URL, to target: URL) throws {
        if Foundation.rename(part.path, target.path) != 0 {
            let code = errno
            throw RDAIOError(.notWritable, subject: target.path, problem: "cannot move the verified download into place (\(RDAIOError.systemMessage(code)))",
                             fix: "check the folder's permissions")
        }
    }

    /// SHA-256 of the file at `url` as hex, or nil when it cannot be read.
    public static func sha256(of url: URL) -> String? {
        guard let handle = try? FileHandle(forReadingFrom: url) else { return nil }
        defer { try? handle.close() }
        var hasher = SHA256()
        while true {
            guard let chunk = try? handle.read(upToCount: 1 << 20), !chunk.isEmpty else { break }
            hasher.update([UInt8](chunk))
        }
        return hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }

    #if !RDA_OFFLINE
    /// One HTTP transfer into a `.part` file, driven by URLSession's delegate callbacks.
    final class Transfer: NSObject, URLSessionDataDelegate, @unchecked Sendable {
        let part: URL
        /// Bytes already in the part file that this transfer continues from (0 after a restart).
        var offset: Int64
        var received: Int64 = 0
        var total: Int64?
        var status: Int?
        var error: Error?
        var writeProblem: String?
        var handle: FileHandle?
        /// The catalogued size: a transfer that would pass it is cancelled (`overLimit`).
        let limit: Int64
        var overLimit = false
        let progress: (Int64, Int64?) -> Void
        let done = DispatchSemaphore(value: 0)

        init(part: URL, offset: Int64, limit: Int64, progress: @escaping (Int64, Int64?) -> Void) {
            self.part = part; self.offset = offset; self.limit = limit; self.progress = progress
        }

        func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
                        completionHandler: @escaping (URLSession.ResponseDisposition) -> Void) {
            let code = (response as? HTTPURLResponse)?.statusCode ?? 0
            status = code
            let length = response.expectedContentLength >= 0 ? response.expectedContentLength : nil
            let range = (response as? HTTPURLResponse).flatMap { header("Content-Range", in: $0) } ?? ""
            if code == 206 && offset > 0 && range.hasPrefix("bytes \(offset)-") {
                // the server continues where the part file ends
            } else if code == 200 || code == 206 {
                if code == 206 { status = 200 }   // a range we did not ask for: start over below
                offset = 0
            } else {
                completionHandler(.cancel)
                return
            }
            if offset == 0 {
                _ = FileManager.default.createFile(atPath: part.path, contents: nil)
            }
            guard let h = try? FileHandle(forWritingTo: part) else {
                writeProblem = "cannot open \(part.lastPathComponent)"
                completionHandler(.cancel)
                return
            }
            if offset == 0 { try? h.truncate(atOffset: 0) } else { _ = try? h.seekToEnd() }
            handle = h
            total = length.map { $0 + offset }
            if let total, total > limit {   // announced too long: refuse before a byte is written
                overLimit = true
                completionHandler(.cancel)
                return
            }
            completionHandler(.allow)
        }

        func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
            guard writeProblem == nil, !overLimit, let handle else { return }
            guard offset + received + Int64(data.count) <= limit else {
                overLimit = true
                dataTask.cancel()
                return
            }
            do { try handle.write(contentsOf: data) } catch {
                writeProblem = "\(error.localizedDescription)"
                dataTask.cancel()
                return
            }
            received += Int64(data.count)
            progress(offset + received, total)
        }

        func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: Error?) {
            if overLimit || (status.map { !($0 == 200 || $0 == 206) } ?? false) {
                // cancelled on purpose: overLimit or the status says why
            } else {
                self.error = error
            }
            try? handle?.close()
            handle = nil
            done.signal()
        }

        func header(_ name: String, in response: HTTPURLResponse) -> String? {
            for (key, value) in response.allHeaderFields {
                if let k = key as? String, k.lowercased() == name.lowercased() { return value as? String }
            }
            return nil
        }
    }
    #endif
}
