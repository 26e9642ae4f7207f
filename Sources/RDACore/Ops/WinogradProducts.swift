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
    /// `DirectConv.weightGradient`'s layout: out[(u * 4 + v) * C + c, o] (= or, with
    /// `accumulate`, +=) (G^T dU G) with dU_xi = V_xi^T dM_xi. Parallel over points, then over k;
    /// each sum runs over the tiles in order on one thread.
    static func weightGradient(v: UnsafePointer<Float>, dm: UnsafePointer<Float>, t: Int, channels c: Int, outputs o: Int,
                               out: UnsafeMutablePointer<Float>, ldOut: Int, accumulate: Bool) {
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
                                let dst = UnsafeMutableRawPointer(out + (tap * c + ch) * ldOut + og * 16)
                                dst.storeBytes(of: accumulate ? dst.loadUnaligned(as: V.self) + value : value, as: V.self)
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

    /// V_xi[tile][(phase, c)] = (B^T d B)[xi] for the 5x5 tile d of each phase of the padded images.
    static func inputTransform(_ padded: UnsafePointer<Float>, images: Int, geo: ConvGeometry, into v: UnsafeMutablePointer<Float>,
                               tile0: Int, t: Int) {
        let c = geo.channels, k = 4 * c, rowFloats = geo.paddedW * c, th = geo.outH / m, tw = geo.outW / m
        withUnsafeTemporaryAllocation(of: V.self, capacity: points) { buffer in
            let d = buffer.baseAddress!
            for b in 0..<images { for ti in 0..<th { for tj in 0..<tw {
                let tile = tile0 + (b * th + ti) * tw + tj
                for phase in 0..<4 {
                    let origin = UnsafeRawPointer(padded + b * geo.paddedImage + (2 * m * ti + (phase >> 1)) * rowFloats
                                                  + (2 * m * tj + (phase & 1)) * c)
                    for cb in stride(from: 0, to: c, by: 16) {
                        for a in 0..<n { for j in 0..<n {
                            d[a * n + j] = origin.loadUnaligned(fromByteOffset: 4 * (2 * a * rowFloats + 2 * j * c + cb), as: V.self)
                        } }
                        for j in 0..<n { bTranspose(d + j, n) }
                        for x1 in 0..<n { bTranspose(d + x1 * n, 1) }
                        let dst = UnsafeMutableRawPointer(v + tile * k + phase * c + cb)
                        for xi in 0..<points { (dst + 4 * xi * t * k).storeBytes(of: d[xi], as: V.self) }
                    }
                }
            } } }
        }
    }

    /// padded[5x5 tile of each phase] += (B dV B^T): the adjoint of `inputTransform`, tiles in order.
    static func inputAdjoint(_ dv: UnsafePointer<Float>, tile0: Int, t: Int, images: Int, geo: ConvGeometry,
                             into padded: UnsafeMutablePointer<Float>) {
        let c = geo.channels, k = 4 * c, rowFloats = geo.paddedW * c, th = geo.outH / m, tw = geo.outW / m
        withUnsafeTemporaryAllocation(of: V.self, capacity: points) { buffer in
            let d = buffer.baseAddress!
            for b in 0..<images { for ti in 0..<th { for tj in 0..<tw {
                let tile = tile0 + (b * th + ti) * tw + tj
                for phase in 0..<4 {
                    let origin = UnsafeMutableRawPointer(padded + b * geo.paddedImage + (2 * m * ti + (phase >> 1)) * rowFloats
                                                         + (2 * m * tj + (phase & 1)) * c)
                    for cb in stride(from: 0, to: c, by: 16) {
                        let src = UnsafeRawPointer(dv + tile * k + phase * c + cb)
                        for xi in 0..<points { d[xi] = src.loadUnaligned(fromByteOffset: 4 * xi * t * k, as: V.self) }
                        for j in 0..<n { bForward(d + j, n) }
                        for a in 0..<n { bForward(d + a * n, 1) }
                        for a in 0..<n { for j in 0..<n {
                            let at = 4 * (2 * a * rowFloats + 2 * j * c + cb)
                            (origin + at).storeBytes(of: (origin + at).loadUnaligned(as: V.self) + d[a * n + j], as: V.self)
                        } }
                    }
                }
            } } }
        }
    }

    /// out rows of every output pixel = A^T M A (+ bias), per tile and group of 16 outputs.
    static func outputTransform(_ mm: UnsafePointer<Float>, tile0: Int, t: Int, outputs o: Int, images: Int, geo: ConvGeometry,
                                out: UnsafeMutablePointer<Float>, ldOut: Int, bias: UnsafePointer<Float>?,
                                activation: Activation = .identity) {
        let th = geo.outH / m, tw = geo.outW / m, src = UnsafeRawPointer(mm)
        withUnsafeTemporaryAllocation(of: V.self, capacity: points + 20) { buffer in
            let x = buffer.baseAddress!, r = x + points   // r [xi1][beta]: A^T over xi2
            for b in 0..<images { for ti in 0..<th { for tj in 0..<tw {
                let tile = tile0 + (b * th + ti) * tw + tj
                for og in 0..<(o / 16) {
                    for xi in 0..<points { x[xi] = src.loadUnaligned(fromByteOffset: 4 * ((xi * t + tile) * o + og * 16), as: V.self) }
                    let bv = bias.map { UnsafeRawPointer($0 + og * 16).loadUnaligned(as: V.self) } ?? V()
                    for x1 in 0..<n {
                        let y = aTranspose(x[x1 * n], x[x1 * n + 1], x[x1 * n + 2], x[x1 * n + 3], x[x1 * n + 4])
                        r[x1 * 4] = y.0; r[x1 * 4 + 1] = y.1; r[x1 * 4 + 2] = y.2; r[x1 * 4 + 3] = y.3
                    }
                    for beta in 0..<m {
                        let y = aTranspose(r[beta], r[4 + beta], r[8 + beta], r[12 + beta], r[16 + beta])
                        @inline(__always) func put(_ alpha: Int, _ value: V) {
                            let pixel = (b * geo.outH + m * ti + alpha) * geo.outW + m * tj + beta
                            UnsafeMutableRawPointer(out + pixel * ldOut + og * 16).storeBytes(of: value + bv, as: V.self)
                        }
                        put(0, y.0); put(1, y.1); put(2, y.2); put(3, y.3)
                    }
                }
            } } }
        }
        if activation != .identity && ldOut == o {   // the rows are contiguous: one pass
            activation.apply(out, count: images * geo.outPlane * o, bias: nil, stride: 0)
        } else if activation != .identity {
            for pixel in 0..<(images * geo.outPlane) { activation.apply(out + pixel * ldOut, count: o, bias: nil, stride: 0) }
        }
    }

    /// dM_xi[tile] = (A dY A^T)[xi] from the output gradient's rows: the adjoint of `outputTransform`.
    static func outputAdjoint(_ g: UnsafePointer<Float>, ldG: Int, outputs o: Int, images: Int, geo: ConvGeometry,
                              into dm: UnsafeMutablePointer<Float>, tile0: Int, t: Int) {
        let th = geo.outH / m, tw = geo.outW / m, src = UnsafeRawPointer(g)
        withUnsafeTemporaryAllocation(of: V.self, capacity: 16 + 20) { buffer in
            let y = buffer.baseAddress!, r = y + 16   // r [alpha][xi2]: A over beta
            for b in 0..<images { for ti in 0..<th { for tj in 0..<tw {
                let tile = tile0 + (b * th + ti) * tw + tj
                for og in 0..<(o / 16) {
                    for alpha in 0..<m { for beta in 0..<m {
                        let pixel = (b * geo.outH + m * ti + alpha) * geo.outW + m * tj + beta
                        y[alpha * m + beta] = src.loadUnaligned(fromByteOffset: 4 * (pixel * ldG + og * 16), as: V.self)
                    } }
                    for alpha in 0..<m {
                        let z = aForward(y[alpha * m], y[alpha * m + 1], y[alpha * m + 2], y[alpha * m + 3])
                        r[alpha * n] = z.0; r[alpha * n + 1] = z.1; r[alpha * n + 2] = z.2; r[alpha * n + 3] = z.3; r[alpha * n + 4] = z.4
                    }
                    for x2 in 0..<n {
                        let z = aForward(r[x2], r[n + x2], r[2 * n + x2], r[3 * n + x2])
                        @inline(__always) func put(_ x1: Int, _ value: V) {
                            UnsafeMutableRawPointer(dm + ((x1 * n + x2) * t + tile) * o + og * 16).storeBytes(of: value, as: V.self)
                        }
                        put(0, z.0); put(1, z.1); put(2, z.2); put(3, z.3); put(4, z.4)
                    }
                }
            } } }
        }
    }
}
