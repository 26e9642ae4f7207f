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

    /// Twelve pointers: `first[0..<count]`, then `first[0]` repeated (never read past the array).
    @inline(__always)
    static func twelve<P>(_ first: UnsafePointer<P>, count: Int, _ body: (UnsafePointer<P>) -> Void) {
        withUnsafeTemporaryAllocation(of: P.self, capacity: wideRows) { buffer in
            for r in 0..<wideRows { buffer.initializeElement(at: r, to: first[r < count ? r : 0]) }
            body(UnsafePointer(buffer.baseAddress!))
        }
    }

    /// The forward block of `run` for up to 12 rows: C sums, then the Swift store per half. With
    /// `groupStride` > 0 also the next group (panel + groupStride, out + 16, bias + 16) in the same pass.
    static func wideTile(_ rows: UnsafePointer<UnsafePointer<Float>>, count: Int, offset: Int, segments: Int, segmentLength: Int,
                         segmentStride: Int, panel: UnsafePointer<Float>, groupStride: Int, out: UnsafeMutablePointer<Float>,
                         ldOut: Int, accumulate: Bool, epilogue: Epilogue) {
        withUnsafeTemporaryAllocation(of: Float.self, capacity: 2 * wideRows * 16) { sums in
            let s = sums.baseAddress!
            twelve(rows, count: count) { r in
                r.withMemoryRebound(to: UnsafePointer<Float>?.self, capacity: wideRows) { r in
                    if groupStride > 0 {
                        rda_conv_tile2_avx512(r, offset, segments, segmentLength, segmentStride, panel, groupStride, s)
                    } else {
                        rda_conv_tile_avx512(r, offset, segments, segmentLength, segmentStride, panel, s)
                    }
                }
            }
            for h in 0..<(groupStride > 0 ? 2 : 1) {
                let e = Epilogue(bias: epilogue.bias.map { $0 + 16 * h }, activation: epilogue.activation)
                let sh = s + h * wideRows * 16, oh = out + 16 * h
                Block6x16(sums: sh).store(oh, ldOut: ldOut, count: Swift.min(6, count), accumulate: accumulate, epilogue: e)
                if count > 6 {
                    Block6x16(sums: sh + 96).store(oh + 6 * ldOut, ldOut: ldOut, count: count - 6, accumulate: accumulate, epilogue: e)
                }
            }
        }
    }

    /// `scatter` for pixels p..<p+count (count <= 12) over every group: all sums first, then the
    /// additions in the order of the 6-row path.
    static func wideScatter(_ src: UnsafePointer<UnsafePointer<Float>>, _ dst: UnsafePointer<UnsafeMutablePointer<Float>>,
                            count: Int, weights: PackedConvWeights, segmentLength: Int, segmentStride: Int, piece: Int) {
        let w = weights.data.data, reduction = weights.k, groups = weights.groups
        withUnsafeTemporaryAllocation(of: Float.self, capacity: groups * wideRows * 16) { sums in
            let s = sums.baseAddress!
            twelve(src, count: count) { a in
                a.withMemoryRebound(to: UnsafePointer<Float>?.self, capacity: wideRows) { a in
                    var g = 0
                    while g < groups {   // two groups a block where there are two
                        if g + 1 < groups {
                            rda_conv_scatter_tile2_avx512(a, reduction, w + g * reduction * 16, reduction * 16, s + g * wideRows * 16)
                            g += 2
                        } else {
                            rda_conv_scatter_tile_avx512(a, reduction, w + g * reduction * 16, s + g * wideRows * 16)
                            g += 1
                        }
                    }
                }
            }
            var half = 0
            while half < count {
                for g in 0..<groups {
                    let col = g * 16
                    let offset = (col / segmentLength) * segmentStride + col % segmentLength
                    add(Block6x16(sums: s + g * wideRows * 16 + half * 16), to: dst + half, count: Swift.min(6, count - half),
                        offset: offset, piece: piece, pieceStride: segmentStride)
                }
                half += 6
            }
        }
    }

    /// `weightGradient` in 12-row blocks: two groups a block where there are two and the block's
    /// 12 values of k lie in one kernel row (consecutive offsets), else one group at a time.
    static func wideWeightGradient(rows: UnsafePointer<UnsafePointer<Float>>, pixels: Int, segmentLength: Int, segmentStride: Int,
                                   k: Int, panels: UnsafePointer<Float>, groups: Int, pixelStride: Int,
                                   out: UnsafeMutablePointer<Float>, ldOut: Int, accumulate: Bool) {
        let step = pixelStride == 0 ? 16 : pixelStride, groupStride = pixelStride == 0 ? pixels * 16 : 16
        withUnsafeTemporaryAllocation(of: Int.self, capacity: wideRows) { o in
            let offsets = o.baseAddress!
            var g = 0
            while g < groups {
                let panel = panels + g * groupStride, pair = g + 1 < groups
                var k0 = 0
                while k0 < k {
                    let n = Swift.min(wideRows, k - k0), within = k0 % segmentLength
                    if pair && n == wideRows && within + wideRows <= segmentLength {
                        wideWeightTile2(rows, pixels: pixels, offset: (k0 / segmentLength) * segmentStride + within, panel: panel,
                                        panelStride: step, groupStride: groupStride, out: out + k0 * ldOut + g * 16, ldOut: ldOut,
                                        accumulate: accumulate)
                    } else {
                        for r in 0..<wideRows {
                            let kk = k0 + Swift.min(r, n - 1)
                            offsets[r] = (kk / segmentLength) * segmentStride + kk % segmentLength
                        }
                        for h in 0..<(pair ? 2 : 1) {
                            wideWeightTile(rows, pixels: pixels, offsets: offsets, count: n, panel: panel + h * groupStride,
                                           panelStride: step, out: out + k0 * ldOut + (g + h) * 16, ldOut: ldOut, accumulate: accumulate)
                        }
                    }
                    k0 += wideRows
                }
                g += pair ? 2 : 1
            }
        }
    }

    /// Twelve consecutive values of k (offset + r) for two groups (panel, panel + groupStride).
    static func wideWeightTile2(_ rows: UnsafePointer<UnsafePointer<Float>>, pixels: Int, offset: Int, panel: UnsafePointer<Float>,
                                panelStride: Int, groupStride: Int, out: UnsafeMutablePointer<Float>, ldOut: Int, accumulate: Bool) {
        withUnsafeTemporaryAllocation(of: Float.self, capacity: 2 * wideRows * 16) { sums in
            let s = sums.baseAddress!
            rows.withMemoryRebound(to: UnsafePointer<Float>?.self, capacity: pixels) { r in
                rda_conv_weight_tile2_avx512(r, pixels, offset, panel, panelStride, groupStride, s)
            }
            for h in 0..<2 {
                let sh = s + h * wideRows * 16, oh = out + 16 * h
                Block6x16(sums: sh).store(oh, ldOut: ldOut, count: 6, accumulate: accumulate)
                Block6x16(sums: sh + 96).store(oh + 6 * ldOut, ldOut: ldOut, count: 6, accumulate: accumulate)
            }
        }
    }

    /// The weight-gradient block for up to 12 values of k (`offsets` has 12 entries).
    static func wideWeightTile(_ rows: UnsafePointer<UnsafePointer<Float>>, pixels: Int, offsets: UnsafePointer<Int>, count: Int,
                               panel: UnsafePointer<Float>, panelStride: Int, out: UnsafeMutablePointer<Float>, ldOut: Int,
                               accumulate: Bool) {
        withUnsafeTemporaryAllocation(of: Float.self, capacity: wideRows * 16) { sums in
            let s = sums.baseAddress!
            rows.withMemoryRebound(to: UnsafePointer<Float>?.self, capacity: pixels) { r in
                rda_conv_weight_tile_avx512(r, pixels, offsets, panel, panelStride, s)
            }
            Block6x16(sums: s).store(out, ldOut: ldOut, count: Swift.min(6, count), accumulate: accumulate)
            if count > 6 {
                Block6x16(sums: s + 96).store(out + 6 * ldOut, ldOut: ldOut, count: count - 6, accumulate: accumulate)
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
