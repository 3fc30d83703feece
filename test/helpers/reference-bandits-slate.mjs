// Reference of the LinUCB / LinTS top-k slates (assembly/bandits/slate.ts), from its definition: arms
// ranked by (score desc, key u_a = uniform(S_TIE, a) desc, index asc); position j's propensity 1/#arms
// tied with its score (LinUCB) or its share of draws 0..M ranking the same arm at j (LinTS).
import { normalRef, uniformRef } from './reference-bandits.mjs';
import { linDecideRef, linScoreParts } from './reference-bandits-linear.mjs';

const f = Math.fround, S_TIE = 1, S_SAMPLE = 0x100;
const val = (v) => (Number.isNaN(v) ? -Infinity : v);
function rank(sc, keys, offered, k) {
  const idx = [];
  for (let a = 0; a < sc.length; a++) if (offered[a]) idx.push(a);
  idx.sort((a, c) => (val(sc[c]) - val(sc[a])) || (keys[c] - keys[a]) || (a - c));
  return idx.slice(0, k);
}
export function slateRef(st, contexts, offered, mode, coef, key, h, M, k, draws = 0) {
  const K = st.arms.length, { scores } = linDecideRef(st, contexts, offered, mode, coef, key, h, M, 0);
  const keys = Array.from({ length: K }, (_, a) => (offered[a] ? uniformRef(key, h, S_TIE, a) : 0));
  const arms = rank(scores, keys, offered, k);
  let props = arms.map((a) => 1 / scores.filter((s, c) => offered[c] && val(s) === val(scores[a])).length);
  if (mode === 'ts') {
    const parts = Array.from({ length: K }, (_, a) => (offered[a] ? linScoreParts(st, a, contexts(a)) : null));
    const wins = arms.map(() => 1);
    for (let m = 1; m <= draws; m++) {
      const smp = new Float64Array(K);
      for (let a = 0; a < K; a++) if (offered[a]) {
        const sd = f(f(coef) * parts[a].sq), z = f(normalRef(key, h, S_SAMPLE + a, m, M));
        smp[a] = f(parts[a].mean + f(sd * z));
      }
      const r = rank(smp, keys, offered, k);
      for (let j = 0; j < k; j++) if (r[j] === arms[j]) wins[j]++;
    }
    props = wins.map((w) => w / (draws + 1));
  }
  return { arms, propensities: props, scores };
}
