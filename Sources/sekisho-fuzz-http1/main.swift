// libFuzzer target for the HTTP/1.1 parsers; see scripts/fuzz-http1.sh.
//
// SwiftPM renames an executable's entry point and links `main` to it, so libFuzzer's own `main`
// cannot be used. Instead, built with `-sanitize=fuzzer,address -D SEKISHO_LIBFUZZER`, this file
// hands control to libFuzzer through `LLVMFuzzerRunDriver`. Built normally (as part of
// `swift build`), it is a corpus replayer: `sekisho-fuzz-http1 FILE...` runs each file through the
// entry point once, so crashers kept as regression inputs can be re-checked without the fuzzer.
import SekishoHTTP1

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The libFuzzer callback, also exported under the conventional name so other drivers
/// (e.g. a standalone replay main) can link against it.
@_cdecl("LLVMFuzzerTestOneInput")
func fuzzHTTP1(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    HTTP1FuzzEntry.run(data: UnsafeRawBufferPointer(start: data, count: size))
    return 0
}

#if SEKISHO_LIBFUZZER
// int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*cb)(const uint8_t *, size_t));
// Declared by symbol name: its arguments are plain pointers, passed in the same registers by the
// Swift and C conventions on x86_64 and arm64.
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt

var argc = CommandLine.argc
var argv = CommandLine.unsafeArgv
exit(LLVMFuzzerRunDriver(&argc, &argv, fuzzHTTP1))
#else
let paths = CommandLine.arguments.dropFirst()
if paths.isEmpty {
    print("usage: sekisho-fuzz-http1 FILE...  (replays inputs through HTTP1FuzzEntry)")
    exit(2)
}
for path in paths {
    guard let file = fopen(path, "rb") else {
        print("cannot read \(path)")
        exit(1)
    }
    var data: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 65_536)
    while true {
        let n = fread(&chunk, 1, chunk.count, file)
        if n <= 0 { break }
        data.append(contentsOf: chunk[..<n])
    }
    fclose(file)
    data.withUnsafeBytes { HTTP1FuzzEntry.run(data: $0) }
    print("ok \(path) (\(data.count) bytes)")
}
#endif
