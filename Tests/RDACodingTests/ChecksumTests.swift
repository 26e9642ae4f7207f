import RDAIO
import Testing
@testable import RDACoding

@Suite struct ChecksumTests {
    /// The published check value of CRC-32/ISO-HDLC.
    @Test func crc32CheckValue() {
        #expect(CRC32.checksum(Array("123456789".utf8)) == 0xCBF4_3926)
        #expect(CRC32.checksum([UInt8]()) == 0)
    }

    /// FIPS 180-2 appendix B test vectors and the empty message.
    @Test func sha256Vectors() {
        func hex(_ b: [UInt8]) -> String { b.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined() }
        #expect(hex(SHA256.hash(Array("abc".utf8))) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(hex(SHA256.hash([UInt8]())) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(hex(SHA256.hash(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)))
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        // One million 'a': many blocks, fed in pieces.
        var hasher = SHA256()
        for _ in 0..<1000 { hasher.update([UInt8](repeating: 0x61, count: 1000)) }
        #expect(hex(hasher.finalize()) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    @Test func leb128RoundTripAndErrors() {
        for value: UInt64 in [0, 1, 127, 128, 300, 16_383, 16_384, UInt64(Int32.max), .max] {
            var bytes: [UInt8] = [0xAA]
            LEB128.append(value, to: &bytes)
            #expect(bytes.count - 1 == LEB128.size(of: value))
            #expect(LEB128.read(bytes, at: 1) == .value(value, next: bytes.count))
            #expect(LEB128.read(Array(bytes.dropLast()), at: 1) == .truncated)
        }
        #expect(LEB128.read([0xE5, 0x8E, 0x26], at: 0) == .value(624_485, next: 3))   // the textbook example
        #expect(LEB128.read([0x80, 0x00], at: 0) == .malformed)                       // redundant zero
        #expect(LEB128.read([UInt8](repeating: 0xFF, count: 11), at: 0) == .malformed) // too long
        #expect(LEB128.read([UInt8](repeating: 0xFF, count: 9) + [0x02], at: 0) == .malformed) // > 2^64 - 1
    }
}
