// f64-exact JS reference of assembly/online/sleeping.ts (sleeping experts over a grid of rates η_k =
// 2^{−k}/2), every operation an IEEE double operation in the kernel's order (sums in index order);
// exp/log are the engine's deterministic routines passed in as M = { exp, log }.

export function sleepingRef(N, K, M) {
  const st = { t: 0, R: new Float64Array(N), V: new Float64Array(N) };
  const weights = (aw) => {
    let Mx = -Infinity;
    for (let i = 0; i < N; i++) {
      if (aw[i] === 0) continue;
      let eta = 0.5;
      for (let k = 0; k < K; k++) { const a = eta * st.R[i] - (eta * eta) * st.V[i]; if (a > Mx) Mx = a; eta *= 0.5; }
    }
    const p = new Float64Array(N);
    let tot = 0;
    for (let i = 0; i < N; i++) {
      if (aw[i] === 0) continue;
      let eta = 0.5, s = 0;
      for (let k = 0; k < K; k++) { s += eta * M.exp(eta * st.R[i] - (eta * eta) * st.V[i] - Mx); eta *= 0.5; }
      p[i] = s; tot += s;
    }
    for (let i = 0; i < N; i++) p[i] = p[i] / tot;
    return p;
  };
  return {
    st,
    weights: (aw = new Array(N).fill(1)) => weights(aw),
    update(loss, aw = new Array(N).fill(1)) {
      const p = weights(aw);
      let lh = 0;
      for (let i = 0; i < N; i++) if (aw[i] !== 0) lh += p[i] * loss[i];
      for (let i = 0; i < N; i++) {
        if (aw[i] === 0) continue;
        const r = lh - loss[i];
        st.R[i] = st.R[i] + r; st.V[i] = st.V[i] + r * r;
      }
      st.t += 1;
      return lh;
    },
    bound() {
      const lnNK = M.log(N * K);
      return Float64Array.from(st.V, (v) => { let eta = 0.5, b = Infinity; for (let k = 0; k < K; k++) { const c = lnNK / eta + eta * v; if (c < b) b = c; eta *= 0.5; } return b; });
    },
  };
}
