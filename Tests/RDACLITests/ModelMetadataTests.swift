import Foundation
import RDAIO
import Testing

/// Issue 25, class 9: a model file's metadata is checked against its configuration: garbage or
/// another model's `rda.architecture`, impossible `rda.training` options, a lambda float32
/// cannot hold, a prior that does not belong to the channel, and a tensor named "" are refused.
@Suite("Model metadata is validated")
struct ModelMetadataTests {
    @Test func editedMetadataIsRefused() throws {
        let root = temporaryFolder("rda-meta")
        defer { try? FileManager.default.removeItem(at: root) }
        let run = root.appendingPathComponent("run")
        let t = try runRDA(["train", "--arch", "mlp", "--widths", "8", "--out", run.path] + tinyGaussian)
        #expect(t.status == 0, "\(t.stderr)")
        let modelURL = run.appendingPathComponent("model.safetensors")
        let original = try SafetensorsFile.read(from: modelURL)
        let edited = root.appendingPathComponent("edited.safetensors")
        func evalEdited(_ edit: (inout SafetensorsFile) throws -> Void) throws -> (status: Int32, stdout: String, stderr: String) {
            var file = original
            try edit(&file)
            try file.write(to: edited)
            return try runRDA(["eval", "--model", edited.path, "--test-examples", "64"])
        }
        // the unedited copy loads
        #expect(try evalEdited { _ in }.status == 0)

        func jsonEdit(_ key: String, _ change: @escaping (inout [String: Any]) -> Void) -> (inout SafetensorsFile) throws -> Void {
            { file in
                var object = try #require(try JSONSerialization.jsonObject(with: Data(file.metadata[key]!.utf8)) as? [String: Any])
                change(&object)
                file.metadata[key] = String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self)
            }
        }
        let cases: [(String, (inout SafetensorsFile) throws -> Void, [String])] = [
            ("garbage architecture", { $0.metadata["rda.architecture"] = "garbage" }, ["rda.architecture"]),
            ("other layers", jsonEdit("rda.architecture") { $0["decoder"] = Array(($0["decoder"] as? [Any] ?? []).dropLast()) }, ["rda.architecture", "another model"]),
            ("other latent size", jsonEdit("rda.architecture") { $0["latent_dim"] = 7 }, ["rda.architecture"]),
            ("negative epochs", jsonEdit("rda.training") { $0["epochs"] = -3 }, ["rda.training", "epochs -3"]),
            ("garbage training", { $0.metadata["rda.training"] = "[1,2]" }, ["rda.training"]),
            ("lambda 1e300", jsonEdit("rda.config") { $0["lambda"] = 1e300 }, ["lambda"]),
            ("prior of another channel", jsonEdit("rda.config") { $0["priorComponents"] = 3 }, ["prior components"]),
        ]
        for (name, edit, words) in cases {
            expectCleanFailure(try evalEdited(edit), mentions: ["edited.safetensors"] + words)
            _ = name
        }

        // A tensor named "": the writer refuses the name, so rename an extra tensor "zz" in the bytes.
        var extra = original
        extra.set("zz", shape: [1], values: [0])
        try extra.write(to: edited)
        var bytes = [UInt8](try Data(contentsOf: edited))
        let needle = Array("\"zz\":".utf8)
        let at = try #require((0...(bytes.count - needle.count)).first { Array(bytes[$0..<($0 + needle.count)]) == needle })
        bytes.replaceSubrange(at..<(at + needle.count), with: Array("\"\"  :".utf8))
        try Data(bytes).write(to: edited)
        expectCleanFailure(try runRDA(["eval", "--model", edited.path, "--test-examples", "64"]), mentions: ["empty name"])
    }
}
