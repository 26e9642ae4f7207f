import ArgumentParser

/// Names an unknown subcommand before ArgumentParser sees it (it would otherwise complain
/// about the first option, e.g. "Unknown option '--data'" for `rda trian --data mnist`).
enum CommandSuggestion {
    /// The one-line problem with `arguments` (without the program name) when a word in a
    /// command position is no subcommand of `root`, else nil.
    static func problem(_ arguments: [String], root: ParsableCommand.Type) -> String? {
        var command: ParsableCommand.Type = root
        var path = [root.configuration.commandName ?? "rda"]
        for word in arguments {
            let subcommands = command.configuration.subcommands
            if subcommands.isEmpty || word.hasPrefix("-") { return nil }
            if word == "help" { return nil }
            let names = subcommands.map { $0.configuration.commandName ?? $0._commandName }
            if let i = names.firstIndex(of: word) {
                command = subcommands[i]
                path.append(word)
                continue
            }
            var line = "unknown command '\(word)'"
            if let best = closest(word, among: names) {
                line += "; did you mean '\(best)'?"
            } else {
                line += "; the commands of \(path.joined(separator: " ")) are: \(names.joined(separator: ", "))"
            }
            return line
        }
        return nil
    }

    /// The name nearest to `word` by edit distance, when it is near enough to be a typo.
    static func closest(_ word: String, among names: [String]) -> String? {
        let scored = names.map { (name: $0, distance: editDistance(word, $0)) }
        guard let best = scored.min(by: { $0.distance < $1.distance }) else { return nil }
        let limit = max(2, best.name.count / 3)
        if best.distance <= limit || best.name.hasPrefix(word) { return best.name }
        return nil
    }

    /// Levenshtein distance, with a swap of two neighbouring letters counting once.
    static func editDistance(_ a: String, _ b: String) -> Int {
        let x = Array(a), y = Array(b)
        if x.isEmpty { return y.count }
        if y.isEmpty { return x.count }
        var d = [[Int]](repeating: [Int](repeating: 0, count: y.count + 1), count: x.count + 1)
        for i in 0...x.count { d[i][0] = i }
        for j in 0...y.count { d[0][j] = j }
        for i in 1...x.count {
            for j in 1...y.count {
                let cost = x[i - 1] == y[j - 1] ? 0 : 1
                d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
                if i > 1, j > 1, x[i - 1] == y[j - 2], x[i - 2] == y[j - 1] {
                    d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
                }
            }
        }
        return d[x.count][y.count]
    }
}
