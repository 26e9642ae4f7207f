"""Bjontegaard delta rate (BD-rate), in pure Python (no numpy), as codec papers report it.

    BD-rate(test vs anchor) = 10^(mean over the overlapping PSNR range of
                                  [log10 R_test(D) - log10 R_anchor(D)]) - 1

where each curve's log10 rate is fitted as a cubic polynomial of its PSNR D (the fit has
degree n - 1 for n < 4 points), and the mean is the integral of the difference over
[max of the two minimum PSNRs, min of the two maximum PSNRs] divided by its length
(G. Bjontegaard, "Calculation of average PSNR differences between RD-curves", VCEG-M33, 2001).
A negative BD-rate means the test codec needs fewer bits than the anchor at equal PSNR.

`python3 scripts/bd_rate.py --self-test` checks it against closed forms.
"""
import math
import sys


def _solve(a, b):
    """Solves the square system a x = b by Gaussian elimination with partial pivoting."""
    n = len(b)
    m = [row[:] + [b[i]] for i, row in enumerate(a)]
    for c in range(n):
        p = max(range(c, n), key=lambda r: abs(m[r][c]))
        if abs(m[p][c]) < 1e-300:
            raise ValueError("singular fit: the PSNRs of a curve are not distinct")
        m[c], m[p] = m[p], m[c]
        for r in range(c + 1, n):
            f = m[r][c] / m[c][c]
            for k in range(c, n + 1):
                m[r][k] -= f * m[c][k]
    x = [0.0] * n
    for r in reversed(range(n)):
        x[r] = (m[r][n] - sum(m[r][k] * x[k] for k in range(r + 1, n))) / m[r][r]
    return x


def polyfit(xs, ys, degree):
    """Least-squares polynomial coefficients c[0] + c[1] x + ... + c[degree] x^degree."""
    n = degree + 1
    a = [[sum(x ** (i + j) for x in xs) for j in range(n)] for i in range(n)]
    b = [sum(y * x ** i for x, y in zip(xs, ys)) for i in range(n)]
    return _solve(a, b)


def _integral(c, lo, hi):
    return sum(ck / (k + 1) * (hi ** (k + 1) - lo ** (k + 1)) for k, ck in enumerate(c))


def bd_rate(anchor, test):
    """BD-rate of `test` against `anchor` in percent; each a list of (rate, psnr) with rate > 0.
    None when the PSNR ranges do not overlap or a curve has fewer than 2 points."""
    if len(anchor) < 2 or len(test) < 2:
        return None
    fits = []
    for curve in (anchor, test):
        d = [p for _, p in curve]
        r = [math.log10(rate) for rate, _ in curve]
        mean = sum(d) / len(d)   # centre the PSNRs: a better-conditioned fit
        fits.append((polyfit([x - mean for x in d], r, min(3, len(curve) - 1)), mean, min(d), max(d)))
    lo = max(fits[0][2], fits[1][2])
    hi = min(fits[0][3], fits[1][3])
    if hi <= lo:
        return None
    avg = [_integral(c, lo - m, hi - m) / (hi - lo) for c, m, _, _ in fits]
    return (10 ** (avg[1] - avg[0]) - 1) * 100


def _self_test():
    anchor = [(0.25, 26.0), (0.5, 29.0), (1.0, 32.0), (2.0, 35.5)]
    same = bd_rate(anchor, anchor)
    assert abs(same) < 1e-9, same
    half = bd_rate(anchor, [(r / 2, p) for r, p in anchor])
    assert abs(half - (-50.0)) < 1e-6, half
    double = bd_rate(anchor, [(r * 2, p) for r, p in anchor])
    assert abs(double - 100.0) < 1e-6, double
    # A test curve 1 dB better everywhere on log-linear curves: rate ratio 10^(-slope) exactly.
    lin = [(10 ** (0.1 * p - 3), p) for p in (25.0, 28.0, 31.0, 34.0)]
    better = [(r, p + 1) for r, p in lin]
    got = bd_rate(lin, better)
    assert abs(got - (10 ** -0.1 - 1) * 100) < 1e-6, got
    assert bd_rate(anchor, [(1, 40.0), (2, 41.0)]) is None   # no overlap
    assert bd_rate(anchor, [(1, 30.0)]) is None
    print("bd_rate self-test passed")


if __name__ == "__main__":
    if sys.argv[1:] == ["--self-test"]:
        _self_test()
    else:
        sys.exit("usage: python3 scripts/bd_rate.py --self-test (import bd_rate from other scripts)")
