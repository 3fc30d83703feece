// The option validator accepts every documented option: for every exported optimizer, each field of
// its `<Name>Options` interface in the published typings (dist/index.d.ts) is accepted as a name
// (passed as undefined, so the default applies), and a misspelt one is refused with a suggestion.
// Guards the Optimizer base's "names toHyper reads" rule against an option read elsewhere.
import { test, afterAll } from 'vitest';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as simdopt from '../dist/index.js';

const { init, ParamSet, Optimizer, HvpOptimizer } = simdopt;
const e = await init({ threads: 1 });
afterAll(() => e.dispose());
const dts = readFileSync(new URL('../dist/index.d.ts', import.meta.url), 'utf8');

/** Field names of interface `name` (and of the interfaces it extends), from the typings. */
function fields(name, seen = new Set()) {
  if (seen.has(name)) return [];
  seen.add(name);
  const m = dts.match(new RegExp(`interface ${name}(?:<[^>]*>)?(?: extends ([^{]+))?\\s*\\{([\\s\\S]*?)\\n\\}`));
  if (!m) return [];
  const own = [...m[2].matchAll(/^\s{4}(?:readonly\s+)?(\w+)\??:/gm)].map((x) => x[1]);
  const parents = (m[1] ?? '').split(',').map((s) => s.trim().replace(/<.*$/, '')).filter(Boolean);
  return [...own, ...parents.flatMap((p) => fields(p, seen))];
}

const classes = Object.entries(simdopt).filter(([, C]) => typeof C === 'function' && C.prototype instanceof Optimizer && C !== HvpOptimizer);

test('every documented option of every optimizer is accepted by name; a misspelling is refused with the nearest name', () => {
  let checked = 0;
  for (const [name, C] of classes) {
    const names = [...fields(`${name === "AdamW" ? "Adam" : name === "AdamW8bit" ? "Adam8bit" : name}Options`), "groups", "nonFinite", ...(C.prototype instanceof HvpOptimizer ? ["hvp"] : [])];
    assert.ok(names.length > 2, `no ${name}Options interface in the typings`);
    const base = { ...(C === simdopt.SGD ? { lr: 0.01 } : {}), ...(C === simdopt.SGD8bit ? { lr: 0.01, momentum: 0.9 } : {}), ...(C.prototype instanceof HvpOptimizer ? { hvp: (v, out) => out.set(v) } : {}) };
    for (const k of names) {
      const ps = new ParamSet(e, { w: 4 });
      try {
        const o = new C(ps, { ...base, [k]: undefined });
        o.free();
      } catch (err) {
        assert.ok(!/unknown .*option/.test(err.message), `${name} refused its documented option ${k}: ${err.message}`);
      } finally { ps.free(); }
      checked++;
    }
    const k = names.find((n) => n.length >= 4);
    if (k) {
      const typo = k.slice(0, -2) + k.slice(-1) + k.slice(-2, -1);            // last two letters swapped
      const ps = new ParamSet(e, { w: 4 });
      assert.throws(() => new C(ps, { ...base, [typo]: undefined }), (err) => err.code === 'INVALID_HYPERPARAMETER' && err.message.includes(`did you mean "${k}"`), `${name}: ${typo}`);
      ps.free();
    }
  }
  assert.ok(checked > 150, `only ${checked} options checked`);
});
