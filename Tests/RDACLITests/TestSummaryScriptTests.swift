import Testing
import Foundation

/// `scripts/test`, the README's test command, ends on "Tests: N passed, N failed, N skipped"
/// (what CI reads), counting the tests of disabled suites as skipped and naming each skip's reason.
@Suite("scripts/test's summary line")
struct TestSummaryScriptTests {
    static let log = """
    [1/1] Planning build
    \t Executed 0 tests, with 0 failures (0 unexpected) in 0.0 (0.0) seconds
    ◇ Test run started.
    ◇ Suite "fetch against a local server" started.
    ➜ Suite "fetch against a local server" skipped: "needs ../shared/data/mnist"
    ◇ Test dataDirIsSkipped() started.
    ✔ Test dataDirIsSkipped() passed after 0.001 seconds.
    ✘ Test "a display name" failed after 0.002 seconds with 1 issue.
    ➜ Test screenshot() skipped: "chromium is not installed"
    ✔ Test ticks(_:) with 7 test cases passed after 4.011 seconds.
    ✘ Test cases(_:) with 2 test cases failed after 1.0 seconds with 1 issue.
    ✘ Test run with 9 tests in 3 suites failed after 1.0 seconds with 2 issues.
    \t Executed 3 tests, with 1 test skipped and 1 failure (0 unexpected) in 0.1 (0.1) seconds

    """

    @Test func countsPassedFailedAndSkippedWithReasons() throws {
        let file = temporaryFolder("rda-test-log").appendingPathComponent("log.txt")
        defer { try? FileManager.default.removeItem(at: file.deletingLastPathComponent()) }
        try Self.log.write(to: file, atomically: true, encoding: .utf8)
        let script = repositoryRoot.appendingPathComponent("scripts/test").path
        let r = try runProcess(URL(fileURLWithPath: "/usr/bin/env"), ["RDA_TEST_PARSE_ONLY=\(file.path)", script])
        #expect(r.status == 0, "\(r.stderr)")
        let lines = r.stdout.split(separator: "\n").map(String.init)
        // Swift Testing: 2 passed, 2 failed, 1 skipped alone, 4 = 9 - 5 in the skipped suite;
        // XCTest: 3 run, 1 skipped, 1 failed, so 1 passed
        #expect(lines.last == "Tests: 3 passed, 3 failed, 6 skipped", "\(r.stdout)")
        #expect(lines.contains { $0.contains("needs ../shared/data/mnist") })
        #expect(lines.contains { $0.contains("chromium is not installed") })
        // the form CI reads: "N passed, N failed[, N skipped]", after at most one word and a colon
        let last = try #require(lines.last)
        #expect(last.range(of: #"^(\w+: )?\d+ passed, \d+ failed(, \d+ skipped)?$"#, options: .regularExpression) != nil)
        // a build that fails runs no test: no "0 passed, 0 failed" line for CI to read as a pass
        try "error: compile command failed\n".write(to: file, atomically: true, encoding: .utf8)
        let none = try runProcess(URL(fileURLWithPath: "/usr/bin/env"), ["RDA_TEST_PARSE_ONLY=\(file.path)", script])
        #expect(none.stdout.contains("No test ran") && !none.stdout.contains("passed"), "\(none.stdout)")
    }
}
