import Foundation
import RDAIO

// MARK: - Text: measuring, fitting, wrapping and escaping

extension ChartRenderer {
    /// An estimate of the width of `text` in a sans-serif font of `size` pixels (DejaVu Sans
    /// averages about 0.6 em per character; this errs on the wide side).
    static func textWidth(_ text: String, size: Double) -> Double {
        var em = 0.0
        for ch in text {
            if ch == " " || ch == "." || ch == "," || ch == ":" || ch == "(" || ch == ")" || ch == "i" || ch == "l" || ch == "|" || ch == "'" {
                em += 0.34
            } else if ch.isUppercase || ch == "m" || ch == "w" || ch == "M" || ch == "W" {
                em += 0.78
            } else {
                em += 0.62
            }
        }
        return em * size
    }

    /// The largest font size <= `size` at which `text` fits in `available` pixels (at least 9).
    static func fittedSize(_ text: String, size: Double, available: Double) -> Double {
        let width = textWidth(text, size: size)
        if width <= available || width == 0 { return size }
        return Swift.max(9, (size * available / width).rounded(.down))
    }

    /// `text` broken at spaces into at most `maxLines` lines of at most `width` pixels; the last
    /// line ends with "…" when text had to be left out. Time linear in the text: each word's
    /// width is measured once, and a line's width is kept as it grows.
    static func wrap(_ text: String, size: Double, width: Double, maxLines: Int) -> [String] {
        let space = textWidth(" ", size: size)
        var lines: [(text: String, width: Double)] = []
        var current = "", currentWidth = 0.0
        var leftOut = false
        for word in text.split(separator: " ", omittingEmptySubsequences: true) {
            if lines.count == maxLines { leftOut = true; break }
            let w = textWidth(String(word), size: size)
            if current.isEmpty {
                current = String(word); currentWidth = w
            } else if currentWidth + space + w <= width {
                current += " " + word; currentWidth += space + w
            } else {
                lines.append((current, currentWidth))
                current = ""; currentWidth = 0
                if lines.count == maxLines { leftOut = true; break }
                current = String(word); currentWidth = w
            }
        }
        if !current.isEmpty { lines.append((current, currentWidth)) }
        if leftOut || lines.contains(where: { $0.width > width }) {
            // the last line, cut after its longest prefix that fits with " …"
            let last = lines.removeLast().text
            let room = width - textWidth(" …", size: size)
            var kept = "", used = 0.0
            for ch in last {
                let w = textWidth(String(ch), size: size)
                if used + w > room { break }
                kept.append(ch); used += w
            }
            if leftOut || kept.count < last.count {
                lines.append((kept.trimmingCharacters(in: .whitespaces) + " …", 0))
            } else {
                lines.append((last, used))
            }
            // lines before the last were cut at spaces; a single word wider than the line is cut too
            for i in lines.indices.dropLast() where lines[i].width > width {
                var cut = "", w = 0.0
                for ch in lines[i].text {
                    let cw = textWidth(String(ch), size: size)
                    if w + cw > room { break }
                    cut.append(ch); w += cw
                }
                lines[i] = (cut + " …", w)
            }
        }
        return lines.map(\.text)
    }

    /// Escapes text for XML content and attribute values, dropping characters XML 1.0 forbids.
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            case "\t", "\n", "\r": out += " "
            default:
                let v = scalar.value
                if v < 0x20 || (0xFFFE...0xFFFF).contains(v) || (0xD800...0xDFFF).contains(v) { continue }
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// A coordinate with two decimals.
    static func f(_ v: Double) -> String {
        String(format: "%.2f", v)
    }
}

// MARK: - SVG text

/// Accumulates the lines of an SVG document.
struct SVGWriter {
    private var text: String

    init(width: Double, height: Double, title: String) {
        let f = ChartRenderer.f
        text = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        text += "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"\(f(width))\" height=\"\(f(height))\" viewBox=\"0 0 \(f(width)) \(f(height))\" font-family=\"\(ChartRenderer.fontFamily)\">\n"
        text += "<title>\(ChartRenderer.escape(title))</title>\n"
        text += "<rect x=\"0\" y=\"0\" width=\"\(f(width))\" height=\"\(f(height))\" fill=\"#ffffff\"/>\n"
    }

    mutating func line(_ s: String) {
        text += s
        text += "\n"
    }

    mutating func finish() -> String {
        text += "</svg>\n"
        return text
    }
}
