import RDAIO
import RDATestSupport
import Foundation
import Testing
import RDACore
@testable import RDAModel

/// `images:DIR`: scanning, the split, the checks before allocation, crops and their resume.
@Suite("Image folders: split, checks, crops")
struct ImageFolderTests {
    static var quiet: (String) -> Void { { _ in } }

    /// A grey image whose pixel (x, y) is (x + width * y) mod 256.
    static func writeRamp(_ url: URL, width: Int, height: Int) throws {
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try PNG.writeGray(width: width, height: height, pixels: (0..<(width * height)).map { UInt8($0 % 256) }, to: url)
    }

    static func writeColour(_ url: URL, width: Int, height: Int) throws {
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try PNG.writeRGB(width: width, height: height, pixels: pseudoRandomBytes(width * height * 3), to: url)
    }

    static func options(crop: Int = 4, _ change: (inout ImageFolderOptions) -> Void = { _ in }) -> ImageFolderOptions {
        var o = ImageFolderOptions(); o.crop = crop; change(&o); return o
    }

    @Test func aBadFileIsRefusedThenSkippedWithSkipBad() throws {
        let dir = TempFolder()
        for i in 0..<4 { try Self.writeRamp(dir.file("img\(i).png"), width: 8, height: 8) }
        let good = try Data(contentsOf: dir.file("img0.png"))
        try good.prefix(good.count - 20).write(to: dir.file("cut.png"))       // body damaged: found on decoding
        try Data("not an image".utf8).write(to: dir.file("fake.jpg"))          // header damaged
        try Data("notes".utf8).write(to: dir.file("readme.txt"))              // not an image name: ignored
        var lines: [String] = []
        #expect(throws: RDAError.self) { _ = try ImageFolder(path: dir.url.path, options: Self.options(), note: { lines.append($0) }) }
        #expect(lines.count == 2 && lines[0].contains("cut.png") && lines[1].contains("fake.jpg"), "\(lines)")
        do { _ = try ImageFolder(path: dir.url.path, options: Self.options(), note: Self.quiet) } catch {
            #expect("\(error)".contains("skip-bad") && "\(error)".contains("2 of 6"))
        }
        lines = []
        let folder = try ImageFolder(path: dir.url.path, options: Self.options { $0.skipBad = true }, note: { lines.append($0) })
        #expect(folder.entries.count == 4 && folder.skipped.map(\.path) == ["cut.png", "fake.jpg"])
        #expect(lines.count == 2 && lines.allSatisfy { $0.hasPrefix("skipped") })
    }

    @Test func emptyFoldersAndFoldersOfNonImagesAreRefused() throws {
        let dir = TempFolder()
        #expect(throws: RDAError.self) { _ = try ImageFolder(path: dir.url.path, options: Self.options(), note: Self.quiet) }
        try Data("x".utf8).write(to: dir.file("a.txt"))
        do { _ = try ImageFolder(path: dir.url.path, options: Self.options(), note: Self.quiet) } catch {
            #expect("\(error)".contains("no .png, .jpg or .jpeg"))
        }
        #expect(throws: RDAError.self) { _ = try ImageFolder(path: dir.file("missing").path, options: Self.options(), note: Self.quiet) }
        #expect(throws: RDAError.self) { _ = try DataSource.parse("images:") }
    }

    /// A PNG whose header claims 100000 x 100000 pixels is refused from its header alone.
    @Test func aFileClaimingHugeDimensionsIsRefusedBeforeAllocation() throws {
        let dir = TempFolder()
        try Self.writeRamp(dir.file("a.png"), width: 8, height: 8)
        try Self.writeRamp(dir.file("b.png"), width: 8, height: 8)
        var bytes = [UInt8](try Data(contentsOf: dir.file("a.png")))
        for at in [16, 20] { bytes[at] = 0; bytes[at + 1] = 0x01; bytes[at + 2] = 0x86; bytes[at + 3] = 0xA0 }   // 100000
        let crc = referenceCRC32(bytes[12..<29])
        bytes[29] = UInt8(crc >> 24); bytes[30] = UInt8((crc >> 16) & 0xff); bytes[31] = UInt8((crc >> 8) & 0xff); bytes[32] = UInt8(crc & 0xff)
        try Data(bytes).write(to: dir.file("huge.png"))
        var lines: [String] = []
        #expect(throws: RDAError.self) { _ = try ImageFolder(path: dir.url.path, options: Self.options(), note: { lines.append($0) }) }
        #expect(lines.count == 1 && lines[0].contains("huge.png") && lines[0].contains("100000x100000"), "\(lines)")
    }

    @Test func theHashSplitKeepsEveryFileWhereItWasWhenOneIsAdded() throws {
        let dir = TempFolder()
        for i in 0..<30 { try Self.writeRamp(dir.file("sub/img\(i).png"), width: 4, height: 4) }
        let before = try ImageFolder(path: dir.url.path, options: Self.options { $0.testFraction = 0.3 }, note: Self.quiet)
        let tests = before.entries(.test).count
        #expect(tests >= 1 && tests < 30)
        #expect(before.entries.map(\.relativePath) == before.entries.map(\.relativePath).sorted())
        try Self.writeRamp(dir.file("new.png"), width: 4, height: 4)
        let after = try ImageFolder(path: dir.url.path, options: Self.options { $0.testFraction = 0.3 }, note: Self.quiet)
        for entry in before.entries {
            #expect(after.entries.first { $0.relativePath == entry.relativePath }?.split == entry.split, "\(entry.relativePath) moved")
        }
        // the rule itself: hash / 2^64 below the fraction
        for entry in after.entries {
            #expect((Double(ImageFolder.splitHash(entry.relativePath)) / 0x1p64 < 0.3) == (entry.split == .test))
        }
        // FNV-1a 64 of "a" (a published test vector)
        #expect(ImageFolder.splitHash("a") == 0xaf63_dc4c_8601_ec8c)
    }

    @Test func trainAndTestSubfoldersAreTheSplitAndChannelsFollowTheImages() throws {
        let dir = TempFolder()
        try Self.writeRamp(dir.file("train/a.png"), width: 8, height: 8)
        try Self.writeRamp(dir.file("train/b.png"), width: 8, height: 8)
        try Self.writeRamp(dir.file("test/c.png"), width: 8, height: 8)
        try Self.writeRamp(dir.file("other/d.png"), width: 8, height: 8)
        let grey = try ImageFolder(path: dir.url.path, options: Self.options(), note: Self.quiet)
        #expect(grey.splitBySubfolders && grey.channels == 1)
        #expect(grey.entries(.train).map(\.relativePath) == ["train/a.png", "train/b.png"])
        #expect(grey.entries(.test).map(\.relativePath) == ["test/c.png"])
        try Self.writeColour(dir.file("train/e.png"), width: 8, height: 8)
        let colour = try ImageFolder(path: dir.url.path, options: Self.options(), note: Self.quiet)
        #expect(colour.channels == 3)
        let test = try colour.centreCrops(.test)
        #expect(test.exampleShape == [3, 4, 4] && test.count == 1)
        // grey replicated into RGB: the three planes are equal, the centre crop of a ramp of side 8 at (2, 2)
        let v = Array(UnsafeBufferPointer(start: test.examples.data, count: 48))
        #expect(Array(v[0..<16]) == Array(v[16..<32]) && Array(v[0..<16]) == Array(v[32..<48]))
        #expect(v[0] == Float(2 + 8 * 2) / 255 && v[5] == Float(3 + 8 * 3) / 255)
    }

    @Test func smallImagesAreRefusedByNameOrPaddedByEdgeReplication() throws {
        let dir = TempFolder()
        try Self.writeRamp(dir.file("train/big.png"), width: 8, height: 8)
        try Self.writeRamp(dir.file("test/tiny.png"), width: 3, height: 2)
        do { _ = try ImageFolder(path: dir.url.path, options: Self.options(), note: Self.quiet); Issue.record("accepted") } catch {
            #expect("\(error)".contains("tiny.png (3x2)") && "\(error)".contains("pad"))
        }
        let padded = try ImageFolder(path: dir.url.path, options: Self.options { $0.pad = true }, note: Self.quiet)
        let crop = try padded.centreCrops(.test)
        let v = Array(UnsafeBufferPointer(start: crop.examples.data, count: 16)).map { Int(($0 * 255).rounded()) }
        // rows: 0 1 2 2 / 3 4 5 5 / 3 4 5 5 / 3 4 5 5
        #expect(v == [0, 1, 2, 2, 3, 4, 5, 5, 3, 4, 5, 5, 3, 4, 5, 5])
    }

    @Test func cropsAreBlocksOfTheImageAndFollowTheSeed() throws {
        let dir = TempFolder()
        try Self.writeRamp(dir.file("train/a.png"), width: 16, height: 16)
        try Self.writeRamp(dir.file("test/b.png"), width: 16, height: 16)
        for cacheMB in [nil, 1] as [Int?] {
            let folder = try ImageFolder(path: dir.url.path, options: Self.options { $0.cacheMB = cacheMB }, note: Self.quiet)
            let sampler = CropSampler(folder)
            #expect(sampler.examplesPerEpoch == 16)   // 256 pixels / 4^2
            var rng = SeededGenerator(seed: 3)
            let batch = try sampler.batch(step: 0, size: 8, using: &rng)
            var corners: Set<Int> = []
            for row in 0..<8 {
                let v = (0..<16).map { Int((batch.data[row * 16 + $0] * 255).rounded()) }
                corners.insert(v[0])
                for r in 0..<4 { for c in 0..<4 { #expect(v[r * 4 + c] == v[0] + c + 16 * r) } }
            }
            #expect(corners.count > 1)
            var again = SeededGenerator(seed: 3)
            let same = try sampler.batch(step: 0, size: 8, using: &again)
            #expect(same.values == batch.values && again.state == rng.state)
        }
    }

    /// With a cache smaller than the images, they are decoded again on demand, the least
    /// recently used evicted, and the crops are the same as with everything cached.
    @Test func aSmallCacheDecodesOnDemandWithinItsBudget() throws {
        let dir = TempFolder()
        for name in ["train/a.png", "train/b.png", "test/c.png"] { try Self.writeRamp(dir.file(name), width: 1024, height: 640) }
        let small = try ImageFolder(path: dir.url.path, options: Self.options { $0.cacheMB = 1 }, note: Self.quiet)
        let large = try ImageFolder(path: dir.url.path, options: Self.options(), note: Self.quiet)
        var r1 = SeededGenerator(seed: 1), r2 = SeededGenerator(seed: 1)
        let a = try CropSampler(small).batch(step: 0, size: 16, using: &r1)
        let b = try CropSampler(large).batch(step: 0, size: 16, using: &r2)
        #expect(a.values == b.values)
        #expect(small.store.used <= 1 << 20 && small.store.cache.count == 1)
        #expect(small.store.decodes > 3 && large.store.decodes == 3)
    }

    /// `steps` cuts the last epoch of a fixed data set short too, and the schedule spans the steps.
    @Test func stepsEndTrainingMidEpochForAnyData() throws {
        let train = try DataSource.gaussian([2, 1]).load(split: .train, dataDir: nil, examples: 40, dataSeed: 1)
        var rng = SeededGenerator(seed: 2)
        let cfg = ModelConfig(arch: .linear, exampleShape: [2], latentDim: 2, widths: [], distortion: .l2, lambda: 1,
                              sigmoidOutput: false, data: "gaussian:2,1", channel: .gaussian(prior: .learned))
        var opts = TrainingOptions()
        opts.batchSize = 8; opts.steps = 7; opts.epochs = 1; opts.schedule = .cosine; opts.testExamplesPerEpoch = 0
        var steps: [(Int, Int)] = []
        let history = try Trainer(model: RateDistortionAutoencoder(config: cfg, rng: &rng), options: opts)
            .train(on: train, test: nil, progress: { if case .step(let e, let s, _, _) = $0 { steps.append((e, s)) } })
        #expect(history.map(\.steps) == [5, 2])   // 40 / 8 = 5 steps an epoch
        #expect(steps.map(\.0) == [1, 1, 1, 1, 1, 2, 2] && steps.map(\.1) == [1, 2, 3, 4, 5, 1, 2])
        #expect(history[1].learningRate < history[0].learningRate && history[1].learningRate > 0)
    }

    /// Random-crop training stopped at any checkpoint and resumed ends with the same bits, and
    /// `steps` ends training mid-epoch.
    @Test func cropTrainingResumesExactly() throws {
        struct Interrupted: Error {}
        let dir = TempFolder()
        try Self.writeColour(dir.file("train/a.png"), width: 13, height: 9)
        try Self.writeColour(dir.file("train/b.png"), width: 8, height: 11)
        try Self.writeColour(dir.file("test/c.png"), width: 8, height: 8)
        let folder = try ImageFolder(path: dir.url.path, options: Self.options(), note: Self.quiet)
        let test = try folder.centreCrops(.test)
        func makeTrainer() -> Trainer {
            var rng = SeededGenerator(seed: 9)
            let cfg = ModelConfig(arch: .mlp, exampleShape: [3, 4, 4], latentDim: 3, widths: [12], distortion: .l2, lambda: 2,
                                  sigmoidOutput: true, data: "images:x", channel: .gaussian(prior: .learned))
            var opts = TrainingOptions()
            opts.batchSize = 4; opts.learningRate = 1e-2; opts.seed = 4; opts.testExamplesPerEpoch = 1; opts.steps = 11
            return Trainer(model: RateDistortionAutoencoder(config: cfg, rng: &rng), options: opts)
        }
        let reference = makeTrainer()
        var checkpoints = 0
        let history = try reference.train(batches: CropSampler(folder), test: test, checkpoints: CheckpointPolicy(steps: 2),
                                          onCheckpoint: { _ in checkpoints += 1 })
        // 117 + 88 padded pixels / 16 = 12 crops: 3 steps an epoch, 11 steps = 3 + 3 + 3 + 2
        #expect(history.map(\.steps) == [3, 3, 3, 2])
        let expected = reference.model.parameters.flatMap { $0.values.map(\.bitPattern) }
        let states = TempFolder()
        for stop in 1...checkpoints {
            let url = states.file("state-\(stop).safetensors")
            let first = makeTrainer()
            var seen = 0
            #expect(throws: Interrupted.self) {
                _ = try first.train(batches: CropSampler(folder), test: test, checkpoints: CheckpointPolicy(steps: 2), onCheckpoint: { position in
                    seen += 1
                    guard seen == stop else { return }
                    try TrainingState.save(first, at: position, to: url)
                    throw Interrupted()
                })
            }
            let second = makeTrainer()
            let position = try TrainingState.restore(second, from: url)
            let resumed = try second.train(batches: CropSampler(folder), test: test, from: position, checkpoints: CheckpointPolicy(steps: 2))
            #expect(second.model.parameters.flatMap { $0.values.map(\.bitPattern) } == expected, "resumed at checkpoint \(stop)")
            #expect(resumed.map(\.trainObjective) == history.map(\.trainObjective))
        }
    }
}
