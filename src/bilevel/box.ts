// The box xMin ≤ x ≤ xMax on the upper variable of the constrained methods (vpbgd, lvhba): bounds as
// engine buffers (or scalars), projection by clamping in wasm (assembly/bilevel/project.ts).
import { HyperparameterError } from '../errors.js';
import type { Vec, Vecs } from './vec.js';

export interface Box {
  /** Whether any bound is finite. */
  readonly active: boolean;
  /** Clamp x onto the box in place; returns ‖x_before − x_after‖². */
  project(x: Vec): number;
}

export function makeBox(v: Vecs, dx: number, lo: number | number[], hi: number | number[]): Box {
  const buf = (name: string, b: number | number[]): Vec | null => {
    if (typeof b === 'number') return null;
    if (b.length !== dx) throw new HyperparameterError(`${name} has ${b.length} entries, the upper variable has dx = ${dx}`);
    return v.from(b);
  };
  const l = buf('xMin', lo), h = buf('xMax', hi);
  for (let i = 0; i < dx; i++) {
    const a = l ? l.array[i]! : (lo as number), b = h ? h.array[i]! : (hi as number);
    if (!(a <= b) || a === Infinity || b === -Infinity) throw new HyperparameterError(`the box is empty at coordinate ${i}: xMin = ${a}, xMax = ${b}`);
  }
  const active = l !== null || h !== null || lo !== -Infinity || hi !== Infinity;
  const clamp = v.engine.kernel('bl_clamp');
  return {
    active,
    project: (x) => (active ? clamp(dx, x.ptr, l ? l.ptr : 0, h ? h.ptr : 0, typeof lo === 'number' ? lo : 0, typeof hi === 'number' ? hi : 0) : 0),
  };
}
