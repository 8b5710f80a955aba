// swift-tools-version: 6.0
//
// sekisho — a mutual-TLS terminating reverse proxy for medical-network service centres.
// Module boundaries are described in docs/ARCHITECTURE.md: only SekishoTLS imports OpenSSL,
// only SekishoHTTP2 imports nghttp2, only SekishoIO makes raw socket syscalls.
import PackageDescription

let strictSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "sekisho",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "sekisho", targets: ["sekisho"]),
        .executable(name: "sekisho-bench", targets: ["sekisho-bench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.2.0"),
    ],
    targets: [
        // --- C boundaries -------------------------------------------------------------------
        .systemLibrary(
            name: "COpenSSL",
            pkgConfig: "openssl",
            providers: [.apt(["libssl-dev"]), .brew(["openssl@3"])]
        ),
        .target(
            name: "CSekishoShims",
            dependencies: ["COpenSSL"]
        ),
        .systemLibrary(
            name: "CNghttp2",
            pkgConfig: "libnghttp2",
            providers: [.apt(["libnghttp2-dev"]), .brew(["libnghttp2"])]
        ),

        // --- Swift modules --------------------------------------------------------------------
        .target(name: "SekishoCore", swiftSettings: strictSettings),
        .target(name: "SekishoIO", dependencies: ["SekishoCore"], swiftSettings: strictSettings),
        .target(
            name: "SekishoTLS",
            dependencies: ["COpenSSL", "CSekishoShims", "SekishoCore"],
            swiftSettings: strictSettings
        ),
        .target(name: "SekishoHTTP1", dependencies: ["SekishoCore"], swiftSettings: strictSettings),
        .target(name: "SekishoHTTP2", dependencies: ["CNghttp2", "SekishoCore"], swiftSettings: strictSettings),
        .target(
            name: "SekishoConfig",
            dependencies: ["SekishoCore", .product(name: "Yams", package: "Yams")],
            swiftSettings: strictSettings
        ),
        .target(
            name: "SekishoProxy",
            dependencies: [
                "SekishoConfig", "SekishoIO", "SekishoTLS", "SekishoHTTP1", "SekishoHTTP2", "SekishoCore",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "sekisho",
            dependencies: [
                "SekishoProxy", "SekishoConfig", "SekishoIO", "SekishoCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "sekisho-bench",
            dependencies: [
                "SekishoIO", "SekishoTLS", "SekishoHTTP1", "SekishoHTTP2", "SekishoCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
            ],
            swiftSettings: strictSettings
        ),

        // A libFuzzer target over both HTTP/1.1 parsers (scripts/fuzz-http1.sh builds it with
        // -sanitize=fuzzer,address); a normal build makes a corpus replayer.
        .executableTarget(
            name: "sekisho-fuzz-http1",
            dependencies: ["SekishoHTTP1"],
            swiftSettings: strictSettings
        ),

        // --- Tests ----------------------------------------------------------------------------
        .testTarget(name: "SekishoCoreTests", dependencies: ["SekishoCore"]),
        .testTarget(name: "SekishoIOTests", dependencies: ["SekishoIO", "SekishoCore"]),
        .testTarget(name: "SekishoTLSTests", dependencies: ["SekishoTLS", "SekishoCore"]),
        .testTarget(name: "SekishoHTTP1Tests", dependencies: ["SekishoHTTP1", "SekishoCore"]),
        .testTarget(name: "SekishoHTTP2Tests", dependencies: ["SekishoHTTP2", "SekishoCore"]),
        .testTarget(name: "SekishoConfigTests", dependencies: ["SekishoConfig", "SekishoCore"]),
        .testTarget(
            name: "SekishoProxyTests",
            dependencies: ["SekishoProxy", "SekishoConfig", "SekishoIO", "SekishoTLS", "SekishoHTTP1", "SekishoCore"]
        ),
        .testTarget(name: "SekishoIntegrationTests", dependencies: ["SekishoCore"]),
    ]
)
