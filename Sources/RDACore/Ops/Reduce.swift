// Reductions. Shapes: with `keepDims`, reduced axes become 1; without, they are removed.

extension Tensor {
    /// Sum over `axes` (negative axes count from the end). Shapes: S -> S with those axes
    /// reduced. Backward: every input element receives the gradient of its output element.
    public func sum(axes: [Int], keepDims: Bool = false) -> Tensor {
        let axes = Set(axes.map { normalizedAxis($0) })
        let kept = shape.enumerated().map { axes.contains($0.offset) ? 1 : $0.element }
        let y = Tensor(zeros: kept)
        let x = self
        let sx = Broadcast.strides(of: shape, in: shape), sy = Broadcast.strides(of: kept, in: shape)
        let xp = x.data, yp = y.data
        Broadcast.walk(shape, sx, sy) { o, _, iy, n, _, sty in
            if sty == 0 {
                var acc: Float = 0
                for j in 0..<n { acc += xp[o + j] }
                yp[iy] += acc
            } else {
                for j in 0..<n { yp[iy + j] += xp[o + j] }
            }
        }
        let result = keepDims ? y : y.reshaped(shape.enumerated().filter { !axes.contains($0.offset) }.map(\.element))
        return result.recording([x]) { out in
            let g = out.grad!.data, gx = x.gradData
            Broadcast.walk(x.shape, sx, sy) { o, _, iy, n, _, sty in
                for j in 0..<n { gx[o + j] += g[iy + j * sty] }
            }
        }
    }

    /// Sum of all elements. Shapes: S -> [].
    public func sum() -> Tensor { sum(axes: Array(0..<rank)) }

    /// Mean over `axes`. Shapes: as `sum(axes:)`.
    public func mean(axes: [Int], keepDims: Bool = false) -> Tensor {
        let n = Set(axes.map { normalizedAxis($0) }).reduce(1) { $0 * shape[$1] }
        return sum(axes: axes, keepDims: keepDims).scaled(by: 1 / Float(n))
    }

    /// Mean of all elements. Shapes: S -> [].
    public func mean() -> Tensor { sum().scaled(by: 1 / Float(Swift.max(count, 1))) }

    func normalizedAxis(_ axis: Int) -> Int {
        let a = axis < 0 ? axis + rank : axis
        require(a >= 0 && a < rank, "axis \(axis) out of range for shape \(shape)")
        return a
    }
}
