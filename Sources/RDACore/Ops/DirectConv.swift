// A convolution kernel that reads its input in place (no im2col, no packing of the input).
//
// The product out[p, o] = sum_k in(p, k) w[k, o] of a convolution has, for every output pixel
// p, its row in(p, .) laid out in a zero-padded channels-last (NHWC) image as `segments` runs of
// `segmentLength` consecutive floats (one run per kernel row: kw taps x C channels), each
// `segmentStride` floats after the previous. The kernel below walks six such rows at once
// through six pointers and broadcasts their values against a 16-wide panel of packed weights,
// keeping a 6 x 16 block of `out` in twelve SIMD8 accumulators: the register blocking of the
// GEMM micro-kernel, but with the A operand read straight from the image. The weights are
// packed once per call (they are small); the image is not copied at all.
//
// Used where a GEMM would have to pack a large transposed operand: the forward pass of a
// convolution and the input gradient of a transposed convolution.

/// Weights packed for `DirectConv`: for each group of 16 output columns, [K][16] floats (zero
/// past the last column).
struct PackedConvWeights {
    let data: Tensor
    let k: Int, columns: Int
    var groups: Int { (columns + 15) / 16 }

    /// Packs w[(i, j, c), o] = weight[o * strideOut + c * strideIn + i * kw + j] for i < kh,
    /// j < kw, c < channels, o < columns (k ordered (i, j, c), c fastest: the order of a padded
    /// NHWC image's runs).
    init(_ weight: UnsafePointer<Float>, columns: Int, channels: Int, kh: Int, kw: Int, strideOut: Int, strideIn: Int) {
        self.columns = columns
        k = kh * kw * channels
        let groups = (columns + 15) / 16
        data = Tensor(uninitialized: [groups * k * 16])
        let d = data.data, k = self.k
        // per group and channel, [16 outputs, kh * kw taps] (taps consecutive) transposed into
        // the panel's rows (i, j, c) (8 x 8 tiles); outputs past `columns` are zeros
        let taps = kh * kw
        parallelRanges(groups, grain: 1) { lo, hi in for g in lo..<hi {
            let panel = d + g * k * 16, real = Swift.min(16, columns - g * 16)
            for c in 0..<channels {
                transposeInto(weight + g * 16 * strideOut + c * strideIn, srcStride: strideOut, rows: real, cols: taps,
                              panel + c * 16, dstStride: channels * 16)
            }
            if real < 16 { for r in 0..<k { for q in real..<16 { panel[r * 16 + q] = 0 } } }
        } }
    }
}

extension PackedConvWeights {
    /// Packs the other direction: w[r, (i, j, c)] = weight[r * strideReduction + c * strideInner
    /// + i * kw + j] for r < reduction, as [groups of 16 columns (i, j, c)][reduction][16], for
    /// `DirectConv.scatter`.
    init(scatter weight: UnsafePointer<Float>, reduction: Int, strideReduction: Int, channels: Int, strideInner: Int, kh: Int, kw: Int) {
        columns = kh * kw * channels
        k = reduction
        let groups = (columns + 15) / 16
        data = Tensor(uninitialized: [groups * reduction * 16])
        let d = data.data, columns = self.columns
        if channels % 16 == 0 && strideInner >= kh * kw {
            // 16 channels c0..c0+15 of one tap make a group (g = (tap * channels + c0) / 16): per
            // block of 16 channels and reduction row, [16 channels, kh * kw taps] transposed
            // into the groups' rows, tap after tap (8 x 8 tiles)
            let blocks = channels / 16, taps = kh * kw
            parallelRanges(blocks, grain: 1) { lo, hi in for cb in lo..<hi {
                for r in 0..<reduction {   // (consecutive r: consecutive rows of every tap's group)
                    transposeInto(weight + r * strideReduction + cb * 16 * strideInner, srcStride: strideInner, rows: 16,
                                  cols: taps, d + (cb * reduction + r) * 16, dstStride: blocks * reduction * 16)
                }
            } }
            return
        }
        parallelRanges(groups, grain: 1) { lo, hi in for g in lo..<hi {
            // the offset of column g * 16 + q in a reduction row (-1: past the last column)
            var offsets = SIMD16<Int>(repeating: -1)
            for q in 0..<16 where g * 16 + q < columns {
                let col = g * 16 + q
                offsets[q] = (col % channels) * strideInner + col / channels
            }
            for r in 0..<reduction {
                let row = d + (g * reduction + r) * 16, w = weight + r * strideReduction
                for q in 0..<16 { row[q] = offsets[q] < 0 ? 0 : w[offsets[q]] }
            }
        } }
    }
}

enum DirectConv {
    typealias V = SIMD8<Float>

    /// The register block of every kernel here: a 6 x 16 block of sums in twelve SIMD8
    /// accumulators, row r += x_r * (the 16 floats at the panel pointer).
    struct Block6x16 {
        var c00 = V(), c01 = V(), c10 = V(), c11 = V(), c20 = V(), c21 = V()
        var c30 = V(), c31 = V(), c40 = V(), c41 = V(), c50 = V(), c51 = V()

        /// Row r += x_r * panel[0..<16] for the six rows.
        @inline(__always)
        mutating func add(_ x0: Float, _ x1: Float, _ x2: Float, _ x3: Float, _ x4: Float, _ x5: Float, _ panel: UnsafeRawPointer) {
            let b0 = panel.loadUnaligned(as: V.self)
            let b1 = panel.loadUnaligned(fromByteOffset: 32, as: V.self)
            var x = V(repeating: x0)
            c00 = c00.addingProduct(x, b0); c01 = c01.addingProduct(x, b1)
            x = V(repeating: x1)
            c10 = c10.addingProduct(x, b0); c11 = c11.addingProduct(x, b1)
            x = V(repeating: x2)
            c20 = c20.addingProduct(x, b0); c21 = c21.addingProduct(x, b1)
            x = V(repeating: x3)
            c30 = c30.addingProduct(x, b0); c31 = c31.addingProduct(x, b1)
            x = V(repeating: x4)
            c40 = c40.addingProduct(x, b0); c41 = c41.addingProduct(x, b1)
            x = V(repeating: x5)
            c50 = c50.addingProduct(x, b0); c51 = c51.addingProduct(x, b1)
        }

        /// body(r, row r's first 8 sums, its last 8) for the first `count` rows.
        @inline(__always)
        func forEachRow(count: Int, _ body: (Int, V, V) -> Void) {
            body(0, c00, c01)
            if count > 1 { body(1, c10, c11) }
            if count > 2 { body(2, c20, c21) }
            if count > 3 { body(3, c30, c31) }
            if count > 4 { body(4, c40, c41) }
            if count > 5 { body(5, c50, c51) }
        }

        /// out[r * ldOut + 0..<16] = epilogue((accumulate ? out : 0) + row r) for the first
        /// `count` rows (see `Epilogue`).
        @inline(__always)
        func store(_ out: UnsafeMutablePointer<Float>, ldOut: Int, count: Int, accumulate: Bool, epilogue: Epilogue = Epilogue()) {
            switch epilogue.activation {   // one specialized store per activation
            case .identity: store(out, ldOut: ldOut, count: count, accumulate: accumulate, bias: epilogue.bias, Elementwise.IdentityV())
            case .relu: store(out, ldOut: ldOut, count: count, accumulate: accumulate, bias: epilogue.bias, Elementwise.ReLUV())
            case .sigmoid: store(out, ldOut: ldOut, count: count, accumulate: accumulate, bias: epilogue.bias, Elementwise.SigmoidV())
            }
        }

        @inline(__always)
        func store<F: VectorFunction>(_ out: UnsafeMutablePointer<Float>, ldOut: Int, count: Int, accumulate: Bool,
                                      bias: UnsafePointer<Float>?, _ f: F) {
            let o = UnsafeMutableRawPointer(out), stride = ldOut &* 4
            let bias0 = bias.map { UnsafeRawPointer($0).loadUnaligned(as: V.self) } ?? V()
            let bias1 = bias.map { UnsafeRawPointer($0).loadUnaligned(fromByteOffset: 32, as: V.self) } ?? V()
            forEachRow(count: count) { r, v0, v1 in
                var s0 = v0, s1 = v1
                if accumulate {
                    s0 += o.loadUnaligned(fromByteOffset: r &* stride, as: V.self)
                    s1 += o.loadUnaligned(fromByteOffset: r &* stride &+ 32, as: V.self)
                }
                if bias != nil { s0 += bias0; s1 += bias1 }
                o.storeBytes(of: f(s0), toByteOffset: r &* stride, as: V.self)
                o.storeBytes(of: f(s1), toByteOffset: r &* stride &+ 32, as: V.self)
            }
        }
    }

    /// What `tile` does to a finished 6 x 16 block before storing it: out = act(out + bias).
    struct Epilogue {
        var bias: UnsafePointer<Float>? = nil
        var activation: Activation = .identity
    }

    /// out[p * ldOut + o] = sum over s < segments, q < segmentLength of
    /// rows[p][s * segmentStride + q] * w[(s * segmentLength + q), o], for p < pixels and every
    /// o of the packed groups (out must have room for groups * 16 columns). Runs on the calling thread.
    ///
    /// With `bias` (groups * 16 floats, or nil) or an `activation`, the epilogue
    /// out = act(out + bias[o]) is applied as the last partial sums are stored (no second pass).
    static func run(rows: UnsafePointer<UnsafePointer<Float>>, pixels: Int, segments: Int, segmentLength: Int,
                    segmentStride: Int, weights: PackedConvWeights, out: UnsafeMutablePointer<Float>, ldOut: Int,
                    bias: UnsafePointer<Float>? = nil, activation: Activation = .identity) {
        let k = segments * segmentLength
        precondition(k == weights.k, "DirectConv: \(segments) x \(segmentLength) taps for weights of \(weights.k)")
        if wide {   // 12-row AVX-512 blocks, same bits (DirectConvWide.swift)
            wideRun(rows: rows, pixels: pixels, segments: segments, segmentLength: segmentLength, segmentStride: segmentStride,
                    weights: weights, out: out, ldOut: ldOut, bias: bias, activation: activation)
            return
        }
        let w = weights.data.data
        // Kernel rows in chunks of about `chunkFloats` values of k, so that the chunk's weight
        // panel (16 floats per k) stays in L1 while all pixels run over it.
        let chunk = Swift.max(1, Swift.min(segments, DirectConv.chunkFloats / Swift.max(segmentLength, 1)))
        for g in 0..<weights.groups {
            var s0 = 0
            while s0 < segments {
                let n0 = Swift.min(chunk, segments - s0)
                let panel = UnsafePointer(w + g * k * 16 + s0 * segmentLength * 16)
                let last = s0 + n0 == segments
                let epilogue = Epilogue(bias: last ? bias.map { $0 + g * 16 } : nil, activation: last ? activation : .identity)
                var p = 0
                while p < pixels {
                    let n = Swift.min(6, pixels - p)
                    tile(rows + p, count: n, offset: s0 * segmentStride, segments: n0, segmentLength: segmentLength,
                         segmentStride: segmentStride, panel: panel, out: out + p * ldOut + g * 16, ldOut: ldOut,
                         accumulate: s0 > 0, epilogue: epilogue)
                    p += 6
                }
                s0 += n0
            }
        }
    }

    /// Values of k per chunk of `run`: a 256 x 16 weight panel is 16 KiB, half the L1.
    static let chunkFloats = 256

    /// One 6 x 16 block (the first `count` of the six rows are real).
    @inline(never)
    static func tile(_ rows: UnsafePointer<UnsafePointer<Float>>, count: Int, offset: Int, segments: Int, segmentLength: Int,
                     segmentStride: Int, panel: UnsafePointer<Float>, out: UnsafeMutablePointer<Float>, ldOut: Int,
                     accumulate: Bool, epilogue: Epilogue = Epilogue()) {
        let r0 = rows[0] + offset
        let r1 = count > 1 ? rows[1] + offset : r0, r2 = count > 2 ? rows[2] + offset : r0
        let r3 = count > 3 ? rows[3] + offset : r0, r4 = count > 4 ? rows[4] + offset : r0
        let r5 = count > 5 ? rows[5] + offset : r0
        var acc = Block6x16()
        var pb = UnsafeRawPointer(panel)
        for s in 0..<segments {
            let off = s &* segmentStride
            let a0 = r0 + off, a1 = r1 + off, a2 = r2 + off, a3 = r3 + off, a4 = r4 + off, a5 = r5 + off
            var q = 0
            while q < segmentLength {
                acc.add(a0[q], a1[q], a2[q], a3[q], a4[q], a5[q], pb)
                pb += 64
                q &+= 1
            }
        }
        acc.store(out, ldOut: ldOut, count: count, accumulate: accumulate, epilogue: epilogue)
    }

    /// The scatter direction (col2im fused into the product):
    ///
    ///     image[dst[p] + offset(col)] += sum over r < reduction of src[p][r] * w[r, col]
    ///
    /// for every pixel p and column col = (i, j, c) of the packed weights, offset(col) =
    /// (col / segmentLength) * segmentStride + col % segmentLength: each 16 consecutive columns
    /// lie in one kernel row, 16 consecutive floats of the padded image. `src` rows are the
    /// pixels' channel vectors (reduction consecutive floats). Runs on the calling thread; the
    /// additions of one pixel's taps land on distinct floats, those of different pixels may
    /// overlap (so pixels go one tile after another).
    ///
    /// Kernel rows of 4 or 8 floats (a 16-column group then spans 4 or 2 of them) are added in
    /// pieces of that length.
    static func scatter(src: UnsafePointer<UnsafePointer<Float>>, dst: UnsafePointer<UnsafeMutablePointer<Float>>, pixels: Int,
                        segmentLength: Int, segmentStride: Int, weights: PackedConvWeights) {
        precondition(DirectConv.canScatter(segmentLength: segmentLength, columns: weights.columns),
                     "DirectConv.scatter: kernel rows of \(segmentLength) floats, \(weights.columns) columns")
        let w = weights.data.data, r = weights.k
        let piece = Swift.min(16, segmentLength)
        if wide {   // 12-row AVX-512 blocks, additions in the same order (DirectConvWide.swift)
            wideScatter(src, dst, pixels: pixels, weights: weights, segmentLength: segmentLength, segmentStride: segmentStride, piece: piece)
            return
        }
        var p = 0
        while p < pixels {
            let n = Swift.min(6, pixels - p)
            for g in 0..<weights.groups {
                let col = g * 16
                let offset = (col / segmentLength) * segmentStride + col % segmentLength
                scatterTile(src + p, dst + p, count: n, reduction: r, panel: w + g * r * 16, offset: offset,
                            piece: piece, pieceStride: segmentStride)
            }
            p += 6
        }
    }

    /// Whether `scatter` handles kernel rows of `segmentLength` floats: multiples of 16, or 4 or
    /// 8 (then the columns must fill whole groups of 16).
    static func canScatter(segmentLength: Int, columns: Int) -> Bool {
        columns % 16 == 0 && (segmentLength % 16 == 0 || segmentLength == 4 || segmentLength == 8)
    }

    /// One 6 x 16 block of `scatter`.
    @inline(never)
    static func scatterTile(_ src: UnsafePointer<UnsafePointer<Float>>, _ dst: UnsafePointer<UnsafeMutablePointer<Float>>,
                            count: Int, reduction: Int, panel: UnsafePointer<Float>, offset: Int, piece: Int, pieceStride: Int) {
        let a0 = src[0]
        let a1 = count > 1 ? src[1] : a0, a2 = count > 2 ? src[2] : a0
        let a3 = count > 3 ? src[3] : a0, a4 = count > 4 ? src[4] : a0, a5 = count > 5 ? src[5] : a0
        var acc = Block6x16()
        var pb = UnsafeRawPointer(panel)
        var q = 0
        while q < reduction {
            acc.add(a0[q], a1[q], a2[q], a3[q], a4[q], a5[q], pb)
            pb += 64
            q &+= 1
        }
        add(acc, to: dst, count: count, offset: offset, piece: piece, pieceStride: pieceStride)
    }

    /// image[dst[r] + offset + (16 columns, in pieces of `piece` floats `pieceStride` apart)] +=
    /// row r of `acc`, for r < count, in row order.
    @inline(__always)
    static func add(_ acc: Block6x16, to dst: UnsafePointer<UnsafeMutablePointer<Float>>, count: Int, offset: Int,
                    piece: Int, pieceStride: Int) {
        typealias V4 = SIMD4<Float>
        let ps = pieceStride &* 4
        @inline(__always) func add(_ r: Int, _ v0: V, _ v1: V) {
            let o = UnsafeMutableRawPointer(dst[r] + offset)
            switch piece {
            case 16:
                o.storeBytes(of: o.loadUnaligned(as: V.self) + v0, as: V.self)
                o.storeBytes(of: o.loadUnaligned(fromByteOffset: 32, as: V.self) + v1, toByteOffset: 32, as: V.self)
            case 8:
                o.storeBytes(of: o.loadUnaligned(as: V.self) + v0, as: V.self)
                o.storeBytes(of: o.loadUnaligned(fromByteOffset: ps, as: V.self) + v1, toByteOffset: ps, as: V.self)
            default:   // 4
                o.storeBytes(of: o.loadUnaligned(as: V4.self) + v0.lowHalf, as: V4.self)
                o.storeBytes(of: o.loadUnaligned(fromByteOffset: ps, as: V4.self) + v0.highHalf, toByteOffset: ps, as: V4.self)
                o.storeBytes(of: o.loadUnaligned(fromByteOffset: 2 &* ps, as: V4.self) + v1.lowHalf, toByteOffset: 2 &* ps, as: V4.self)
                o.storeBytes(of: o.loadUnaligned(fromByteOffset: 3 &* ps, as: V4.self) + v1.highHalf, toByteOffset: 3 &* ps, as: V4.self)
            }
        }
        acc.forEachRow(count: count, add)
    }

    /// The weight-gradient product, reading the image rows in place:
    ///
    ///     out[k, o] (= or +=) sum over p < pixels of rows[p][offset(k)] * other(p, o)
    ///
    /// for k < segments * segmentLength (offset(k) = (k / segmentLength) * segmentStride +
    /// k % segmentLength) and o < groups * 16. The other operand (the output gradient, or the
    /// input of a transposed convolution) is either packed as [groups][pixels][16] (`panels`,
    /// `pixelStride` 0) or a channels-last matrix [pixels][pixelStride] with pixelStride a
    /// multiple of 16 (its group g starts at column 16 g). Six values of k by 16 of o per
    /// register block, the pixels as the reduction. `accumulate` false overwrites `out`. Runs on
    /// the calling thread.
    static func weightGradient(rows: UnsafePointer<UnsafePointer<Float>>, pixels: Int, segments: Int, segmentLength: Int,
                               segmentStride: Int, panels: UnsafePointer<Float>, groups: Int, pixelStride: Int = 0,
                               out: UnsafeMutablePointer<Float>, ldOut: Int, accumulate: Bool) {
        let k = segments * segmentLength
        var offsets = (0, 0, 0, 0, 0, 0)
        let step = pixelStride == 0 ? 16 : pixelStride
        if wide {   // 12-row AVX-512 blocks (DirectConvWide.swift)
            wideWeightGradient(rows: rows, pixels: pixels, segmentLength: segmentLength, segmentStride: segmentStride, k: k,
                               panels: panels, groups: groups, pixelStride: pixelStride, out: out, ldOut: ldOut, accumulate: accumulate)
            return
        }
        for g in 0..<groups {
            let panel = pixelStride == 0 ? panels + g * pixels * 16 : panels + g * 16
            var k0 = 0
            while k0 < k {
                let n = Swift.min(6, k - k0)
                @inline(__always) func offset(_ r: Int) -> Int {
                    let kk = k0 + Swift.min(r, n - 1)
                    return (kk / segmentLength) * segmentStride + kk % segmentLength
                }
                offsets = (offset(0), offset(1), offset(2), offset(3), offset(4), offset(5))
                weightTile(rows, pixels: pixels, offsets: offsets, count: n, panel: panel, panelStride: step,
                           out: out + k0 * ldOut + g * 16, ldOut: ldOut, accumulate: accumulate)
                k0 += 6
            }
        }
    }

    /// One 6 x 16 block of `weightGradient` (the first `count` rows are real).
    @inline(never)
    static func weightTile(_ rows: UnsafePointer<UnsafePointer<Float>>, pixels: Int, offsets: (Int, Int, Int, Int, Int, Int),
                           count: Int, panel: UnsafePointer<Float>, panelStride: Int, out: UnsafeMutablePointer<Float>, ldOut: Int,
                           accumulate: Bool) {
        var acc = Block6x16()
        let (o0, o1, o2, o3, o4, o5) = offsets
        var pb = UnsafeRawPointer(panel)
        for p in 0..<pixels {
            let a = rows[p]
            acc.add(a[o0], a[o1], a[o2], a[o3], a[o4], a[o5], pb)
            pb += panelStride &* 4
        }
        acc.store(out, ldOut: ldOut, count: count, accumulate: accumulate)
    }

    /// panels[g][b * plane + q][j] = src[b, g * 16 + j, q] (0 for channels >= `channels`): a
    /// block of `images` [channels, plane] images as [groups][images * plane][16] for `weightGradient`.
    static func panels(_ src: UnsafePointer<Float>, images: Int, channels: Int, plane: Int, imageStride: Int,
                       into out: UnsafeMutablePointer<Float>) {
        let groups = (channels + 15) / 16, pixels = images * plane
        for g in 0..<groups {
            let rows = Swift.min(16, channels - g * 16)
            for b in 0..<images {
                let dst = out + (g * pixels + b * plane) * 16
                if rows < 16 { dst.update(repeating: 0, count: plane * 16) }
                transposeInto(src + b * imageStride + g * 16 * plane, srcStride: plane, rows: rows, cols: plane, dst, dstStride: 16)
            }
        }
    }

    /// The row pointers of a block of `images` padded NHWC images for a convolution of `geo`:
    /// output pixel (b, oh, ow) reads from padded[b, oh * s, ow * s, 0].
    static func rowPointers(_ padded: UnsafePointer<Float>, images: Int, geo: ConvGeometry,
                            into rows: UnsafeMutablePointer<UnsafePointer<Float>>) {
        let rowFloats = geo.paddedW * geo.channels
        var i = 0
        for b in 0..<images {
            let image = padded + b * geo.paddedImage
            for oh in 0..<geo.outH {
                for ow in 0..<geo.outW {
                    rows[i] = image + (oh * geo.stride) * rowFloats + (ow * geo.stride) * geo.channels
                    i += 1
                }
            }
        }
    }
}
