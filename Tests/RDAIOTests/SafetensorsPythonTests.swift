import RDATestSupport
import Foundation
import Testing
import RDAIO

/// Interoperability with the reference `safetensors` Python package (skipped when it is not
/// importable; CI installs it with `pip install safetensors numpy`).
@Suite(.enabled(if: Environment.hasPythonSafetensors, "python3 with safetensors and numpy not available"))
struct SafetensorsPythonTests {
    @Test func pythonLoadsWhatWeWrite() throws {
        let folder = TempFolder()
        let url = folder.file("ours.safetensors")
        var file = SafetensorsFile(metadata: ["epoch": "7", "model": "rda"])
        file.set("decoder.weight", shape: [2, 3], values: [1, 2, 3, 4, 5, 6.5])
        file.set("bias", shape: [3], values: [-1, 0, 1])
        file.set("scalar", shape: [], values: [0.25])
        try file.write(to: url)
        let script = """
        import json, sys
        from safetensors import safe_open
        from safetensors.numpy import load_file
        tensors = load_file(sys.argv[1])
        with safe_open(sys.argv[1], framework="np") as f:
            meta = f.metadata()
        out = {name: {"dtype": str(t.dtype), "shape": list(t.shape), "values": [float(v) for v in t.reshape(-1)]}
               for name, t in tensors.items()}
        print(json.dumps({"tensors": out, "metadata": meta}, sort_keys=True))
        """
        let result = try #require(run("python3", ["-c", script, url.path]))
        #expect(result.status == 0, "\(result.stderr)")
        let parsed = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(parsed["metadata"] as? [String: String] == ["epoch": "7", "model": "rda"])
        let tensors = try #require(parsed["tensors"] as? [String: [String: Any]])
        #expect(Set(tensors.keys) == ["decoder.weight", "bias", "scalar"])
        #expect(tensors["decoder.weight"]?["dtype"] as? String == "float32")
        #expect(tensors["decoder.weight"]?["shape"] as? [Int] == [2, 3])
        #expect(tensors["decoder.weight"]?["values"] as? [Double] == [1, 2, 3, 4, 5, 6.5])
        #expect(tensors["scalar"]?["shape"] as? [Int] == [])
        #expect(tensors["bias"]?["values"] as? [Double] == [-1, 0, 1])
    }

    @Test func weReadWhatPythonWrites() throws {
        let folder = TempFolder()
        let url = folder.file("theirs.safetensors")
        let script = """
        import sys, numpy as np
        from safetensors.numpy import save_file
        save_file({"w": np.arange(12, dtype=np.float32).reshape(3, 4) / 8, "b": np.array([-1.5, 2.0], dtype=np.float32),
                   "empty": np.zeros((0, 2), dtype=np.float32), "table": np.array([[-3, 7], [65536, -2147483648]], dtype=np.int32)},
                  sys.argv[1], metadata={"format": "np", "who": "python"})
        """
        let result = try #require(run("python3", ["-c", script, url.path]))
        #expect(result.status == 0, "\(result.stderr)")
        let file = try SafetensorsFile.read(from: url)
        #expect(file.metadata == ["format": "np", "who": "python"])
        #expect(file.tensors["w"] == SafetensorsTensor(shape: [3, 4], values: (0..<12).map { Float($0) / 8 }))
        #expect(file.tensors["b"] == SafetensorsTensor(shape: [2], values: [-1.5, 2]))
        #expect(file.tensors["empty"] == SafetensorsTensor(shape: [0, 2], values: []))
        #expect(file.tensors["table"] == SafetensorsTensor(shape: [2, 2], integers: [-3, 7, 65536, Int32.min]))
    }

    @Test func pythonRoundTripsOurFile() throws {
        // Loading our file in Python and saving it again gives a file we read back unchanged.
        let folder = TempFolder()
        let ours = folder.file("a.safetensors")
        var file = SafetensorsFile()
        file.set("x", shape: [4], values: [1, 2, 3, 4])
        file.set("t", shape: [3], integers: [-1, 0, 1 << 20])
        try file.write(to: ours)
        let script = """
        import sys
        from safetensors.numpy import load_file, save_file
        save_file(load_file(sys.argv[1]), sys.argv[2])
        """
        let again = folder.file("b.safetensors")
        let result = try #require(run("python3", ["-c", script, ours.path, again.path]))
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try SafetensorsFile.read(from: again) == file)
    }
}
