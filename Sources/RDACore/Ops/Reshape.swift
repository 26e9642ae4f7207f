// Shape ops: reshape, concatenation, splitting and slicing along an axis.

extension Tensor {
    /// Same values, new shape (same element count; one entry may be -1 to be inferred).
    /// Shares the buffer with `self` (no copy). Shapes: S -> newShape.
    public func reshaped(_ newShape: [Int]) -> Tensor {
        var s = newShape
        if let i = s.firstIndex(of: -1) {
            let known = s.enumerated().filter { $0.offset != i }.reduce(1) { $0 * $1.element }
            require(known > 0 && count % known == 0, "reshape: cannot infer -1 in \(newShape) from shape \(shape)")
            s[i] = count / known
        }
        require(s.reduce(1, *) == count, "reshape: shape \(shape) (\(count) elements) cannot become \(newShape)")
        if s == shape { return self }
        let x = self
        let y = Tensor(sharing: buffer, shape: s)
        return y.recording([x]) { out in
            let og = out.grad!
            if x.storedGrad == nil {
                // First contribution: x's gradient *is* out's, seen with x's shape (no copy; out's
                // gradient is not read again once its backward has run).
                x.storedGrad = Tensor(sharing: og.buffer, shape: x.shape)
                return
            }
            let sink = x.gradientSink(), g = og.data, gx = sink.pointer
            if sink.accumulate { for i in 0..<x.count { gx[i] += g[i] } } else { gx.update(from: g, count: x.count) }
        }
    }

    /// A view with another shape over the same buffer (no autodiff link).
    convenience init(sharing buffer: Buffer, shape: [Int]) {
        self.init(buffer: buffer, shape: shape)
    }

    /// Joins tensors along `axis`; all other extents must match.
    /// Shapes: [..., a_i, ...] for each i -> [..., sum a_i, ...].
    public static func concat(_ parts: [Tensor], axis: Int) -> Tensor {
        require(!parts.isEmpty, "concat of no tensors")
        let ax = parts[0].normalizedAxis(axis)
        let base = parts[0].shape
        for p in parts {
            require(p.rank == base.count && (0..<base.count).allSatisfy { $0 == ax || p.shape[$0] == base[$0] },
                         "concat along axis \(axis): shapes \(parts.map(\.shape)) differ off that axis")
        }
        var shape = base
        shape[ax] = parts.reduce(0) { $0 + $1.shape[ax] }
        let outer = base[..<ax].reduce(1, *), inner = base[(ax + 1)...].reduce(1, *)
        let y = Tensor(uninitialized: shape)
        let rowOut = shape[ax] * inner
        var offset = 0
        for p in parts {
            let rowIn = p.shape[ax] * inner
            for o in 0..<outer { (y.data + o * rowOut + offset).update(from: p.data + o * rowIn, count: rowIn) }
            offset += rowIn
        }
        return y.recording(parts) { out in
            let g = out.grad!.data
            var offset = 0
            for p in parts {
                let rowIn = p.shape[ax] * inner
                if p.requiresGrad {
                    let gp = p.gradData
                    for o in 0..<outer { for j in 0..<rowIn { gp[o * rowIn + j] += g[o * rowOut + offset + j] } }
                }
                offset += rowIn
            }
        }
    }

    /// The slice `range` along `axis`. Shapes: [..., a, ...] -> [..., range.count, ...].
    public func slice(_ range: Range<Int>, axis: Int = 0) -> Tensor {
        let ax = normalizedAxis(axis)
        require(range.lowerBound >= 0 && range.upperBound <= shape[ax],
                     "slice \(range) out of bounds for axis \(axis) of shape \(shape)")
        var s = shape
        s[ax] = range.count
        let outer = shape[..<ax].reduce(1, *), inner = shape[(ax + 1)...].reduce(1, *)
        let rowIn = shape[ax] * inner, rowOut = range.count * inner, start = range.lowerBound * inner
        let y = Tensor(uninitialized: s)
        let x = self
        for o in 0..<outer { (y.data + o * rowOut).update(from: x.data + o * rowIn + start, count: rowOut) }
        return y.recording([x]) { out in
            let g = out.grad!.data, gx = x.gradData
            for o in 0..<outer { for j in 0..<rowOut { gx[o * rowIn + start + j] += g[o * rowOut + j] } }
        }
    }

    /// Splits along `axis` into consecutive pieces of the given sizes (which must add up to the
    /// axis extent). Shapes: [..., sum s_i, ...] -> [..., s_i, ...] each.
    public func split(_ sizes: [Int], axis: Int) -> [Tensor] {
        let ax = normalizedAxis(axis)
        require(sizes.reduce(0, +) == shape[ax], "split sizes \(sizes) do not add up to axis \(axis) of shape \(shape)")
        var start = 0
        return sizes.map { n in
            defer { start += n }
            return slice(start..<(start + n), axis: ax)
        }
    }

    /// Rows `indices` of axis 0, copied (no gradient: for gathering minibatches of data).
    /// Shapes: [N, ...] -> [indices.count, ...].
    public func gatherRows(_ indices: ArraySlice<Int>) -> Tensor {
        let row = rank == 0 ? 1 : count / Swift.max(shape[0], 1)
        var s = shape
        s[0] = indices.count
        let y = Tensor(uninitialized: s)
        for (r, i) in indices.enumerated() {
            require(i >= 0 && i < shape[0], "row \(i) out of range for shape \(shape)")
            (y.data + r * row).update(from: data + i * row, count: row)
        }
        return y
    }
}

extension Tensor {
    /// Each row of axis 0 repeated `times` times in place: row r becomes rows r * times ..<
    /// (r + 1) * times. The gradient of a row is the sum over its copies. (A prior per latent
    /// channel, shared over the channel's positions, as per-dimension parameters.)
    /// Shapes: [R, ...] -> [R * times, ...]; `times` 1 returns `self`.
    public func repeatingEachRow(_ times: Int) -> Tensor {
        require(times >= 1, "repeatingEachRow: times \(times) must be at least 1")
        guard times > 1 else { return self }
        require(rank >= 1, "repeatingEachRow: needs a tensor with rows, got shape \(shape)")
        let rows = shape[0], row = count / Swift.max(rows, 1)
        var s = shape
        s[0] = rows * times
        let x = self
        return Tensor.custom(shape: s, inputs: [x], forward: { out in
            for r in 0..<rows {
                for t in 0..<times { (out + (r * times + t) * row).update(from: x.data + r * row, count: row) }
            }
        }, backward: { g in
            guard x.requiresGrad else { return }
            let sink = x.gradientSink()
            for r in 0..<rows {
                for j in 0..<row {
                    var acc: Float = 0
                    for t in 0..<times { acc += g[(r * times + t) * row + j] }
                    sink.put(r * row + j, acc)
                }
            }
        })
    }
}
