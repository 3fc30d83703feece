# Checks the squeeze that assembly/core/rng.ts gamma takes before Marsaglia & Tsang's logarithmic test:
#   h(x, d) = [x²/2 + d − d·v + d·ln v] − ln(1 − 0.0331·x⁴) ≥ 0,  v = (1 + x/√(9d))³ > 0, |x| < 0.0331^(-1/4),
# for d ≥ 2/3 (shape ≥ 1: the sampler boosts smaller shapes to shape + 1), in 40-digit arithmetic (mpmath) on
# a grid of d from 2/3 to 10^15 and x over the squeeze's range; near x = 0, h ≈ (0.0331 − 0.75/(81d))·x⁴, so
# h/x⁴ is reported there. Output of `/usr/bin/python3 scripts/gamma_squeeze_check.py` (2026-12-07):
#   min h/x^4 over the grid: 9.51e-05 at x = -2.157, d = 0.6667 (h = 0.0021 there)
#   min h/x^4 for |x| < 0.05: 0.01899 at d = 0.6667
#   min h on the fine left-end grid: 0.00203 at x = -2.1539, d = 0.6667
import mpmath as mp

mp.mp.dps = 40
K = mp.mpf(0.0331)  # the double nearest 0.0331, exactly as the kernel uses it
XMAX = (1 / K) ** mp.mpf(0.25)


def h(x, d):
    c = 1 / mp.sqrt(9 * d)
    t = 1 + c * x
    a = 1 - K * x ** 4
    if t <= 0 or a <= 0:
        return None
    v = t ** 3
    return (x * x / 2 + d - d * v + d * mp.log(v)) - mp.log(a)


ds = [mp.mpf(2) / 3 + mp.mpf(k) / 200 for k in range(200)] + [mp.mpf(10) ** (mp.mpf(e) / 8) for e in range(121)]
worst, near = (mp.inf, None), (mp.inf, None)
for d in ds:
    for i in range(1, 800):
        x = -XMAX + 2 * XMAX * i / 800
        v = h(x, d)
        if v is None or x == 0:
            continue
        assert v >= 0, (x, d, v)
        r = v / x ** 4
        if abs(x) < 0.05:
            if r < near[0]:
                near = (r, d)
        elif r < worst[0]:
            worst = (r, (x, d, v))
fine = (mp.inf, None)
for d in [mp.mpf(2) / 3, mp.mpf(2) / 3 + mp.mpf('1e-9'), mp.mpf('0.67'), mp.mpf('0.7'), mp.mpf('0.8')]:
    for i in range(20001):
        x = -XMAX + (XMAX - mp.mpf('1.5')) * i / 20000
        v = h(x, d)
        if v is None:
            continue
        assert v >= 0, (x, d, v)
        if v < fine[0]:
            fine = (v, (x, d))
print('min h/x^4 over the grid: %.3g at x = %.4g, d = %.4g (h = %.2g there)' % (worst[0], worst[1][0], worst[1][1], worst[1][2]))
print('min h/x^4 for |x| < 0.05: %.4g at d = %.4g' % (near[0], near[1]))
print('min h on the fine left-end grid: %.3g at x = %.5g, d = %.4g' % (fine[0], fine[1][0], fine[1][1]))
