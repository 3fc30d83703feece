// bandits.plotRegret: a simulation result as a standalone SVG document (no dependencies, no scripts):
// one curve per policy (mean regret at the checkpoints) over its confidence band, the Lai–Robbins
// curve C(μ)·ln t dashed where the result has one, axes with ticks, a legend.
import { describe, InvalidArgumentError, requireObject, suggest } from '../errors.js';
import type { SimulationResult } from './simulate.js';

/** Options of `bandits.plotRegret`, which draws a simulation's regret curves as an SVG string. */
export interface PlotOptions {
  /** Size in pixels (default 720 × 440; 200 to 4000). */
  width?: number;
  height?: number;
  /** Title above the plot (default: the environment's label, horizon and repetitions). */
  title?: string;
  /** Logarithmic time axis (default false; true shows ln t growth as a straight line, as SMPyBandits' semilogx). */
  logX?: boolean;
  /** Draw the confidence bands (default true) and the Lai–Robbins curve (default true, when the result has one). */
  bands?: boolean;
  lowerBound?: boolean;
  /** Curve colours, CSS colour strings (default a 10-colour palette, cycled). */
  colors?: readonly string[];
}

const KEYS = ['width', 'height', 'title', 'logX', 'bands', 'lowerBound', 'colors'];
const PALETTE = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];
const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!)
  // characters XML 1.0 does not allow (C0 controls other than tab/newline/CR, lone surrogates, U+FFFE/U+FFFF)
  // eslint-disable-next-line no-control-regex
  .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd');
const num = (x: number): string => (Math.round(x * 100) / 100).toString();
const COLOR = /^(#[0-9a-fA-F]{3,8}|[a-zA-Z]{1,30}|(rgb|rgba|hsl|hsla)\([0-9.,%\s]{1,60}\))$/;

/** Tick values for [lo, hi]: 1, 2, 5 × 10^k steps, about `n` of them. */
function ticks(lo: number, hi: number, n: number): number[] {
  const span = hi - lo;
  if (!(span > 0)) return [lo];
  const raw = span / n, p = 10 ** Math.floor(Math.log10(raw)), f = raw / p;
  const step = (f < 1.5 ? 1 : f < 3.5 ? 2 : f < 7.5 ? 5 : 10) * p;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Math.abs(v) < step * 1e-9 ? 0 : v);
  return out;
}
const label = (v: number): string => {
  const a = Math.abs(v);
  if (a !== 0 && (a >= 1e5 || a < 1e-3)) return v.toExponential(0).replace('e+', 'e');
  return String(Number(v.toPrecision(6)));
};

function checkResult(r: unknown): SimulationResult {
  requireObject('plotRegret result', r);
  const o = r as Record<string, unknown>;
  const cps = o.checkpoints;
  if (!(cps instanceof Float64Array) || cps.length === 0) throw new InvalidArgumentError(`plotRegret result.checkpoints must be a non-empty Float64Array (a bandits.simulate result), got ${describe(cps)}`);
  for (let i = 0; i < cps.length; i++) if (!(cps[i]! >= 1) || !Number.isFinite(cps[i]!) || (i > 0 && !(cps[i]! > cps[i - 1]!))) throw new InvalidArgumentError(`plotRegret result.checkpoints[${i}] must be a round ≥ 1, increasing, got ${describe(cps[i])}`);
  if (!Array.isArray(o.policies) || o.policies.length === 0) throw new InvalidArgumentError(`plotRegret result.policies must be a non-empty array, got ${describe(o.policies)}`);
  o.policies.forEach((p: unknown, i: number) => {
    requireObject(`plotRegret result.policies[${i}]`, p);
    const q = p as Record<string, unknown>;
    if (typeof q.label !== 'string') throw new InvalidArgumentError(`plotRegret result.policies[${i}].label must be a string, got ${describe(q.label)}`);
    requireObject(`plotRegret result.policies[${i}].regret`, q.regret);
    for (const k of ['mean', 'lower', 'upper']) {
      const a = (q.regret as Record<string, unknown>)[k];
      if (!(a instanceof Float64Array) || a.length !== cps.length) throw new InvalidArgumentError(`plotRegret result.policies[${i}].regret.${k} must be a Float64Array of ${cps.length} values, got ${describe(a)}`);
      for (let j = 0; j < a.length; j++) if (!Number.isFinite(a[j]!)) throw new InvalidArgumentError(`plotRegret result.policies[${i}].regret.${k}[${j}] must be finite, got ${describe(a[j])}`);
    }
  });
  const lb = o.lowerBound;
  if (lb !== null && lb !== undefined) {
    requireObject('plotRegret result.lowerBound', lb);
    const c = (lb as Record<string, unknown>).curve;
    if (!(c instanceof Float64Array) || c.length !== cps.length) throw new InvalidArgumentError(`plotRegret result.lowerBound.curve must be a Float64Array of ${cps.length} values, got ${describe(c)}`);
    for (let j = 0; j < c.length; j++) if (!Number.isFinite(c[j]!)) throw new InvalidArgumentError(`plotRegret result.lowerBound.curve[${j}] must be finite`);
  }
  return r as SimulationResult;
}

/** The regret curves of a bandits.simulate result as a standalone SVG document (a string). */
export function plotRegret(result: SimulationResult, options: PlotOptions = {}): string {
  const r = checkResult(result);
  requireObject('plotRegret options', options);
  const o = options as Record<string, unknown>;
  for (const k of Object.keys(o)) if (!KEYS.includes(k)) throw new InvalidArgumentError(`plotRegret: unknown option ${JSON.stringify(k)}${suggest(k, KEYS)}`);
  const size = (v: unknown, name: string, d: number): number => {
    if (v === undefined) return d;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 200 || v > 4000) throw new InvalidArgumentError(`${name} must be an integer in [200, 4000], got ${describe(v)}`);
    return v;
  };
  const bool = (v: unknown, name: string, d: boolean): boolean => {
    if (v === undefined) return d;
    if (typeof v !== 'boolean') throw new InvalidArgumentError(`${name} must be a boolean, got ${describe(v)}`);
    return v;
  };
  const W = size(o.width, 'width', 720), H = size(o.height, 'height', 440);
  const logX = bool(o.logX, 'logX', false), bands = bool(o.bands, 'bands', true), showLb = bool(o.lowerBound, 'lowerBound', true);
  if (o.title !== undefined && (typeof o.title !== 'string' || o.title.length > 500)) throw new InvalidArgumentError(`title must be a string of at most 500 characters, got ${describe(o.title)}`);
  let colors = PALETTE;
  if (o.colors !== undefined) {
    if (!Array.isArray(o.colors) || o.colors.length === 0 || o.colors.some((c) => typeof c !== 'string' || !COLOR.test(c))) {
      throw new InvalidArgumentError(`colors must be a non-empty array of CSS colours (#rgb, #rrggbb, a name, rgb(...)), got ${describe(o.colors)}`);
    }
    colors = o.colors as string[];
  }
  const env = (r as { env?: { label?: unknown } }).env;
  const title = (o.title as string | undefined) ?? `${typeof env?.label === 'string' ? env.label : 'regret'}${typeof r.horizon === 'number' ? `, T = ${r.horizon}` : ''}${typeof r.repetitions === 'number' ? `, ${r.repetitions} repetitions` : ''}`;

  const cps = r.checkpoints, n = cps.length;
  const lb = showLb && r.lowerBound ? r.lowerBound.curve : null;
  let ylo = 0, yhi = 0;
  for (const p of r.policies) for (let i = 0; i < n; i++) {
    const lo = bands ? p.regret.lower[i]! : p.regret.mean[i]!, hi = bands ? p.regret.upper[i]! : p.regret.mean[i]!;
    if (lo < ylo) ylo = lo; if (hi > yhi) yhi = hi;
  }
  if (lb) for (let i = 0; i < n; i++) { if (lb[i]! > yhi) yhi = lb[i]!; if (lb[i]! < ylo) ylo = lb[i]!; }
  if (!(yhi > ylo)) yhi = ylo + 1;
  const pad = (yhi - ylo) * 0.04; yhi += pad; if (ylo < 0) ylo -= pad;
  const x0 = cps[0]!, x1 = cps[n - 1]!;
  const L = 72, Rm = 20, T0 = 40, B = 52, pw = W - L - Rm, ph = H - T0 - B;
  const lx = logX ? Math.log10(Math.max(x0, 1)) : 0, ux = logX ? Math.log10(x1) : x1;
  const X = (t: number): number => L + (x1 === x0 && !logX ? 0.5 : ((logX ? Math.log10(t) : t) - lx) / ((ux - lx) || 1)) * pw;
  const Y = (v: number): number => T0 + ph - ((v - ylo) / (yhi - ylo)) * ph;
  const parts: string[] = [];
  parts.push(`<?xml version="1.0" encoding="UTF-8"?>`);
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="Helvetica, Arial, sans-serif" font-size="12">`);
  parts.push(`<title>${esc(title)}</title>`);
  parts.push(`<rect x="0" y="0" width="${W}" height="${H}" fill="#ffffff"/>`);
  parts.push(`<text x="${W / 2}" y="22" text-anchor="middle" font-size="14">${esc(title)}</text>`);
  // grid and ticks
  const yt = ticks(ylo, yhi, 6);
  for (const v of yt) {
    const y = num(Y(v));
    parts.push(`<line x1="${L}" y1="${y}" x2="${L + pw}" y2="${y}" stroke="#e6e6e6"/>`);
    parts.push(`<text x="${L - 6}" y="${y}" text-anchor="end" dominant-baseline="middle">${esc(label(v))}</text>`);
  }
  let xt: number[];
  if (logX) {
    xt = [];
    for (let e = Math.ceil(lx - 1e-9); e <= ux + 1e-9; e++) xt.push(10 ** e);
    if (xt.length < 2) xt = [x0, x1];
  } else xt = ticks(0, x1, 6).filter((v) => v >= x0 || x0 <= 1);
  for (const v of xt) {
    if (v < x0 || v > x1) continue;
    const x = num(X(v));
    parts.push(`<line x1="${x}" y1="${T0}" x2="${x}" y2="${T0 + ph}" stroke="#e6e6e6"/>`);
    parts.push(`<text x="${x}" y="${T0 + ph + 16}" text-anchor="middle">${esc(label(v))}</text>`);
  }
  parts.push(`<rect x="${L}" y="${T0}" width="${pw}" height="${ph}" fill="none" stroke="#333333"/>`);
  parts.push(`<text x="${L + pw / 2}" y="${H - 14}" text-anchor="middle">round t${logX ? ' (log scale)' : ''}</text>`);
  parts.push(`<text x="18" y="${T0 + ph / 2}" text-anchor="middle" transform="rotate(-90 18 ${num(T0 + ph / 2)})">${r.env && (r.env as { regret?: string }).regret === 'static' ? 'regret vs best fixed arm' : 'pseudo-regret'}</text>`);
  const path = (xs: Float64Array, ys: ArrayLike<number>): string => Array.from(xs, (t, i) => `${i === 0 ? 'M' : 'L'}${num(X(t))},${num(Y(ys[i]!))}`).join(' ');
  // bands first, then curves on top
  r.policies.forEach((p, i) => {
    if (!bands) return;
    const c = colors[i % colors.length]!;
    const up = Array.from(cps, (t, j) => `${j === 0 ? 'M' : 'L'}${num(X(t))},${num(Y(p.regret.upper[j]!))}`).join(' ');
    const down = Array.from(cps, (t, j) => [t, j] as const).reverse().map(([t, j]) => `L${num(X(t))},${num(Y(p.regret.lower[j]!))}`).join(' ');
    parts.push(`<path d="${up} ${down} Z" fill="${esc(c)}" fill-opacity="0.18" stroke="none"/>`);
  });
  r.policies.forEach((p, i) => {
    parts.push(`<path d="${path(cps, p.regret.mean)}" fill="none" stroke="${esc(colors[i % colors.length]!)}" stroke-width="2"/>`);
  });
  if (lb) parts.push(`<path d="${path(cps, lb)}" fill="none" stroke="#000000" stroke-width="1.5" stroke-dasharray="6 4"/>`);
  // legend
  const entries = r.policies.map((p, i) => ({ text: p.label, color: colors[i % colors.length]!, dash: false }));
  if (lb) entries.push({ text: `Lai–Robbins C(μ)·ln t, C = ${label(r.lowerBound!.constant)}`, color: '#000000', dash: true });
  const lw = Math.min(pw - 20, 24 + 7 * Math.max(...entries.map((e) => Math.min(e.text.length, 60))));
  parts.push(`<rect x="${L + 10}" y="${T0 + 10}" width="${num(lw)}" height="${entries.length * 18 + 8}" fill="#ffffff" fill-opacity="0.85" stroke="#cccccc"/>`);
  entries.forEach((e, i) => {
    const y = T0 + 22 + i * 18;
    parts.push(`<line x1="${L + 16}" y1="${y}" x2="${L + 36}" y2="${y}" stroke="${esc(e.color)}" stroke-width="2"${e.dash ? ' stroke-dasharray="6 4"' : ''}/>`);
    parts.push(`<text x="${L + 42}" y="${y}" dominant-baseline="middle">${esc(e.text.length > 60 ? `${e.text.slice(0, 59)}…` : e.text)}</text>`);
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}
