import RDAKernels

// Pieces the convolutions run on a block of images (pointer tables, block views, per-lane sums).

/// Runs `body` with the row pointers of `DirectConv` for a block of padded NHWC images.
@inline(__always)
func withRowPointers(_ padded: UnsafePointer<Float>, images: Int, geo: ConvGeometry,
                     _ body: (UnsafePointer<UnsafePointer<Float>>) -> Void) {
    withUnsafeTemporaryAllocation(of: UnsafePointer<Float>.self, capacity: images * geo.outPlane) { rows in
        DirectConv.rowPointers(padded, images: images, geo: geo, into: rows.baseAddress!)
        body(UnsafePointer(rows.baseAddress!))
    }
}

/// Runs `body` with the pointers of `DirectConv.scatter`: pixel q's source row `rows + q * stride`
/// and its place in a block of padded NHWC images.
@inline(__always)
func withScatterRows(_ rows: UnsafePointer<Float>, stride: Int, _ padded: UnsafeMutablePointer<Float>, images: Int, geo: ConvGeometry,
                     _ body: (UnsafePointer<UnsafePointer<Float>>, UnsafePointer<UnsafeMutablePointer<Float>>) -> Void) {
    let pixels = images * geo.outPlane
    withUnsafeTemporaryAllocation(of: UnsafePointer<Float>.self, capacity: pixels) { src in
        for q in 0..<pixels { src[q] = rows + q * stride }
        withUnsafeTemporaryAllocation(of: UnsafeMutablePointer<Float>.self, capacity: pixels) { dst in
            withUnsafeTemporaryAllocation(of: UnsafePointer<Float>.self, capacity: pixels) { tmp in
                DirectConv.rowPointers(padded, images: images, geo: geo, into: tmp.baseAddress!)
                for q in 0..<pixels { dst[q] = UnsafeMutablePointer(mutating: tmp[q]) }
            }
            body(UnsafePointer(src.baseAddress!), UnsafePointer(dst.baseAddress!))
        }
    }
}

/// Runs `body` with a block's output gradient as g2 [channels, count*plane] (the images side by
/// side; a view when count == 1).
@inline(__always)
func withBlockGradient(_ gb: UnsafePointer<Float>, count: Int, channels: Int, plane: Int, _ body: (UnsafePointer<Float>) -> Void) {
    if count == 1 { body(gb); return }
    let t = Tensor(uninitialized: [channels, count * plane])
    swapOuterAxes(gb, t.data, a: count, b: channels, p: plane)
    body(t.data)
}

/// weight[outer * strideOuter + inner * strideInner + i * kw + j] (+)= t[((i * kw + j) * inner + in) * ld + out]:
/// a weight gradient from `DirectConv.weightGradient`'s [kh, kw, inner] x outer layout back to the weight's.
/// Two passes that read and write long runs: t [K, outer] (rows (tap, in), stride `ld`) is
/// transposed to [outer, K] eight columns at a time (eight long output rows), then each outer
/// row's [kh * kw, inner] slice is transposed into the weight (its taps consecutive). One add an
/// element when accumulating, in the second pass.
func scatterWeightGradient(_ t: UnsafePointer<Float>, ld: Int, kh: Int, kw: Int, inner: Int, outer: Int,
                           _ weight: UnsafeMutablePointer<Float>, strideOuter: Int, strideInner: Int, accumulate: Bool) {
    let taps = kh * kw, k = taps * inner
    let byOuter = Tensor(uninitialized: [outer, k]), u = byOuter.data
    parallelRanges((outer + 7) / 8, grain: 1) { lo, hi in
        for strip in lo..<hi {
            let j = strip * 8, w = Swift.min(8, outer - j)
            transposeInto(t + j, srcStride: ld, rows: k, cols: w, u + j * k, dstStride: k)
        }
    }
    parallelRanges(outer, grain: Swift.max(1, (1 << 13) / Swift.max(k, 1))) { lo, hi in
        for o in lo..<hi {
            transposeInto(u + o * k, srcStride: inner, rows: taps, cols: inner, weight + o * strideOuter,
                          dstStride: strideInner, accumulate: accumulate)
        }
    }
}

/// out[ch] = (first ? 0 : out[ch]) + sum over the images and the plane of g[b, ch, :], for a
/// [images, channels, plane] block.
@inline(__always)
func channelSums(_ g: UnsafePointer<Float>, images: Int, channels: Int, plane: Int, into out: UnsafeMutablePointer<Float>, first: Bool) {
    for ch in 0..<channels {
        var acc: Float = 0
        for b in 0..<images { acc += sumOf(g + (b * channels + ch) * plane, count: plane) }
        out[ch] = first ? acc : out[ch] + acc
    }
}

/// The sum of `count` floats, in eight interleaved partial sums (vectorized).
@inline(__always)
func sumOf(_ p: UnsafePointer<Float>, count: Int) -> Float {
    var acc = SIMD8<Float>()
    var i = 0
    let raw = UnsafeRawPointer(p)
    while i + 8 <= count {
        acc += raw.loadUnaligned(fromByteOffset: i &* 4, as: SIMD8<Float>.self)
        i &+= 8
    }
    var total = acc.sum()
    while i < count { total += p[i]; i &+= 1 }
    return total
}
