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

    /// The contiguous fast path (whole blocks straight from the caller's storage, the pending
    /// block completed first) gives the digest of the byte-by-byte path, for any split of the message.
    @Test func sha256PiecesAndPathsAgree() {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        let message: [UInt8] = (0..<3000).map { _ in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return UInt8(truncatingIfNeeded: state >> 56)
        }
        let byteByByte = SHA256.hash(message.lazy.map { $0 })   // not contiguous: the element loop
        #expect(SHA256.hash(message) == byteByByte)
        for pieces in [[1, 63, 64, 65, 127, 128, 129], [64, 64, 1, 0, 200], [7, 500, 3, 60, 61], [3000]] {
            var hasher = SHA256(), at = 0, i = 0
            while at < message.count {
                let n = Swift.min(pieces[i % pieces.count], message.count - at)
                hasher.update(message[at..<(at + n)])
                at += n; i += 1
            }
            #expect(hasher.finalize() == byteByByte, "pieces \(pieces)")
        }
        var raw = SHA256()
        message.withUnsafeBytes { raw.update(UnsafeRawBufferPointer(rebasing: $0[0..<1000])); raw.update(UnsafeRawBufferPointer(rebasing: $0[1000...])) }
        #expect(raw.finalize() == byteByByte)
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
