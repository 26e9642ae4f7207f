import Foundation
import RDACoding
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
public enum DatasetDownload {
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

    /// Downloads every file of data set `name` into `folder` (created if needed), skipping files
    /// already there with the right checksum.
    ///
    /// - Parameter baseURL: a folder URL holding the files, instead of the published locations.
    /// - Throws: `RDAIOError` naming the file, what failed and what to do.
    public static func fetch(_ name: String, to folder: URL, baseURL: String? = nil,
                             events: @escaping (Event) -> Void = { _ in }) throws {
        guard let known = DatasetLocator.canonicalName(name), let catalog = catalogs[known] else {
            throw RDAIOError(.invalidArgument, subject: "dataset '\(name)'", problem: "rda cannot fetch it",
                             fix: "use one of: \(catalogs.keys.sorted().joined(separator: ", "))")
        }
        let bases = baseURL.map { [$0] } ?? catalog.baseURLs
        for base in bases {
            guard let url = URL(string: base), let scheme = url.scheme, ["http", "https"].contains(scheme.lowercased()) else {
                throw RDAIOError(.invalidArgument, subject: base, problem: "not an http:// or https:// URL",
                                 fix: "pass --url http://HOST/PATH/ of a folder holding the files")
            }
        }
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        } catch {
            throw RDAIOError(.notWritable, subject: folder.path, problem: "cannot create the folder",
                             fix: "pass --to a writable folder")
        }
        for file in catalog.files {
            try fetch(file, into: folder, bases: bases, events: events)
        }
    }

    // MARK: Internals

    static func fetch(_ file: File, into folder: URL, bases: [String], events: @escaping (Event) -> Void) throws {
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
                try download(source, to: part, expected: file.bytes, events: { received, total in
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
                if i + 1 < bases.count { events(.retrying(file: file.name, reason: error.description)) }
            }
        }
        if failures.count == 1 { throw failures[0] }
        throw RDAIOError(.notFound, subject: file.name, problem: "every source failed: " + failures.map(\.description).joined(separator: " | "),
                         fix: "check the network, or pass --url BASE of a mirror holding the files")
    }

    /// Streams `source` into `part`, resuming from the bytes already there when the server
    /// honours a range request. Throws on any HTTP or network failure (keeping what arrived).
    static func download(_ source: String, to part: URL, expected: Int64,
                         events: @escaping (Int64, Int64?) -> Void) throws {
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
        let transfer = Transfer(part: part, offset: have, progress: events)
        let session = URLSession(configuration: .ephemeral, delegate: transfer, delegateQueue: nil)
        session.dataTask(with: request).resume()
        transfer.done.wait()
        session.finishTasksAndInvalidate()
        if let status = transfer.status, !(status == 200 || status == 206) {
            throw RDAIOError(.notFound, subject: source, problem: "the server answered HTTP \(status) \(HTTPURLResponse.localizedString(forStatusCode: status))",
                             fix: "check --url: it must be the folder holding the data set's files")
        }
        if let problem = transfer.writeProblem {
            throw RDAIOError(.notWritable, subject: part.path, problem: "cannot write the download (\(problem))",
                             fix: "free disk space or pass --to another folder")
        }
        if let error = transfer.error {
            let got = transfer.offset + transfer.received
            let what = got > 0 ? "stopped after \(got) of \(expected) bytes (\(error.localizedDescription)); kept them" : "failed (\(error.localizedDescription))"
            throw RDAIOError(.truncated, subject: source, problem: "download \(what)",
                             fix: got > 0 ? "run the same command again to resume" : "check the network, or pass --url BASE of a mirror holding the files")
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
        var hasher = RDACoding.SHA256()
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
        let progress: (Int64, Int64?) -> Void
        let done = DispatchSemaphore(value: 0)

        init(part: URL, offset: Int64, progress: @escaping (Int64, Int64?) -> Void) {
            self.part = part; self.offset = offset; self.progress = progress
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
            completionHandler(.allow)
        }

        func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
            guard writeProblem == nil, let handle else { return }
            do { try handle.write(contentsOf: data) } catch {
                writeProblem = "\(error.localizedDescription)"
                dataTask.cancel()
                return
            }
            received += Int64(data.count)
            progress(offset + received, total)
        }

        func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: Error?) {
            if let status, !(status == 200 || status == 206) {
                // cancelled on purpose: the status says why
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
