// swift-tools-version:6.0
// An example consumer of rda: depends on the repository one folder up, by path.
import PackageDescription

// A path dependency's identity is its folder's name (`rda` in a plain clone); read it here so
// the example builds from any checkout folder.
let rda = Context.packageDirectory.split(separator: "/").dropLast().last.map { String($0).lowercased() } ?? "rda"

let package = Package(
    name: "rda-examples",
    dependencies: [.package(path: "../")],
    targets: [
        .executableTarget(
            name: "TinyRDA",
            dependencies: [.product(name: "RDAModel", package: rda), .product(name: "RDACore", package: rda)],
            swiftSettings: [.swiftLanguageMode(.v5)]),
    ]
)
