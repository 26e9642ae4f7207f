import Foundation
import Testing

/// Writes a small IDX image set (train-images-idx3-ubyte, t10k-images-idx3-ubyte) of smooth
/// pseudo-random side x side images into `folder`.
func writeTinyImageSet(to folder: URL, train: Int, test: Int, side: Int) throws {
    func file(_ count: Int, seed: UInt64) -> Data {
        var bytes: [UInt8] = [0, 0, 8, 3]
        for v in [count, side, side] { bytes += [24, 16, 8, 0].map { UInt8((v >> $0) & 0xFF) } }
        var s = seed
        for _ in 0..<count {
            s = s &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let (fx, fy, phase) = (Double(s >> 60) + 1, Double((s >> 56) & 15) + 1, Double((s >> 40) & 0xFFFF) / 65536 * 6.283)
            for y in 0..<side {
                for x in 0..<side {
                    let v = 0.5 + 0.5 * sin(fx * Double(x) / Double(side) * 3 + fy * Double(y) / Double(side) * 2 + phase)
                    bytes.append(UInt8(max(0, min(255, v * 255))))
                }
            }
        }
        return Data(bytes)
    }
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    try file(train, seed: 1).write(to: folder.appendingPathComponent("train-images-idx3-ubyte"))
    try file(test, seed: 2).write(to: folder.appendingPathComponent("t10k-images-idx3-ubyte"))
}

/// With the Swift kernels, every reduction's order is fixed by the shapes alone: the same seed
/// gives the same model bits (and the same eval.json) on 1, 2, 3, 4 and 16 threads.
@Suite("Same model bits on any thread count")
struct ThreadCountTests {
    @Test(arguments: ["mlp", "conv", "resnet"])
    func sameModelBytesOnAnyThreadCount(arch: String) throws {
        let root = temporaryFolder("rda-threads")
        defer { try? FileManager.default.removeItem(at: root) }
        let data = root.appendingPathComponent("data")
        // 28 x 28 images, batch 64: the conv model's 3136-wide linear layer takes the k-split
        // product, and its convolutions deal 32 blocks into 16 lanes.
        try writeTinyImageSet(to: data, train: 128, test: 32, side: 28)
        var reference: Data? = nil, referenceEval: Data? = nil
        for threads in [1, 2, 3, 4, 16] {
            let out = root.appendingPathComponent("\(arch)-\(threads)")
            let r = try runRDA(["train", "--data", data.path, "--arch", arch, "--epochs", "1", "--batch-size", "64",
                                "--widths", arch == "mlp" ? "96,64" : "16,32", "--latent-dim", "8", "--seed", "3", "--out", out.path],
                               env: ["RDA_THREADS": "\(threads)", "RDA_GEMM": "swift"])
            #expect(r.status == 0, "\(r.stderr)")
            let model = try Data(contentsOf: out.appendingPathComponent("model.safetensors"))
            let eval = try Data(contentsOf: out.appendingPathComponent("eval.json"))
            if let reference, let referenceEval {
                #expect(model == reference, "\(arch): \(threads) threads give other model bits than 1 thread")
                #expect(eval == referenceEval, "\(arch): \(threads) threads give another evaluation than 1 thread")
            } else {
                reference = model; referenceEval = eval
            }
        }
    }
}
