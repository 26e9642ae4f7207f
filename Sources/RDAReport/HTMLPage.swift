import Foundation
import RDAIO

/// A small, self-contained HTML page: one embedded style sheet, no scripts, no network. Pictures
/// are referenced by relative paths (they lie beside the page) so the page opens from disk.
///
///     var page = HTMLPage(title: "run")
///     page.heading("Evaluation")
///     page.table(header: ["term", "nats"], rows: [["rate", "12.5"]])
///     try page.write(to: dir.appendingPathComponent("report.html"))
public struct HTMLPage: Sendable {
    public var title: String
    private var body: [String] = []

    public init(title: String) { self.title = title }

    static let style = """
    body { font-family: DejaVu Sans, Verdana, Helvetica, Arial, sans-serif; margin: 24px auto; max-width: 1100px; color: #111; padding: 0 16px; }
    h1 { font-size: 24px; margin-bottom: 4px; } h2 { font-size: 19px; margin-top: 32px; border-bottom: 1px solid #ccc; padding-bottom: 4px; }
    p.note { color: #555; font-size: 14px; margin-top: 4px; }
    table { border-collapse: collapse; font-size: 14px; margin: 8px 0; }
    th, td { border: 1px solid #ccc; padding: 4px 10px; text-align: left; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
    th { background: #f0f0f0; }
    img.chart { max-width: 100%; border: 1px solid #ddd; }
    figure { margin: 12px 0 24px 0; } figcaption { font-size: 14px; color: #333; margin-top: 6px; }
    .grid { display: flex; align-items: flex-start; gap: 10px; }
    .rowlabels { position: relative; font-size: 13px; color: #333; min-width: 150px; }
    .rowlabels div { position: absolute; right: 0; display: flex; align-items: center; text-align: right; white-space: nowrap; }
    img.pixels { image-rendering: pixelated; max-width: 100%; height: auto; }
    """

    /// Escapes text for HTML content and attribute values.
    public static func escape(_ text: String) -> String {
        var out = ""
        for ch in text {
            switch ch {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(ch)
            }
        }
        return out
    }

    public mutating func heading(_ text: String, level: Int = 2) {
        body.append("<h\(level)>\(Self.escape(text))</h\(level)>")
    }

    public mutating func paragraph(_ text: String, note: Bool = false) {
        body.append("<p\(note ? " class=\"note\"" : "")>\(Self.escape(text))</p>")
    }

    /// A paragraph of raw HTML (the caller escapes its text).
    public mutating func raw(_ html: String) { body.append(html) }

    /// A table; cells that read as numbers are right-aligned. `links[r][c]`, when given and not
    /// empty, makes that cell a link to the (relative) address.
    public mutating func table(header: [String], rows: [[String]], links: [[String]]? = nil) {
        var t = "<table>\n<tr>" + header.map { "<th>\(Self.escape($0))</th>" }.joined() + "</tr>\n"
        for (r, row) in rows.enumerated() {
            t += "<tr>"
            for (c, cell) in row.enumerated() {
                let numeric = Double(cell.replacingOccurrences(of: ",", with: "").replacingOccurrences(of: "%", with: "")) != nil
                var content = Self.escape(cell)
                if let link = links?[r][c], !link.isEmpty { content = "<a href=\"\(Self.escape(link))\">\(content)</a>" }
                t += numeric ? "<td class=\"num\">\(content)</td>" : "<td>\(content)</td>"
            }
            t += "</tr>\n"
        }
        body.append(t + "</table>")
    }

    /// A chart (SVG or PNG beside the page) with a caption.
    public mutating func figure(_ src: String, caption: String, alt: String) {
        body.append("<figure><img class=\"chart\" src=\"\(Self.escape(src))\" alt=\"\(Self.escape(alt))\"><figcaption>\(Self.escape(caption))</figcaption></figure>")
    }

    /// A picture (PNG beside the page, `width` x `height` pixels) shown at its pixel size, without
    /// smoothing, with a caption.
    public mutating func picture(_ src: String, width: Int, height: Int, caption: String, alt: String) {
        body.append("<figure><img class=\"pixels\" src=\"\(Self.escape(src))\" width=\"\(width)\" height=\"\(height)\" "
                    + "alt=\"\(Self.escape(alt))\"><figcaption>\(Self.escape(caption))</figcaption></figure>")
    }

    /// A picture grid (PNG beside the page, `width` x `height` pixels) shown at its pixel size,
    /// each image row labelled on its left at `rowTops` (pixel rows of the PNG) with `rowLabels`.
    public mutating func labelledGrid(_ src: String, width: Int, height: Int, rowTops: [Int], rowHeight: Int,
                                      rowLabels: [String], caption: String, alt: String) {
        var labels = ""
        for (top, label) in zip(rowTops, rowLabels) {
            labels += "<div style=\"top: \(top)px; height: \(rowHeight)px\">\(Self.escape(label))</div>"
        }
        body.append("""
        <figure><div class="grid"><div class="rowlabels" style="height: \(height)px">\(labels)</div>\
        <img class="pixels" src="\(Self.escape(src))" width="\(width)" height="\(height)" alt="\(Self.escape(alt))"></div>\
        <figcaption>\(Self.escape(caption))</figcaption></figure>
        """)
    }

    /// The whole document.
    public func html() -> String {
        """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><title>\(Self.escape(title))</title>
        <style>
        \(Self.style)
        </style></head>
        <body>
        <h1>\(Self.escape(title))</h1>
        \(body.joined(separator: "\n"))
        </body></html>

        """
    }

    /// Writes `html()` to `url` atomically.
    public func write(to url: URL) throws {
        try AtomicFile.write(Data(html().utf8), to: url)
    }
}
