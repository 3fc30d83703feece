// GET /  -> 10 AdamW steps on a 3x5 parameter, then one decision of a UCB1 bandit, as JSON.
// The engine is made once per isolate (module scope) and reused by every request.
import { init, ParamSet, AdamW, bandits } from 'simdopt';

let engine;

export default {
  async fetch() {
    engine ??= await init({ threads: 1 }); // workerd has no threads: 1 thread is what it runs anyway
    const ps = new ParamSet(engine, { w: [3, 5] });
    try {
      ps.setParam('w', Float32Array.from({ length: 15 }, (_, i) => i / 7 - 1));
      const opt = new AdamW(ps, { lr: 1e-2, weightDecay: 0.1 });
      for (let t = 0; t < 10; t++) {
        ps.setGrad('w', Float32Array.from({ length: 15 }, (_, i) => Math.sin(i + t)));
        opt.step();
      }
      const bits = Array.from(new Uint32Array(ps.param('w').slice().buffer));
      const policy = new bandits.UCB1(engine, { arms: 3, seed: 7 });
      policy.learn([{ eventId: 'e1', arm: 0, reward: 1 }, { eventId: 'e2', arm: 1, reward: 0 }]);
      const decision = policy.decide({ eventId: 'e3' });
      policy.free();
      return Response.json({ variant: engine.info.variant, runtime: engine.info.runtime, threads: engine.info.threads, bits, arm: decision.arm });
    } finally {
      ps.free();
    }
  },
};
