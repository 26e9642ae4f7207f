/// The .rdac format's integrity check, written here from its specification, so RDACoding
/// depends on nothing but the standard library. (SHA-256, for model fingerprints and training
/// states, sits with the file formats in RDAIO.)

/// CRC-32 as in zlib, PNG and gzip (ISO-HDLC): the reflected polynomial 0xEDB88320, initial
/// value and final xor 0xFFFFFFFF. CRC32("123456789") = 0xCBF43926.
public enum CRC32 {
    static let table: [UInt32] = (0..<256).map { n -> UInt32 in
        var c = UInt32(n)
        for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }

    /// The CRC-32 of `bytes`.
    public static func checksum<Bytes: Sequence>(_ bytes: Bytes) -> UInt32 where Bytes.Element == UInt8 {
        var crc: UInt32 = 0xFFFF_FFFF
        table.withUnsafeBufferPointer { t in
            for byte in bytes { crc = t[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8) }
        }
        return crc ^ 0xFFFF_FFFF
    }
}
