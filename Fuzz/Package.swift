// swift-tools-version:6.0
// Coverage-guided fuzz targets (libFuzzer) for rda's file readers: one executable per reader,
// each defining `LLVMFuzzerTestOneInput`. Depends on rda one folder up, by path.
//
// Build (libFuzzer supplies `main`; the readers are instrumented too, since the sanitizer flags
// apply to the whole build):
//   swift build -c release --sanitize=fuzzer -Xswiftc -sanitize=fuzzer,address -Xswiftc -enable-testing
// (see scripts/fuzz for why both).
// Run: ../scripts/fuzz SECONDS  (see docs/development.md, "Sanitizers and fuzzing").
import PackageDescription

// A path dependency's identity is its folder's name (`rda` in a plain clone, whatever the
// worktree is called otherwise).
let rda = Context.packageDirectory.split(separator: "/").dropLast().last.map { String($0).lowercased() } ?? "rda"

let settings: [SwiftSetting] = [.swiftLanguageMode(.v5)]

let package = Package(
    name: "rda-fuzz",
    dependencies: [.package(path: "../")],
    targets: [
        .target(name: "FuzzSupport",
                dependencies: [.product(name: "RDAIO", package: rda), .product(name: "RDAModel", package: rda),
                               .product(name: "RDACore", package: rda)],
                swiftSettings: settings),
        .executableTarget(name: "FuzzIDX", dependencies: ["FuzzSupport", .product(name: "RDAIO", package: rda)],
                          swiftSettings: settings),
        .executableTarget(name: "FuzzGzip", dependencies: ["FuzzSupport", .product(name: "RDAIO", package: rda)],
                          swiftSettings: settings),
        .executableTarget(name: "FuzzSafetensors",
                          dependencies: ["FuzzSupport", .product(name: "RDAIO", package: rda),
                                         .product(name: "RDAModel", package: rda)],
                          swiftSettings: settings),
        .executableTarget(name: "FuzzPNG", dependencies: ["FuzzSupport", .product(name: "RDAIO", package: rda),
                                                           .product(name: "RDACoding", package: rda)],
                          swiftSettings: settings),
        .executableTarget(name: "FuzzRunFiles",
                          dependencies: ["FuzzSupport", .product(name: "RDAModel", package: rda), .product(name: "RDACore", package: rda),
                                         .product(name: "RDAReport", package: rda), .product(name: "RDAIO", package: rda)],
                          swiftSettings: settings),
        .executableTarget(name: "FuzzJSON", dependencies: ["FuzzSupport", .product(name: "RDAIO", package: rda)],
                          swiftSettings: settings),
    ]
)
