/// The one error type of RDACoding: damaged or foreign compressed files, invalid stored
/// frequency tables, and coded streams that cannot come from the given tables.
///
/// `description` is always one line naming the problem and what to do about it, e.g.
///
///     out.rdac: checksum mismatch (stored 0x1a2b3c4d, computed 0x99aa0011): the file is corrupted; compress the images again
///
/// `kind` lets callers and tests tell the failures apart without parsing the text.
public struct RDACodingError: Error, CustomStringConvertible, Equatable, Sendable {
    public enum Kind: String, Sendable, CaseIterable {
        /// The bytes do not start with the magic "RDAC": not a compressed rda file.
        case badMagic
        /// The file's format version is newer than this build of rda reads.
        case futureVersion
        /// The data ends before the structure it announces.
        case truncated
        /// There are bytes after the end the structure announces.
        case trailingData
        /// A checksum does not match, or the structure is inconsistent: the data is damaged.
        case corrupted
        /// Counts, shapes or sizes that no valid file has (checked before allocating).
        case invalidHeader
        /// The file was made with another model (fingerprint mismatch).
        case wrongModel
        /// A stored frequency table is invalid (sums, sizes, precision).
        case invalidTable
        /// A coded stream that the tables cannot have produced.
        case invalidStream
        /// The caller passed values that cannot be coded or written.
        case invalidArgument
    }

    public var kind: Kind
    /// The whole one-line message.
    public var message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message.split(whereSeparator: { $0.isNewline }).joined(separator: " ")
    }

    public var description: String { message }

    /// The same error with `subject: ` (e.g. a file path) in front of its message.
    public func about(_ subject: String) -> RDACodingError {
        RDACodingError(kind, "\(subject): \(message)")
    }
}
