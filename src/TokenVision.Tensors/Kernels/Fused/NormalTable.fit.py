#!/usr/bin/env python3
"""Fits the coefficient tables of NormalTable.cs (needs mpmath) and prints them as C# properties.

Interval n in 0..31 covers x in [(n - 16.5) / 2.5, (n - 15.5) / 2.5]; on it f(x) = sum_k c_k[n] t^k with
t = 2.5 x + 16 - n in [-1/2, 1/2]. c_k are degree-5 minimax fits of the absolute error (Remez exchange in
40-digit arithmetic), rounded to float. End intervals are constants: 0 below -5.8, 1 above 5.4 for Phi and
above 5.8 for the GELU derivative. Also reports the worst error of the float evaluation on a dense sweep
(GELU: as a fraction of max(2 ulp, 1e-7); derivative: as a fraction of 2.5e-7).

usage: python3 NormalTable.fit.py > tables.txt   (takes about a minute)
"""
import struct
from mpmath import mp, mpf, erfc, exp, sqrt, pi, matrix, lu_solve, cos

mp.dps = 40
SCALE, OFFSET, DEG = 2.5, 16, 5


def f32(v):
    return struct.unpack('f', struct.pack('f', v))[0]


def fma(a, b, c):
    return f32(a * b + c)  # float inputs: a * b is exact in double


def phi_cdf(x):
    return erfc(-mpf(x) / sqrt(2)) / 2


def gelu_grad(x):
    x = mpf(x)
    return phi_cdf(x) + x * exp(-x * x / 2) / sqrt(2 * pi)


def constant(kind, n):
    lo, hi = (n - OFFSET - 0.5) / SCALE, (n - OFFSET + 0.5) / SCALE
    if hi <= -5.8 + 1e-9:
        return 0.0
    if lo >= (5.4 if kind == 'Phi' else 5.8) - 1e-9:
        return 1.0
    return None


def fit(fun, centre):
    m = DEG + 1
    nodes = [mpf(0.5) * cos(pi * (2 * k + 1) / (2 * m)) for k in range(m)]
    a, b = matrix(m, m), matrix(m, 1)
    for i, t in enumerate(nodes):
        for j in range(m):
            a[i, j] = t ** j
        b[i] = fun(centre + t / SCALE)
    co = [lu_solve(a, b)[j] for j in range(m)]
    for _ in range(6):
        grid = [mpf(-0.5) + mpf(k) / 400 for k in range(401)]
        err = [sum(co[j] * t ** j for j in range(m)) - fun(centre + t / SCALE) for t in grid]
        ext = [0] + [k for k in range(1, 400) if (err[k] - err[k - 1]) * (err[k + 1] - err[k]) <= 0] + [400]
        if len(ext) != m + 1:
            break
        a, b = matrix(m + 1, m + 1), matrix(m + 1, 1)
        for i, k in enumerate(ext):
            t = grid[k]
            for j in range(m):
                a[i, j] = t ** j
            a[i, m] = (-1) ** i
            b[i] = fun(centre + t / SCALE)
        sol = lu_solve(a, b)
        co = [sol[j] for j in range(m)]
    return [f32(float(v)) for v in co]


def table(kind, fun):
    rows = []
    for n in range(32):
        c = constant(kind, n)
        rows.append([c] + [0.0] * DEG if c is not None else fit(fun, mpf(n - OFFSET) / SCALE))
    return rows


def evaluate(rows, x):
    xc = max(min(x, 6.19), -6.19)
    n = round(xc * SCALE + OFFSET)
    t = fma(xc, SCALE, -(n - OFFSET))
    p = rows[n % 32][DEG]
    for d in range(DEG - 1, -1, -1):
        p = fma(p, t, rows[n % 32][d])
    return p


def ulp(v):
    v = abs(f32(v))
    if v < 1.17549435e-38:
        return 1.4e-45
    return struct.unpack('f', struct.pack('I', struct.unpack('I', struct.pack('f', v))[0] + 1))[0] - v


def worst(kind, rows):
    w = 0.0
    for i in range(-70000, 70001):
        x = f32(i * 1e-4)
        p = evaluate(rows, x)
        if kind == 'Phi':
            expected = float(mpf(x) * phi_cdf(x))
            w = max(w, abs(f32(x * p) - expected) / max(2 * ulp(expected), 1e-7))
        else:
            w = max(w, abs(p - float(gelu_grad(x))) / 2.5e-7)
    return w


def literal(v):
    if v == 0 or abs(v) < 1e-30:
        return '0f'
    for digits in range(1, 10):
        s = '%.*g' % (digits, v)
        if f32(float(s)) == v:
            break
    return (s if ('e' in s or '.' in s) else s + '.0') + 'f'


for kind, fun in (('Phi', phi_cdf), ('Grad', gelu_grad)):
    rows = table(kind, fun)
    print(f'// {kind}: worst {worst(kind, rows):.3f} of the bound')
    for d in range(DEG + 1):
        for half, name in ((0, 'Lo'), (1, 'Hi')):
            vals = ', '.join(literal(rows[n][d]) for n in range(16 * half, 16 * half + 16))
            print(f'    private static Vector512<float> {kind}{d}{name} => Vector512.Create({vals});')
