import ArgumentParser
import Foundation
import RDAModel
import RDACore
import RDAKernels

extension RDACommand {
    /// The entry point: names an unknown command (`rda trian`) and the closest one, parses the
    /// arguments (after `CommandLineEntry.joiningNegativeValues`), runs the command, and turns a
    /// parse error into one line on standard error (the problem and where to look for the
    /// options) with exit status 64, never the usage text.
    static func main() {
        OptionNames.style = .flags   // the library's messages name options as this command's flags
        if let problem = CommandSuggestion.problem(Array(CommandLine.arguments.dropFirst()), root: RDACommand.self) {
            Console.error(problem)
            Foundation.exit(64)
        }
        // RDA_THREADS and RDA_GEMM are valid, RDA_ISA names a GEMM kernel variant this CPU
        // runs, and RDA_WINOGRAD is 0 or 1, or rda does not start.
        if let problem = Threads.environmentProblem() ?? KernelISA.selection.problem ?? ConvolutionSettings.environmentProblem() {
            Console.error(problem)
            Foundation.exit(64)
        }
        let arguments = CommandLineEntry.joiningNegativeValues(Array(CommandLine.arguments.dropFirst()))
        do {
            var command = try parseAsRoot(arguments)
            try command.run()
        } catch let code as ExitCode {
            // The command has reported its own failure (`reportingErrors`).
            Foundation.exit(code.rawValue)
        } catch {
            if exitCode(for: error) == .success { exit(withError: error) }  // --help, --version
            var message = CommandLineEntry.oneLine(message(for: error))
            while message.hasSuffix(".") { message.removeLast() }   // "...'quantized'.; see" read as a typo
            let command = arguments.first.flatMap { name in configuration.subcommands.first { $0._commandName == name }?._commandName }
            FileHandle.standardError.write(Data("rda: error: \(message); see 'rda \(command.map { "\($0) " } ?? "")--help'\n".utf8))
            Foundation.exit(ExitCode.validationFailure.rawValue)
        }
    }
}

/// Argument handling before swift-argument-parser sees the arguments.
enum CommandLineEntry {
    /// `--name -5` becomes `--name=-5`, so that a negative number after an option is that
    /// option's value (and reaches the command's own validation) instead of being read as an
    /// unknown short option. Only words that read as numbers are joined (`-5`, `-1e-3`, `-.5`, `-1,2`,
    /// `-inf`, `-nan`); everything else is left as it is.
    static func joiningNegativeValues(_ arguments: [String]) -> [String] {
        var out: [String] = []
        var i = 0
        while i < arguments.count {
            let a = arguments[i]
            if a == "--" { out += arguments[i...]; break }
            if a.hasPrefix("--"), a.count > 2, !a.contains("="), i + 1 < arguments.count, looksNegative(arguments[i + 1]) {
                out.append("\(a)=\(arguments[i + 1])")
                i += 2
                continue
            }
            out.append(a)
            i += 1
        }
        return out
    }

    /// Whether `word` is a negative number as a user would type it.
    static func looksNegative(_ word: String) -> Bool {
        guard word.hasPrefix("-"), word.count > 1 else { return false }
        let rest = word.dropFirst().lowercased()
        if ["inf", "infinity", "nan"].contains(rest) { return true }
        guard let first = rest.first else { return false }
        return first.isASCII && (first.isNumber || first == ".")
    }

    /// `text` on one line: lines joined with "; ", surrounding blanks removed.
    static func oneLine(_ text: String) -> String {
        text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }.joined(separator: "; ")
    }
}
