#!/usr/bin/env python3
"""torch 1.13's float32 -> bfloat16 / float16 conversions (round to nearest even) and back, the
independent reference of src/optim/lowp.ts (test/lowp-convert.test.mjs matches it bit for bit).

Three parts, NaN inputs left out (torch itself disagrees with itself there: its scalar bfloat16 path
gives 0x7FC0, its AVX2 path 0xFFFF, and F16C keeps a NaN's payload; simdopt's NaN encodings are
tested against their stated rule instead):
  explicit: hand-picked float32 bit patterns (signed zeros, ties to even, the largest values, the
            f16 overflow threshold 65520 and its neighbours, the f16 subnormal range and its rounding
            ties, f32 subnormals, +-Inf) with their bf16 and f16 bit patterns;
  sweep:    2^18 float32 bit patterns from xorshift32 (seed 1: x ^= x << 13, x ^= x >> 17, x ^= x << 5,
            as 32-bit words, NaNs skipped), plus the same patterns with their low 13 / 16 bits set to
            the exact bf16 and f16 tie (a half-way value) so the ties are exercised everywhere; the
            SHA-256 of each result as little-endian uint16;
  decode:   every 16-bit pattern that is not a NaN, decoded to float32 by torch (.to(torch.float32)),
            the SHA-256 of the float32 bits (little-endian uint32), for bf16 and f16.

  /usr/bin/python3 scripts/golden_float16.py          writes test/fixtures/float16.json
  /usr/bin/python3 scripts/golden_float16.py --check   recomputes it and fails unless the file matches
"""
import hashlib, json, os, sys
import numpy as np
import torch

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..')
OUT = os.path.join(ROOT, 'test', 'fixtures', 'float16.json')

EXPLICIT = [
    0x00000000, 0x80000000, 0x3F800000, 0xBF800000, 0x3F808000, 0x3F818000, 0x3F808001, 0x3F807FFF,
    0x3F800FFF, 0x3F801000, 0x3F801001, 0x3F803000, 0x3F802FFF, 0x7F7FFFFF, 0xFF7FFFFF, 0x7F7F8000,
    0x7F7F7FFF, 0x7F800000, 0xFF800000, 0x477FE000, 0x477FEFFF, 0x477FF000, 0x477FF001, 0x47800000,
    0xC77FF000, 0xC77FEFFF, 0x38800000, 0x387FC000, 0x387FE000, 0x33800000, 0x33000000, 0x33000001,
    0x337FFFFF, 0x33C00000, 0x34000000, 0x34200000, 0x34400000, 0x00000001, 0x80000001, 0x007FFFFF,
    0x00400000, 0x00008000, 0x00018000, 0x3DCCCCCD, 0xBDCCCCCD, 0x40490FDB, 0x3EAAAAAB, 0x4B800001,
    0x2F800000, 0x1E3CE508, 0x3A83126F, 0x5F7FFFFF, 0x0C000000, 0xB3000000, 0xB3000001, 0x387FFFFF,
]
N_SWEEP = 1 << 18


def xorshift_patterns(n):
    out, x = [], 1
    while len(out) < n:
        x ^= (x << 13) & 0xFFFFFFFF
        x ^= x >> 17
        x ^= (x << 5) & 0xFFFFFFFF
        if (x & 0x7FFFFFFF) <= 0x7F800000:
            out.append(x)
    return out


def bits_f32(words):
    return torch.from_numpy(np.array(words, dtype=np.uint32).view(np.float32).copy())


def to16(t, dtype):
    return t.to(dtype).view(torch.int16).numpy().view(np.uint16)


def sha(arr):
    return hashlib.sha256(np.ascontiguousarray(arr).tobytes()).hexdigest()


def sweep_inputs():
    base = xorshift_patterns(N_SWEEP)
    ties_bf16 = [(w & 0xFFFF0000) | 0x8000 for w in base]
    ties_f16 = [(w & 0xFFFFE000) | 0x1000 for w in base]
    keep = lambda ws: [w for w in ws if (w & 0x7FFFFFFF) <= 0x7F800000]
    return keep(base + ties_bf16 + ties_f16)


def build():
    x = bits_f32(EXPLICIT)
    sw = bits_f32(sweep_inputs())
    assert sys.byteorder == 'little'
    dec = {}
    for name, dtype, isnan in (('bf16', torch.bfloat16, lambda h: (h & 0x7F80) == 0x7F80 and (h & 0x7F) != 0),
                               ('f16', torch.float16, lambda h: (h & 0x7C00) == 0x7C00 and (h & 0x3FF) != 0)):
        pats = np.array([h for h in range(65536) if not isnan(h)], dtype=np.uint16)
        f = torch.from_numpy(pats.view(np.int16).copy()).view(dtype).to(torch.float32)
        dec[name] = {'count': int(len(pats)), 'sha256': sha(f.numpy().view(np.uint32))}
    return {
        'torch': torch.__version__.split('+')[0],
        'explicit': {'input': EXPLICIT, 'bf16': to16(x, torch.bfloat16).tolist(), 'f16': to16(x, torch.float16).tolist()},
        'sweep': {'count': int(sw.numel()), 'bf16Sha256': sha(to16(sw, torch.bfloat16)), 'f16Sha256': sha(to16(sw, torch.float16)),
                  'inputSha256': sha(sw.numpy().view(np.uint32))},
        'decode': dec,
    }


def main():
    data = build()
    text = json.dumps(data, indent=1) + '\n'
    if '--check' in sys.argv:
        with open(OUT) as f:
            old = f.read()
        if old != text:
            print('float16 fixture differs from a fresh run: re-run scripts/golden_float16.py', file=sys.stderr)
            sys.exit(1)
        print('float16 check: ok')
        return
    with open(OUT, 'w') as f:
        f.write(text)
    print('wrote', OUT)


if __name__ == '__main__':
    main()
