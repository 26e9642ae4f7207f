// Packing of A and B into the micro-panel layout the micro-kernel reads.
//
// A packed A micro-panel holds `kb` steps of `mr` values: op(A)(i0 + r, p0 + p) at p * mr + r,
// zero-padded past the last row. A packed B micro-panel holds `kb` steps of `nr` values:
// op(B)(p0 + p, j0 + j) at p * nr + j, zero-padded past the last column.
//
// op(A)(i, p) is a[i * lda + p], or a[p * lda + i] when transposed; op(B)(p, j) is
// b[p * ldb + j], or b[j * ldb + p] when transposed. Where the source runs along the packed
// direction (transposed A, plain B) the copy is contiguous; otherwise it gathers across rows.
enum Packing {
    typealias V = SIMD8<Float>

    /// Spare floats a packing buffer needs past its last panel.
    static let packSlack = 16

    /// Packs rows i0..<i0+rows (rows <= mr), columns p0..<p0+kb of op(A) into `dst`.
    static func packA(
        transposed: Bool, a: UnsafePointer<Float>, lda: Int,
        i0: Int, rows: Int, p0: Int, kb: Int, dst: UnsafeMutablePointer<Float>
    ) {
        let mr = MicroKernel.mr
        var out = dst
        if transposed {
            var src = a + (p0 &* lda &+ i0)
            if rows == mr {
                for _ in 0..<kb {
                    out[0] = src[0]; out[1] = src[1]; out[2] = src[2]
                    out[3] = src[3]; out[4] = src[4]; out[5] = src[5]
                    out += mr
                    src += lda
                }
            } else {
                for _ in 0..<kb {
                    for r in 0..<rows { out[r] = src[r] }
                    for r in rows..<mr { out[r] = 0 }
                    out += mr
                    src += lda
                }
            }
        } else {
            let src = a + (i0 &* lda &+ p0)
            if rows == mr {
                // 8 x 8 transposes of rows 0...5 (rows 6 and 7 repeat row 5, so no read goes
                // past the matrix): transposed row q holds k step p + q, of which the first 6
                // values are kept. Stored as 8 floats at a 6-float stride in ascending order,
                // each store's last two values are overwritten by the next; the last spills 2
                // floats past the panel (overwritten by the next panel, or the k remainder below;
                // buffers have `packSlack` spare floats).
                var p = 0
                while p &+ 8 <= kb {
                    Transpose.block8x8(src + p, ld: lda, rowLimit: 5, out, ldd: mr)
                    out += 8 &* mr
                    p &+= 8
                }
                let s0 = src, s1 = src + lda, s2 = src + 2 &* lda
                let s3 = src + 3 &* lda, s4 = src + 4 &* lda, s5 = src + 5 &* lda
                while p < kb {
                    out[0] = s0[p]; out[1] = s1[p]; out[2] = s2[p]
                    out[3] = s3[p]; out[4] = s4[p]; out[5] = s5[p]
                    out += mr
                    p &+= 1
                }
            } else {
                for p in 0..<kb {
                    for r in 0..<rows { out[r] = src[r &* lda &+ p] }
                    for r in rows..<mr { out[r] = 0 }
                    out += mr
                }
            }
        }
    }

    /// Packs rows p0..<p0+kb, columns j0..<j0+cols (cols <= nr) of op(B) into `dst`, for a
    /// micro-kernel of `nr` columns (a multiple of 8: 16 for AVX2, 32 for AVX-512).
    static func packB(
        transposed: Bool, b: UnsafePointer<Float>, ldb: Int,
        p0: Int, kb: Int, j0: Int, cols: Int, nr: Int, dst: UnsafeMutablePointer<Float>
    ) {
        var out = dst
        if !transposed {
            var src = b + (p0 &* ldb &+ j0)
            if cols == nr {
                let bytes = nr &* 4
                for _ in 0..<kb {
                    let s = UnsafeRawPointer(src)
                    let o = UnsafeMutableRawPointer(out)
                    var offset = 0
                    while offset < bytes {
                        o.storeBytes(of: s.loadUnaligned(fromByteOffset: offset, as: V.self), toByteOffset: offset, as: V.self)
                        offset &+= 32
                    }
                    out += nr
                    src += ldb
                }
            } else {
                for _ in 0..<kb {
                    for j in 0..<cols { out[j] = src[j] }
                    for j in cols..<nr { out[j] = 0 }
                    out += nr
                    src += ldb
                }
            }
        } else {
            let src = b + (j0 &* ldb &+ p0)
            if cols == nr {
                // nr / 8 transposes of 8 x 8 per 8 k steps, then the k remainder.
                var p = 0
                while p &+ 8 <= kb {
                    var j = 0
                    while j < nr {
                        Transpose.block8x8(src + (p &+ j &* ldb), ld: ldb, out + j, ldd: nr)
                        j &+= 8
                    }
                    out += 8 &* nr
                    p &+= 8
                }
                while p < kb {
                    var s = src + p
                    for j in 0..<nr {
                        out[j] = s[0]
                        s += ldb
                    }
                    out += nr
                    p &+= 1
                }
            } else {
                for p in 0..<kb {
                    for j in 0..<cols { out[j] = src[j &* ldb &+ p] }
                    for j in cols..<nr { out[j] = 0 }
                    out += nr
                }
            }
        }
    }
}
