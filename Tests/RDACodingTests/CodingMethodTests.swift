import RDAIO
import Testing
@testable import RDACoding

/// Version 3 of `.rdac`: the coding method and its parameters.
@Suite struct CodingMethodTests {
    let fingerprint = SHA256.hash(Array("a Gaussian model".utf8))

    /// Byte offset of the method byte in a file of shape [4] with 12 examples, 5 per record.
    let methodAt = 4 + 1 + 32 + 1 + 1 + 1 + 1

    func file(_ method: CodingMethod, parameters: [UInt8]) throws -> CompressedFile {
        try CompressedFile(fingerprint: fingerprint, shape: [4], records: [[1], [2, 0x80], [3]], examplesPerRecord: 5, count: 12,
                           method: method, parameters: parameters)
    }

    @Test func everyMethodRoundTripsWithItsParameters() throws {
        for method in CodingMethod.allCases {
            for parameters in [[], [0, 255, 7], [UInt8](repeating: 9, count: CompressedFile.maximumParameterBytes)] {
                let written = try file(method, parameters: parameters)
                let read = try CompressedFile(bytes: written.bytes)
                #expect(read == written)
                #expect(read.method == method && read.parameters == parameters)
                #expect(read.records == [[1], [2, 0x80], [3]] && read.count == 12)
                // A quantized file without parameters is version 2, as earlier rda wrote it.
                #expect(read.version == (method == .quantized && parameters.isEmpty ? 2 : 3))
            }
        }
    }

    /// The method and parameters cost 1 + varint + P bytes, nothing else changes.
    @Test func versionThreeAddsOnlyTheMethodAndParameters() throws {
        let v2 = try file(.quantized, parameters: [])
        let v3 = try file(.bitsBack, parameters: [1, 2, 3])
        #expect(v3.fileBytes == v2.fileBytes + 1 + 1 + 3)
        #expect(v3.payloadBits == v2.payloadBits)
        #expect(v2.bytes[4] == 2 && v3.bytes[4] == 3)
        #expect(Array(v3.bytes[methodAt...(methodAt + 4)]) == [1, 3, 1, 2, 3])
    }

    @Test func unknownMethodsAndBadParametersAreRefused() throws {
        var bytes = try file(.channelSimulation, parameters: [5]).bytes
        #expect(bytes[methodAt] == 2)
        bytes[methodAt] = 9
        expectCodingError(.futureVersion, ["coding method 9", "bits-back"]) { _ = try CompressedFile(bytes: bytes, verifyChecksum: false) }
        // A parameter count past the limit, and parameters past the end of the file.
        var big = try file(.bitsBack, parameters: [5]).bytes
        big[methodAt + 1] = 0xFF
        big.insert(0x7F, at: methodAt + 2)
        expectCodingError(.invalidHeader, ["parameter count"]) { _ = try CompressedFile(bytes: big, verifyChecksum: false) }
        let whole = try file(.bitsBack, parameters: [UInt8](repeating: 1, count: 40)).bytes
        expectCodingError(.truncated, ["parameter bytes"]) { _ = try CompressedFile(bytes: Array(whole[..<(methodAt + 20)]), verifyChecksum: false) }
        expectCodingError(.truncated, ["coding method"]) { _ = try CompressedFile(bytes: Array(whole[..<methodAt]), verifyChecksum: false) }
        expectCodingError(.invalidArgument, ["parameter bytes"]) {
            _ = try file(.bitsBack, parameters: [UInt8](repeating: 0, count: CompressedFile.maximumParameterBytes + 1))
        }
    }
}
