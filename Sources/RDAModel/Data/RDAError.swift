import RDAKernels

/// A user-facing failure of the model layer: one line naming the problem and how to fix it.
/// (File-level failures come as `RDAIOError`, which reads the same way.)
///
/// The library speaks of the options a user sets by their names, marked `‹name›` where the
/// message is written (`"‹lambda› \(l) must be positive"`); how a marked name reads is the
/// application's choice (`OptionNames.style`): the library's own words (`` `lambda` ``) or the
/// command line's flags (`--lambda`, set by `rda`).
public struct RDAError: Error, CustomStringConvertible, Equatable {
    /// The message as written, options marked `‹name›`.
    public let raw: String
    /// An error with this one-line message (options marked `‹name›`).
    public init(_ message: String) { raw = message }
    /// The one-line message, options named in the style of `OptionNames.style`.
    public var message: String { OptionNames.render(raw) }
    /// The message.
    public var description: String { message }
}

/// How messages name the options a user sets (see `RDAError`).
public enum OptionNames {
    /// The ways to name an option.
    public enum Style: Sendable {
        /// The library's words: `` `latent-dim` ``.
        case names
        /// A command line's flags: `--latent-dim`.
        case flags
    }

    private static let current = Locked(Style.names)

    /// The style every message renders in (the library's names until an application sets it).
    public static var style: Style {
        get { current.withLock { $0 } }
        set { current.withLock { $0 = newValue } }
    }

    /// `text` with every `‹name›` written in `style`.
    public static func render(_ text: String, style: Style = OptionNames.style) -> String {
        guard text.contains("‹") else { return text }
        var out = "", rest = Substring(text)
        while let open = rest.firstIndex(of: "‹"), let close = rest[open...].firstIndex(of: "›") {
            out += rest[..<open]
            let name = rest[rest.index(after: open)..<close]
            out += style == .flags ? "--\(name)" : "`\(name)`"
            rest = rest[rest.index(after: close)...]
        }
        return out + rest
    }
}
