// The steps of `WinogradConv`'s products over a whole batch: the transforms run per block of
// images (in `forEachBlock`, on padded channels-last images of the convolution's input,
// `ConvGeometry`: C channels, padding 1, and channels-last rows of its output [pixels, O]), the
// 25 matrix products over all the batch's tiles at once (so that each has hundreds of rows), in
// parallel over points. Every value is computed by one thread in a fixed order: the results do
// not depend on the thread count.
//
// Layouts, for T tiles (4x4 output pixels each; tile (b, ti, tj), b slowest) and K = 4C:
//   V  [25][T][K]   the input tiles B^T d B, K ordered (phase p * 2 + q, channel)
//   M  [25][T][O]   V U (the forward) or A^T dY A (the adjoint of the output transform)
import CRDAKernels
import RDAKernels

extension WinogradConv {
    /// Tiles of one image: (OH / 4) * (OW / 4).
    static func tilesPerImage(_ geo: ConvGeometry) -> Int { (geo.outH / m) * (geo.outW / m) }

    /// out_xi [T, width] = rows_xi [T, length] W_xi for the 25 points (`DirectConv.run`), in
    /// parallel over points and chunks of rows (each output row is one thread's, whatever the
    /// thread count).
    static func products(rows base: UnsafePointer<Float>, t: Int, length: Int, weights: [PackedConvWeights],
                         out: UnsafeMutablePointer<Float>, ldOut: Int) {
        let chunk = 96, chunks = (t + chunk - 1) / chunk
        parallelRanges(points * chunks, grain: 1) { lo, hi in
            withUnsafeTemporaryAllocation(of: UnsafePointer<Float>.self, capacity: chunk) { table in
                let rows = table.baseAddress!
                for task in lo..<hi {
                    let xi = task / chunks, r0 = (task % chunks) * chunk, count = Swift.min(chunk, t - r0)
                    for r in 0..<count { rows[r] = base + (xi * t + r0 + r) * length }
                    DirectConv.run(rows: rows, pixels: count, segments: 1, segmentLength: length, segmentStride: length,
                                   weights: weights[xi], out: out + (xi * t + r0) * ldOut, ldOut: ldOut)
                }
            }
        }
    }

    /// The weight gradient from V [25][T][4C] and dM [25][T][O] of all T tiles, in
    /// `DirectConv.weightGradient`'s layout: out[(u * 4 + v) * C + c, o] = (G^T dU G) with
    /// dU_xi = V_xi^T dM_xi. Parallel over points, then over k;
    /// each sum runs over the tiles in order on one thread.
    static func weightGradient(v: UnsafePointer<Float>, dm: UnsafePointer<Float>, t: Int, channels c: Int, outputs o: Int,
                               out: UnsafeMutablePointer<Float>, ldOut: Int) {
        let k = 4 * c
        let du = Tensor(uninitialized: [points * k * o]), dud = du.data
        parallelRanges(points, grain: 1) { lo, hi in
            withUnsafeTemporaryAllocation(of: UnsafePointer<Float>.self, capacity: t) { table in
                let rows = table.baseAddress!
                for xi in lo..<hi {   // dU_xi [K, O] = V_xi^T dM_xi (row kk of it at dU[kk][xi])
                    for r in 0..<t { rows[r] = v + (xi * t + r) * k }
                    DirectConv.weightGradient(rows: rows, pixels: t, segments: 1, segmentLength: k, segmentStride: k,
                                              panels: dm + xi * t * o, groups: o / 16, pixelStride: o,
                                              out: dud + xi * o, ldOut: points * o, accumulate: false)
                }
            }
        }
        // dW[o, c, 2a + p, 2b + q] = (G^T dU G)[a][b] for phase (p, q)
        let src = UnsafeRawPointer(dud)   // dU as [K][25][O]: a row's 25 points together
        parallelRanges(k, grain: 8) { lo, hi in
            withUnsafeTemporaryAllocation(of: V.self, capacity: points + 10) { buffer in
                let x = buffer.baseAddress!, half = x + points   // half [xi1][b]: G^T over xi2
                for kk in lo..<hi {
                    let phase = kk / c, ch = kk % c, p = phase >> 1, q = phase & 1
                    for og in 0..<(o / 16) {
                        for xi in 0..<points { x[xi] = src.loadUnaligned(fromByteOffset: 4 * ((kk * points + xi) * o + og * 16), as: V.self) }
                        for x1 in 0..<n {
                            let (h0, h1) = gAdjoint(x + x1 * n, 1)
                            half[x1 * 2] = h0
                            half[x1 * 2 + 1] = h1
                        }
                        for b in 0..<2 {
                            let (g0, g1) = gAdjoint(half + b, 2)
                            @inline(__always) func put(_ a: Int, _ value: V) {
                                let tap = (2 * a + p) * 4 + 2 * b + q
                                UnsafeMutableRawPointer(out + (tap * c + ch) * ldOut + og * 16).storeBytes(of: value, as: V.self)
                            }
                            put(0, g0)
                            put(1, g1)
                        }
                    }
                }
            }
        }
    }

    // MARK: - Transforms of a block of images (tiles tile0 ..< tile0 + images * tilesPerImage of T)

    /// The transforms' instruction set (`KernelISA.active`): their C variants give the same bits.
    static let isa = KernelISA.active

    /// body(tile, b, ti, tj) for every tile (ti, tj) of `images` images, b the image, the tile
    /// index from tile0 in order: the loop of every transform.
    @inline(__always)
    static func forEachTile(images: Int, geo: ConvGeometry, tile0: Int, _ body: (_ tile: Int, _ b: Int, _ ti: Int, _ tj: Int) -> Void) {
        let th = geo.outH / m, tw = geo.outW / m
        for b in 0..<images { for ti in 0..<th { for tj in 0..<tw { body(tile0 + (b * th + ti) * tw + tj, b, ti, tj) } } }
    }

    /// body(tile, phase, origin) for every tile of `images` padded images and each of its four
    /// phases, origin the phase's first point in the padded image: the loop of the input
    /// transform and of its adjoint.
    @inline(__always)
    static func forEachTilePhase(images: Int, geo: ConvGeometry, padded: UnsafeMutablePointer<Float>, tile0: Int,
                                 _ body: (_ tile: Int, _ phase: Int, _ origin: UnsafeMutablePointer<Float>) -> Void) {
        let c = geo.channels, rowFloats = geo.paddedW * c
        forEachTile(images: images, geo: geo, tile0: tile0) { tile, b, ti, tj in
            for phase in 0..<4 {
                body(tile, phase, padded + b * geo.paddedImage + (2 * m * ti + (phase >> 1)) * rowFloats + (2 * m * tj + (phase & 1)) * c)
            }
        }
    }

    /// V_xi[tile][(phase, c)] = (B^T d B)[xi] for the 5x5 tile d of each phase of the padded images
    /// (`rda_wino_input`).
    static func inputTransform(_ padded: UnsafePointer<Float>, images: Int, geo: ConvGeometry, into v: UnsafeMutablePointer<Float>,
                               tile0: Int, t: Int) {
        let c = geo.channels, k = 4 * c, rowFloats = geo.paddedW * c
        forEachTilePhase(images: images, geo: geo, padded: UnsafeMutablePointer(mutating: padded), tile0: tile0) { tile, phase, origin in
            let dst = v + tile * k + phase * c
            switch isa {
            case .avx512: rda_wino_input_avx512(origin, rowFloats, c, dst, t * k)
            case .avx2: rda_wino_input_avx2(origin, rowFloats, c, dst, t * k)
            case .baseline: rda_wino_input_baseline(origin, rowFloats, c, dst, t * k)
            }
        }
    }

    /// padded[5x5 tile of each phase] += (B dV B^T): the adjoint of `inputTransform`, tiles in
    /// order (`rda_wino_input_adjoint`).
    static func inputAdjoint(_ dv: UnsafePointer<Float>, tile0: Int, t: Int, images: Int, geo: ConvGeometry,
                             into padded: UnsafeMutablePointer<Float>) {
        let c = geo.channels, k = 4 * c, rowFloats = geo.paddedW * c
        forEachTilePhase(images: images, geo: geo, padded: padded, tile0: tile0) { tile, phase, origin in
            let src = dv + tile * k + phase * c
            switch isa {
            case .avx512: rda_wino_input_adjoint_avx512(src, t * k, c, origin, rowFloats)
            case .avx2: rda_wino_input_adjoint_avx2(src, t * k, c, origin, rowFloats)
            case .baseline: rda_wino_input_adjoint_baseline(src, t * k, c, origin, rowFloats)
            }
        }
    }

    /// out rows of every output pixel = act(A^T M A + bias), per tile (`rda_wino_output`).
    static func outputTransform(_ mm: UnsafePointer<Float>, tile0: Int, t: Int, outputs o: Int, images: Int, geo: ConvGeometry,
                                out: UnsafeMutablePointer<Float>, ldOut: Int, bias: UnsafePointer<Float>?,
                                activation: Activation = .identity) {
        forEachTile(images: images, geo: geo, tile0: tile0) { tile, b, ti, tj in
            let src = mm + tile * o, dst = out + ((b * geo.outH + m * ti) * geo.outW + m * tj) * ldOut
            switch isa {
            case .avx512: rda_wino_output_avx512(src, t * o, o, bias, dst, geo.outW, ldOut)
            case .avx2: rda_wino_output_avx2(src, t * o, o, bias, dst, geo.outW, ldOut)
            case .baseline: rda_wino_output_baseline(src, t * o, o, bias, dst, geo.outW, ldOut)
            }
        }
        if activation != .identity && ldOut == o {   // the rows are contiguous: one pass
            activation.apply(out, count: images * geo.outPlane * o, bias: nil, stride: 0)
        } else if activation != .identity {
            for pixel in 0..<(images * geo.outPlane) { activation.apply(out + pixel * ldOut, count: o, bias: nil, stride: 0) }
        }
    }

    /// dM_xi[tile] = (A dY A^T)[xi] from the output gradient's rows: the adjoint of
    /// `outputTransform` (`rda_wino_output_adjoint`).
    static func outputAdjoint(_ g: UnsafePointer<Float>, ldG: Int, outputs o: Int, images: Int, geo: ConvGeometry,
                              into dm: UnsafeMutablePointer<Float>, tile0: Int, t: Int) {
        forEachTile(images: images, geo: geo, tile0: tile0) { tile, b, ti, tj in
            let src = g + ((b * geo.outH + m * ti) * geo.outW + m * tj) * ldG, dst = dm + tile * o
            switch isa {
            case .avx512: rda_wino_output_adjoint_avx512(src, geo.outW, ldG, o, dst, t * o)
            case .avx2: rda_wino_output_adjoint_avx2(src, geo.outW, ldG, o, dst, t * o)
            case .baseline: rda_wino_output_adjoint_baseline(src, geo.outW, ldG, o, dst, t * o)
            }
        }
    }
}
