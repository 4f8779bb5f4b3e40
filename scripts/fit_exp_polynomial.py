#!/usr/bin/env python3
"""Fits the float exp polynomial of plugin_api/kit/include/rlloss/kit/fast_math.hpp.

exp(f) on |f| <= ln(2) / 2 as 1 + c1 f + ... + cN f^N, minimising the largest relative error:
Lawson's algorithm (iteratively reweighted least squares) on Chebyshev points, in double, with
no dependency beyond the standard library. Prints the largest relative error of the fit and the
coefficients rounded to float, highest degree first, as fast_math.hpp's Horner form reads them.

    python3 scripts/fit_exp_polynomial.py [degree]   # default 6
"""
import math
import struct
import sys

HALF_LN2 = math.log(2) / 2


def solve(matrix, rhs):
    """Gauss-Jordan elimination with partial pivoting."""
    n = len(rhs)
    rows = [row[:] + [rhs[i]] for i, row in enumerate(matrix)]
    for i in range(n):
        pivot = max(range(i, n), key=lambda r: abs(rows[r][i]))
        rows[i], rows[pivot] = rows[pivot], rows[i]
        for r in range(n):
            if r != i:
                factor = rows[r][i] / rows[i][i]
                for c in range(i, n + 1):
                    rows[r][c] -= factor * rows[i][c]
    return [rows[i][n] / rows[i][i] for i in range(n)]


def fit(degree, points=3001, iterations=400):
    # t = f / (ln 2 / 2) in [-1, 1] keeps the normal equations well conditioned.
    ts = [math.cos(math.pi * i / (points - 1)) for i in range(points)]
    # Relative error of 1 + sum c_k f^k against e = exp(f): (sum c_k f^k - (e - 1)) / e.
    basis = [[t**k / math.exp(HALF_LN2 * t) for k in range(1, degree + 1)] for t in ts]
    target = [(math.exp(HALF_LN2 * t) - 1) / math.exp(HALF_LN2 * t) for t in ts]
    weights = [1.0] * points
    for _ in range(iterations):
        normal = [[sum(w * row[p] * row[q] for w, row in zip(weights, basis))
                   for q in range(degree)] for p in range(degree)]
        rhs = [sum(w * row[p] * y for w, row, y in zip(weights, basis, target))
               for p in range(degree)]
        scaled = solve(normal, rhs)
        errors = [abs(sum(c * b for c, b in zip(scaled, row)) - y)
                  for row, y in zip(basis, target)]
        total = sum(w * e for w, e in zip(weights, errors))
        weights = [w * e / total for w, e in zip(weights, errors)]
    coefficients = [c / HALF_LN2**(k + 1) for k, c in enumerate(scaled)]
    return coefficients, max(errors)


def to_float(x):
    return struct.unpack("f", struct.pack("f", x))[0]


def main():
    degree = int(sys.argv[1]) if len(sys.argv) > 1 else 6
    coefficients, error = fit(degree)
    print(f"degree {degree}: largest relative error {error:.2g} before rounding to float")
    for k in reversed(range(degree)):
        print(f"c{k + 1} = {to_float(coefficients[k]):.8e}f")


if __name__ == "__main__":
    main()
