// swift-tools-version:6.0
// rda: noisy-channel rate-distortion autoencoders in Swift.
//
// The modules and their one-way dependencies are described once, in docs/architecture.md.
import PackageDescription
import Foundation

// MARK: - CPU code generation
//
// Swift has no per-function target attributes, so the SIMD kernels get their instruction set
// from the whole module's flags. Without a flag Swift targets baseline x86-64 (SSE2), where
// `addingProduct` turns into calls to `fmaf` and the GEMM drops to about 14% of OpenBLAS.
// We build for x86-64-v3 (AVX2 + FMA: every x86 CPU since about 2013-2015) by default.
// `-fno-math-errno` lets `squareRoot()` (a C shim around `sqrtf`) be the bare square-root
// instruction, which vectorizes, instead of one that branches to libm to set `errno` on negative
// input: Adam's update ran 2.5x slower with the branch. The results are the same IEEE values.
//
// `unsafeFlags` are accepted only in a root package (or a local path dependency). A project that
// depends on rda by URL, or one that must run on pre-AVX2 CPUs, sets RDA_PORTABLE=1 when it builds:
// the kernels then compile for the baseline, stay correct, and rely on OpenBLAS for speed.
let portable = ProcessInfo.processInfo.environment["RDA_PORTABLE"] != nil
var cpuFlags: [SwiftSetting] = []
#if arch(x86_64)
if !portable {
    cpuFlags = [.unsafeFlags(["-Xcc", "-march=x86-64-v3", "-Xcc", "-fno-math-errno"])]
}
#endif
let settings: [SwiftSetting] = cpuFlags + [.swiftLanguageMode(.v5)]

let package = Package(
    name: "rda",
    products: [
        .executable(name: "rda", targets: ["RDACLI"]),
        .library(name: "RDACore", targets: ["RDACore"]),
        .library(name: "RDAModel", targets: ["RDAModel"]),
        .library(name: "RDAIO", targets: ["RDAIO"]),
        .library(name: "RDAReport", targets: ["RDAReport"]),
        .library(name: "RDACoding", targets: ["RDACoding"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        // `swift package generate-documentation --target RDAModel` (DocC); no code depends on it.
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"),
    ],
    targets: [
        // MARK: System libraries
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        // libjpeg-turbo (Debian: libjpeg62-turbo-dev) behind a C shim whose error manager
        // longjmps instead of exiting (Sources/CJPEG/rda_jpeg.c).
        .target(name: "CJPEG", linkerSettings: [.linkedLibrary("jpeg")]),

        // MARK: Library layers
        // The C kernels carry their instruction sets per function (`__attribute__((target))`), so
        // they need no CPU flag: RDA_PORTABLE builds still get the AVX2 and AVX-512 variants.
        .target(name: "CRDAKernels"),
        .target(name: "RDAKernels", dependencies: ["CRDAKernels"], swiftSettings: settings),
        .target(name: "RDACore", dependencies: ["RDAKernels", "CRDAKernels"], swiftSettings: settings),
        .target(name: "RDAIO", dependencies: ["CZlib", "CJPEG"], swiftSettings: settings),
        .target(name: "RDAReport", dependencies: ["RDAIO"], swiftSettings: settings),
        .target(name: "RDACoding", swiftSettings: settings),
        .target(name: "RDAModel", dependencies: ["RDAKernels", "RDACore", "RDAIO", "RDAReport", "RDACoding"], swiftSettings: settings),
        .target(name: "RDABench", dependencies: ["RDAModel", "RDACore", "RDAIO", "RDAKernels", "RDACoding"], swiftSettings: settings),

        // MARK: Command line
        .executableTarget(
            name: "RDACLI",
            dependencies: [
                "RDAModel", "RDAIO", "RDAReport", "RDACore", "RDAKernels", "RDACoding", "RDABench",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: settings),

        // MARK: Tests
        // What only the tests use: the IDX writer, the finite-difference gradient check, the
        // shared data folder ($RDA_DATA_DIR or ../shared/data). The product never links it.
        .target(name: "RDATestSupport", dependencies: ["RDACore", "RDAIO"], path: "Tests/RDATestSupport", swiftSettings: settings),
        .testTarget(name: "RDAKernelsTests", dependencies: ["RDAKernels", "CRDAKernels"], swiftSettings: settings),
        .testTarget(name: "RDACoreTests", dependencies: ["RDACore", "RDATestSupport"], swiftSettings: settings),
        .testTarget(name: "RDAIOTests", dependencies: ["RDAIO", "RDATestSupport"], swiftSettings: settings),
        .testTarget(name: "RDAReportTests", dependencies: ["RDAReport", "RDAIO", "RDATestSupport"], swiftSettings: settings),
        .testTarget(name: "RDACodingTests", dependencies: ["RDACoding", "RDAIO"], swiftSettings: settings),
        .testTarget(name: "RDABenchTests", dependencies: ["RDABench", "RDAModel", "RDACore"], swiftSettings: settings),
        .testTarget(name: "RDAModelTests", dependencies: ["RDAModel", "RDAKernels", "RDAIO", "RDAReport", "RDACoding", "RDATestSupport"],
                    exclude: ["Fixtures"], swiftSettings: settings),
        .testTarget(name: "RDACLITests", dependencies: ["RDACLI", "RDAKernels", "RDAIO", "RDAReport", "RDAModel", "RDACore", "RDACoding", "RDATestSupport"], swiftSettings: settings),
    ]
)
