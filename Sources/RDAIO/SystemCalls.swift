#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

// Thin wrappers for C calls whose names are shadowed by RDAIO methods (`write`, `close`).

/// C `write(2)`.
@inline(__always) func systemWrite(_ fd: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int {
    write(fd, buffer, count)
}

/// C `close(2)`.
@inline(__always) func systemClose(_ fd: Int32) -> Int32 {
    close(fd)
}
