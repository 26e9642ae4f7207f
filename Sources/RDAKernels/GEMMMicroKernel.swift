// The register-blocked micro-kernel of the pure-Swift GEMM.
//
// It multiplies a packed micro-panel of A (kc steps of `mr` values, one per row) by a packed
// micro-panel of B (kc steps of `nr` values, one per column) and merges the mr x nr result into
// C. The 6 x 16 tile keeps 12 SIMD8<Float> accumulators, two vectors of B and one broadcast of A
// in registers: 15 of the 16 ymm registers that AVX2 offers. (SIMD16 accumulators in an 8 x 32
// tile would need 32 and spill: measured at half the speed.) With `-march=x86-64-v3`
// `addingProduct` becomes one `vfmadd231ps`; on baseline x86-64 it is still correct, only slow.
enum MicroKernel {
    typealias V = SIMD8<Float>
    /// Rows of C per tile: values of A per k step in a packed A micro-panel.
    static let mr = 6
    /// Columns of C per tile: values of B per k step in a packed B micro-panel.
    static let nr = 16

    /// C[0..<rows, 0..<cols] = beta * C + alpha * (A panel * B panel), with `beta == 0` never
    /// reading C. `rows <= mr`, `cols <= nr`; the packed panels are zero-padded to full size.
    @inline(never)
    static func run(
        kc: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>,
        c: UnsafeMutablePointer<Float>, ldc: Int, rows: Int, cols: Int,
        alpha: Float, beta: Float
    ) {
        var c00 = V(), c01 = V(), c10 = V(), c11 = V(), c20 = V(), c21 = V()
        var c30 = V(), c31 = V(), c40 = V(), c41 = V(), c50 = V(), c51 = V()
        var pa = a
        var pb = UnsafeRawPointer(b)
        var p = 0
        while p < kc {
            let b0 = pb.loadUnaligned(as: V.self)
            let b1 = pb.loadUnaligned(fromByteOffset: 32, as: V.self)
            var x = V(repeating: pa[0])
            c00 = c00.addingProduct(x, b0)
            c01 = c01.addingProduct(x, b1)
            x = V(repeating: pa[1])
            c10 = c10.addingProduct(x, b0)
            c11 = c11.addingProduct(x, b1)
            x = V(repeating: pa[2])
            c20 = c20.addingProduct(x, b0)
            c21 = c21.addingProduct(x, b1)
            x = V(repeating: pa[3])
            c30 = c30.addingProduct(x, b0)
            c31 = c31.addingProduct(x, b1)
            x = V(repeating: pa[4])
            c40 = c40.addingProduct(x, b0)
            c41 = c41.addingProduct(x, b1)
            x = V(repeating: pa[5])
            c50 = c50.addingProduct(x, b0)
            c51 = c51.addingProduct(x, b1)
            pa += 6
            pb += 64
            p &+= 1
        }

        if rows == mr && cols == nr {
            let out = UnsafeMutableRawPointer(c)
            let stride = ldc &* 4
            if beta == 0 {
                let va = V(repeating: alpha)
                @inline(__always) func put(_ r: Int, _ v0: V, _ v1: V) {
                    let row = out + r &* stride
                    row.storeBytes(of: va * v0, as: V.self)
                    row.storeBytes(of: va * v1, toByteOffset: 32, as: V.self)
                }
                put(0, c00, c01); put(1, c10, c11); put(2, c20, c21)
                put(3, c30, c31); put(4, c40, c41); put(5, c50, c51)
            } else if beta == 1 {
                let va = V(repeating: alpha)
                @inline(__always) func put(_ r: Int, _ v0: V, _ v1: V) {
                    let row = out + r &* stride
                    let o0 = row.loadUnaligned(as: V.self)
                    let o1 = row.loadUnaligned(fromByteOffset: 32, as: V.self)
                    row.storeBytes(of: o0.addingProduct(va, v0), as: V.self)
                    row.storeBytes(of: o1.addingProduct(va, v1), toByteOffset: 32, as: V.self)
                }
                put(0, c00, c01); put(1, c10, c11); put(2, c20, c21)
                put(3, c30, c31); put(4, c40, c41); put(5, c50, c51)
            } else {
                let va = V(repeating: alpha)
                let vb = V(repeating: beta)
                @inline(__always) func put(_ r: Int, _ v0: V, _ v1: V) {
                    let row = out + r &* stride
                    let o0 = row.loadUnaligned(as: V.self)
                    let o1 = row.loadUnaligned(fromByteOffset: 32, as: V.self)
                    row.storeBytes(of: (vb * o0).addingProduct(va, v0), as: V.self)
                    row.storeBytes(of: (vb * o1).addingProduct(va, v1), toByteOffset: 32, as: V.self)
                }
                put(0, c00, c01); put(1, c10, c11); put(2, c20, c21)
                put(3, c30, c31); put(4, c40, c41); put(5, c50, c51)
            }
            return
        }

        // Edge tile: spill the accumulators to a local tile, then merge the valid part.
        withUnsafeTemporaryAllocation(of: Float.self, capacity: 96) { tile in
            let t = UnsafeMutableRawPointer(tile.baseAddress!)
            t.storeBytes(of: c00, toByteOffset: 0, as: V.self)
            t.storeBytes(of: c01, toByteOffset: 32, as: V.self)
            t.storeBytes(of: c10, toByteOffset: 64, as: V.self)
            t.storeBytes(of: c11, toByteOffset: 96, as: V.self)
            t.storeBytes(of: c20, toByteOffset: 128, as: V.self)
            t.storeBytes(of: c21, toByteOffset: 160, as: V.self)
            t.storeBytes(of: c30, toByteOffset: 192, as: V.self)
            t.storeBytes(of: c31, toByteOffset: 224, as: V.self)
            t.storeBytes(of: c40, toByteOffset: 256, as: V.self)
            t.storeBytes(of: c41, toByteOffset: 288, as: V.self)
            t.storeBytes(of: c50, toByteOffset: 320, as: V.self)
            t.storeBytes(of: c51, toByteOffset: 352, as: V.self)
            let src0 = UnsafePointer(tile.baseAddress!)
            for r in 0..<rows {
                let src = src0 + r &* nr
                let dst = c + r &* ldc
                // The same roundings as the full tile (a fused multiply-add onto beta * C), so an
                // element's bits do not depend on where the tiles fall (on the thread split).
                if beta == 0 {
                    for j in 0..<cols { dst[j] = alpha * src[j] }
                } else if beta == 1 {
                    for j in 0..<cols { dst[j] = dst[j].addingProduct(alpha, src[j]) }
                } else {
                    for j in 0..<cols { dst[j] = (beta * dst[j]).addingProduct(alpha, src[j]) }
                }
            }
        }
    }
}
