// The AVX-512 path of `DirectConv`: 12-row register blocks in C (`CRDAKernels/conv_tiles.h`,
// 12 zmm accumulators against the Swift blocks' 6 rows in 12 ymm, or 24 for two groups of 16
// columns at once, which halves the broadcasts a multiply-add), stored by the Swift blocks'
// own epilogue as two 6-row halves. Each sum runs over k in the order of the Swift blocks, and
// the scatter adds into the image in the Swift order (rows 0-5 over every group, then rows
// 6-11), so results have the same bits on either path.
import CRDAKernels
import RDAKernels

extension DirectConv {
    /// Whether the 12-row AVX-512 blocks run (`KernelISA.active`, which `RDA_ISA` can force).
    static let wide = KernelISA.active == .avx512

    /// Rows per wide block.
    static let wideRows = 12

    /// `run` in 12-row blocks, two groups of 16 columns a block where there are two (the chunks
    /// of k, the order of each sum and the epilogue as in `run`). The block's sums live in one
    /// buffer for the whole call (a temporary per block would be a heap allocation).
    static func wideRun(rows: UnsafePointer<UnsafePointer<Float>>, pixels: Int, segments: Int, segmentLength: Int,
                        segmentStride: Int, weights: PackedConvWeights, out: UnsafeMutablePointer<Float>, ldOut: Int,
                        bias: UnsafePointer<Float>?, activation: Activation) {
        let k = segments * segmentLength, w = weights.data.data, groups = weights.groups
        let chunk = Swift.max(1, Swift.min(segments, DirectConv.chunkFloats / Swift.max(segmentLength, 1)))
        withUnsafeTemporaryAllocation(of: Float.self, capacity: 2 * wideRows * 16) { sums in
            withUnsafeTemporaryAllocation(of: UnsafePointer<Float>?.self, capacity: wideRows) { table in
                let s = sums.baseAddress!, t = table.baseAddress!
                var g = 0
                while g < groups {
                    let pair = g + 1 < groups
                    var s0 = 0
                    while s0 < segments {
                        let n0 = Swift.min(chunk, segments - s0), last = s0 + n0 == segments
                        let panel = UnsafePointer(w + g * k * 16 + s0 * segmentLength * 16)
                        var p = 0
                        while p < pixels {
                            let n = Swift.min(wideRows, pixels - p)
                            for r in 0..<wideRows { t[r] = rows[p + (r < n ? r : 0)] }
                            if pair {
                                rda_conv_tile2_avx512(t, s0 * segmentStride, n0, segmentLength, segmentStride, panel, k * 16, s)
                            } else {
                                rda_conv_tile_avx512(t, s0 * segmentStride, n0, segmentLength, segmentStride, panel, s)
                            }
                            for h in 0..<(pair ? 2 : 1) {
                                let e = Epilogue(bias: last ? bias.map { $0 + (g + h) * 16 } : nil, activation: last ? activation : .identity)
                                storeHalves(s + h * wideRows * 16, count: n, out: out + p * ldOut + (g + h) * 16, ldOut: ldOut,
                                            accumulate: s0 > 0, epilogue: e)
                            }
                            p += wideRows
                        }
                        s0 += n0
                    }
                    g += pair ? 2 : 1
                }
            }
        }
    }

    /// Stores the first `count` of 12 rows of sums (row-major at `sums`) with the Swift blocks'
    /// store, as two 6-row halves.
    @inline(__always)
    static func storeHalves(_ sums: UnsafePointer<Float>, count: Int, out: UnsafeMutablePointer<Float>, ldOut: Int,
                            accumulate: Bool, epilogue: Epilogue = Epilogue()) {
        Block6x16(sums: sums).store(out, ldOut: ldOut, count: Swift.min(6, count), accumulate: accumulate, epilogue: epilogue)
        if count > 6 {
            Block6x16(sums: sums + 96).store(out + 6 * ldOut, ldOut: ldOut, count: count - 6, accumulate: accumulate, epilogue: epilogue)
        }
    }

    /// `scatter` in blocks of 12 pixels: each block's sums over every group first (two groups a
    /// call where there are two), then the additions in the order of the 6-row path (rows 0-5
    /// over every group, then rows 6-11). One sums buffer for the whole call.
    static func wideScatter(_ src: UnsafePointer<UnsafePointer<Float>>, _ dst: UnsafePointer<UnsafeMutablePointer<Float>>,
                            pixels: Int, weights: PackedConvWeights, segmentLength: Int, segmentStride: Int, piece: Int) {
        let w = weights.data.data, reduction = weights.k, groups = weights.groups
        withUnsafeTemporaryAllocation(of: Float.self, capacity: groups * wideRows * 16) { sums in
            withUnsafeTemporaryAllocation(of: UnsafePointer<Float>?.self, capacity: wideRows) { table in
                let s = sums.baseAddress!, a = table.baseAddress!
                var p = 0
                while p < pixels {
                    let count = Swift.min(wideRows, pixels - p)
                    for r in 0..<wideRows { a[r] = src[p + (r < count ? r : 0)] }
                    var g = 0
                    while g < groups {
                        if g + 1 < groups {
                            rda_conv_scatter_tile2_avx512(a, reduction, w + g * reduction * 16, reduction * 16, s + g * wideRows * 16)
                            g += 2
                        } else {
                            rda_conv_scatter_tile_avx512(a, reduction, w + g * reduction * 16, s + g * wideRows * 16)
                            g += 1
                        }
                    }
                    var half = 0
                    while half < count {
                        for g in 0..<groups {
                            let col = g * 16
                            let offset = (col / segmentLength) * segmentStride + col % segmentLength
                            add(Block6x16(sums: s + g * wideRows * 16 + half * 16), to: dst + p + half, count: Swift.min(6, count - half),
                                offset: offset, piece: piece, pieceStride: segmentStride)
                        }
                        half += 6
                    }
                    p += wideRows
                }
            }
        }
    }

    /// `weightGradient` in 12-row blocks: two groups a block where there are two and the block's
    /// 12 values of k lie in one kernel row (consecutive offsets), else one group at a time.
    static func wideWeightGradient(rows: UnsafePointer<UnsafePointer<Float>>, pixels: Int, segmentLength: Int, segmentStride: Int,
                                   k: Int, panels: UnsafePointer<Float>, groups: Int, pixelStride: Int,
                                   out: UnsafeMutablePointer<Float>, ldOut: Int, accumulate: Bool) {
        let step = pixelStride == 0 ? 16 : pixelStride, groupStride = pixelStride == 0 ? pixels * 16 : 16
        withUnsafeTemporaryAllocation(of: Float.self, capacity: 2 * wideRows * 16) { sums in
            withUnsafeTemporaryAllocation(of: Int.self, capacity: wideRows) { o in
                let s = sums.baseAddress!, offsets = o.baseAddress!
                rows.withMemoryRebound(to: UnsafePointer<Float>?.self, capacity: pixels) { r in
                    var g = 0
                    while g < groups {
                        let panel = panels + g * groupStride, pair = g + 1 < groups
                        var k0 = 0
                        while k0 < k {
                            let n = Swift.min(wideRows, k - k0), within = k0 % segmentLength
                            let at = out + k0 * ldOut + g * 16
                            if pair && n == wideRows && within + wideRows <= segmentLength {
                                rda_conv_weight_tile2_avx512(r, pixels, (k0 / segmentLength) * segmentStride + within, panel, step,
                                                             groupStride, s)
                                storeHalves(s, count: n, out: at, ldOut: ldOut, accumulate: accumulate)
                                storeHalves(s + wideRows * 16, count: n, out: at + 16, ldOut: ldOut, accumulate: accumulate)
                            } else {
                                for j in 0..<wideRows {
                                    let kk = k0 + Swift.min(j, n - 1)
                                    offsets[j] = (kk / segmentLength) * segmentStride + kk % segmentLength
                                }
                                for h in 0..<(pair ? 2 : 1) {
                                    rda_conv_weight_tile_avx512(r, pixels, offsets, panel + h * groupStride, step, s)
                                    storeHalves(s, count: n, out: at + 16 * h, ldOut: ldOut, accumulate: accumulate)
                                }
                            }
                            k0 += wideRows
                        }
                        g += pair ? 2 : 1
                    }
                }
            }
        }
    }
}

extension DirectConv.Block6x16 {
    /// The block holding six rows of 16 sums, row-major at `sums`.
    init(sums: UnsafePointer<Float>) {
        let p = UnsafeRawPointer(sums)
        typealias V = DirectConv.V
        c00 = p.loadUnaligned(fromByteOffset: 0, as: V.self); c01 = p.loadUnaligned(fromByteOffset: 32, as: V.self)
        c10 = p.loadUnaligned(fromByteOffset: 64, as: V.self); c11 = p.loadUnaligned(fromByteOffset: 96, as: V.self)
        c20 = p.loadUnaligned(fromByteOffset: 128, as: V.self); c21 = p.loadUnaligned(fromByteOffset: 160, as: V.self)
        c30 = p.loadUnaligned(fromByteOffset: 192, as: V.self); c31 = p.loadUnaligned(fromByteOffset: 224, as: V.self)
        c40 = p.loadUnaligned(fromByteOffset: 256, as: V.self); c41 = p.loadUnaligned(fromByteOffset: 288, as: V.self)
        c50 = p.loadUnaligned(fromByteOffset: 320, as: V.self); c51 = p.loadUnaligned(fromByteOffset: 352, as: V.self)
    }
}
