// T1 of the reference: the quadratic bilevel problem
//   g(x, y) = ½yᵀAy + ½xᵀBx + xᵀCy + aᵀy + bᵀx      (lower; A ≻ 0 for the implicit methods)
//   f(x, y) = ½yᵀFy + ½xᵀHx + xᵀKy + f₀ᵀy + hᵀx     (upper)
// with y*(x) = −A⁻¹(a + Cᵀx) and ∇Φ(x) = Hx + Ky* + h − CA⁻¹(Fy* + Kᵀx + f₀). Matrices row-major f64
// (A, F dy×dy; B, H dx×dx; C, K dx×dy); the square ones are symmetrised ((S + Sᵀ)/2, which is what the
// quadratic form sees). Every oracle is one wasm kernel (assembly/bilevel/dense.ts).
import type { Engine } from '../../engine/engine.js';
import { requireObject } from '../../errors.js';
import { checkKnownKeys } from '../../options.js';
import { zeroCalls, type Oracles, type SecondOrderTier } from '../oracles.js';
import type { Vec, Vecs } from '../vec.js';
import { BuiltinModel, requireDim } from './model.js';

/** A bilevel problem with quadratic upper and lower levels for `bilevel.models.quadratic`, given by the matrices and vectors below (the model's exact oracles run in wasm). */
export interface QuadraticSpec {
  /** Dimension of x. */
  dx: number;
  /** Dimension of y. */
  dy: number;
  /** Lower level: A (dy×dy, required), B (dx×dx), C (dx×dy), a (dy), b (dx); missing ones are zero. */
  lower: { A: ArrayLike<number>; B?: ArrayLike<number>; C?: ArrayLike<number>; a?: ArrayLike<number>; b?: ArrayLike<number> };
  /** Upper level: F (dy×dy), H (dx×dx), K (dx×dy), f (dy, the f₀ above), h (dx); missing ones are zero. */
  upper: { F?: ArrayLike<number>; H?: ArrayLike<number>; K?: ArrayLike<number>; f?: ArrayLike<number>; h?: ArrayLike<number> };
}

export class QuadraticModel extends BuiltinModel {
  readonly kind = 'quadratic';
  readonly dx: number;
  readonly dy: number;
  private readonly m: Record<'A' | 'B' | 'C' | 'a' | 'b' | 'F' | 'H' | 'K' | 'f' | 'h', Vec>;
  constructor(engine: Engine, spec: QuadraticSpec) {
    super(engine);
    requireObject('quadratic model spec', spec);
    checkKnownKeys('quadratic model field', spec, ['dx', 'dy', 'lower', 'upper']);
    const dx = requireDim('dx', spec.dx), dy = requireDim('dy', spec.dy);
    requireObject('lower', spec.lower); requireObject('upper', spec.upper);
    checkKnownKeys('quadratic lower-level field', spec.lower, ['A', 'B', 'C', 'a', 'b']);
    checkKnownKeys('quadratic upper-level field', spec.upper, ['F', 'H', 'K', 'f', 'h']);
    this.dx = dx; this.dy = dy;
    const L = spec.lower as Record<string, unknown>, U = spec.upper as Record<string, unknown>;
    const get = (src: Record<string, unknown>, k: string, len: number, req = false): Vec =>
      (src[k] === undefined && !req ? this.vecs.alloc(len) : this.data(`quadratic ${src === L ? 'lower' : 'upper'}.${k}`, src[k], len));
    try {
      this.m = {
        A: get(L, 'A', dy * dy, true), B: get(L, 'B', dx * dx), C: get(L, 'C', dx * dy), a: get(L, 'a', dy), b: get(L, 'b', dx),
        F: get(U, 'F', dy * dy), H: get(U, 'H', dx * dx), K: get(U, 'K', dx * dy), f: get(U, 'f', dy), h: get(U, 'h', dx),
      };
    } catch (e) { this.vecs.free(); throw e; }
    for (const [k, n] of [['A', dy], ['B', dx], ['F', dy], ['H', dx]] as const) this.vecs.symmetrize(n, this.m[k]);
  }

  oracles(v: Vecs): Oracles {
    this.checkLive();
    const e = this.engine, m = this.m, dx = this.dx, dy = this.dy;
    const grad = e.kernel('bl_quad_grad'), gemv = e.kernel('bl_gemv'), value = e.kernel('bl_quad_value');
    const tmp = v.alloc(Math.max(dx, dy));
    const model = this;
    return {
      dx, dy, calls: zeroCalls(), tiers: new Set<SecondOrderTier>(['built-in']), fdError: 0,
      estimateNext() {},
      lowerGrad(x, y, out) { model.checkLive(); this.calls.lowerGrad++; grad(dx, dy, m.A.ptr, m.B.ptr, m.C.ptr, m.a.ptr, m.b.ptr, x.ptr, y.ptr, out.ptr, 0); },
      lowerGradX(x, y, out) { model.checkLive(); this.calls.lowerGradX++; grad(dx, dy, m.A.ptr, m.B.ptr, m.C.ptr, m.a.ptr, m.b.ptr, x.ptr, y.ptr, out.ptr, 1); },
      upperGrad(x, y, gx, gy) {
        model.checkLive(); this.calls.upperGrad++;
        grad(dx, dy, m.F.ptr, m.H.ptr, m.K.ptr, m.f.ptr, m.h.ptr, x.ptr, y.ptr, gy.ptr, 0);
        grad(dx, dy, m.F.ptr, m.H.ptr, m.K.ptr, m.f.ptr, m.h.ptr, x.ptr, y.ptr, gx.ptr, 1);
      },
      upperValue(x, y) { model.checkLive(); this.calls.upperValue++; return value(dx, dy, m.F.ptr, m.H.ptr, m.K.ptr, m.f.ptr, m.h.ptr, x.ptr, y.ptr, tmp.ptr); },
      hvp(_x, _y, vec, out) { model.checkLive(); this.calls.hvp++; gemv(dy, dy, m.A.ptr, vec.ptr, out.ptr, 1, 0, 0); },
      cross(_x, _y, vec, out) { model.checkLive(); this.calls.cross++; gemv(dx, dy, m.C.ptr, vec.ptr, out.ptr, 1, 0, 0); },
      crossT(_x, _y, u, out) { model.checkLive(); this.calls.crossT++; gemv(dx, dy, m.C.ptr, u.ptr, out.ptr, 1, 0, 1); },
      denseHessian(_x, _y, out) { model.checkLive(); v.copy(m.A, out); },
    };
  }
}
