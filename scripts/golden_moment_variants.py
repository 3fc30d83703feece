# Golden trajectories for test/optim-moment-variants.test.mjs ('reference implementations' test): the update rules of
# adabelief-pytorch 0.2 (weight_decouple, no rectify), optax.yogi, the official ADOPT (iShohei220/adopt,
# 0-based step, clip_lambda = step**0.25) and the official diffGrad, transcribed step for step in torch f32.
#   /usr/bin/python3 scripts/golden_moment_variants.py            # rewrite test/fixtures/moment-variants-golden.json
#   /usr/bin/python3 scripts/golden_moment_variants.py --check    # regenerate and compare with the committed file
import math, json, os, sys, torch
OUT = os.path.join(os.path.dirname(__file__), '..', 'test', 'fixtures', 'moment-variants-golden.json')
torch.set_num_threads(1)
N, T = 7, 30
def grad(k):
    return torch.tensor([((i * 7 + k * 13) % 17 - 8) / 8 for i in range(N)], dtype=torch.float32)
def p0():
    return torch.tensor([(i - 3) / 4 for i in range(N)], dtype=torch.float32)

def adabelief(lr=1e-3, b1=0.9, b2=0.999, eps=1e-16, wd=0.0, decouple=True):
    p = p0(); m = torch.zeros(N); s = torch.zeros(N)
    for k in range(T):
        t = k + 1; g = grad(k)
        if decouple: p.mul_(1 - lr * wd)
        elif wd: g = g.add(p, alpha=wd)
        bc1 = 1 - b1 ** t; bc2 = 1 - b2 ** t
        m.mul_(b1).add_(g, alpha=1 - b1)
        r = g - m
        s.mul_(b2).addcmul_(r, r, value=1 - b2)
        denom = (s.add_(eps).sqrt() / math.sqrt(bc2)).add_(eps)
        p.addcdiv_(m, denom, value=-lr / bc1)
    return p

def yogi(lr=1e-2, b1=0.9, b2=0.999, eps=1e-3, init=1e-6):
    p = p0(); m = torch.full((N,), init); v = torch.full((N,), init)
    for k in range(T):
        t = k + 1; g = grad(k)
        m = b1 * m + (1 - b1) * g
        v = v - (1 - b2) * torch.sign(v - g * g) * g * g
        mh = m / (1 - b1 ** t); vh = v / (1 - b2 ** t)
        p = p - lr * (mh / (torch.sqrt(vh) + eps))
    return p

def adopt(lr=1e-3, b1=0.9, b2=0.9999, eps=1e-6, wd=0.0, decouple=False, clip=True):
    p = p0(); m = torch.zeros(N); v = torch.zeros(N)
    for step in range(T):   # official: 0-based step
        g = grad(step)
        if wd != 0 and not decouple: g = g.add(p, alpha=wd)
        if step == 0:
            v.addcmul_(g, g); continue
        if wd != 0 and decouple: p.add_(p, alpha=-lr * wd)
        denom = torch.clamp(v.sqrt(), eps)
        ng = g.div(denom)
        if clip:
            c = step ** 0.25
            ng.clamp_(-c, c)
        m.lerp_(ng, 1 - b1)
        p.add_(m, alpha=-lr)
        v.mul_(b2).addcmul_(g, g, value=1 - b2)
    return p

def diffgrad(lr=1e-3, b1=0.9, b2=0.999, eps=1e-8, wd=0.0):
    p = p0(); m = torch.zeros(N); v = torch.zeros(N); prev = torch.zeros(N)
    for k in range(T):
        t = k + 1; g = grad(k)
        if wd != 0: g = g.add(p, alpha=wd)
        m.mul_(b1).add_(g, alpha=1 - b1)
        v.mul_(b2).addcmul_(g, g, value=1 - b2)
        denom = v.sqrt().add_(eps)
        bc1 = 1 - b1 ** t; bc2 = 1 - b2 ** t
        diff = torch.abs(prev - g)
        dfc = 1. / (1. + torch.exp(-diff))
        prev = g.clone()
        m1 = m * dfc
        step_size = lr * math.sqrt(bc2) / bc1
        p.addcdiv_(m1, denom, value=-step_size)
    return p

out = {
  'AdaBelief {}': adabelief(),
  'AdaBelief {"lr":0.01,"weightDecay":0.1}': adabelief(lr=0.01, wd=0.1),
  'AdaBelief {"lr":0.01,"weightDecay":0.1,"decoupled":false}': adabelief(lr=0.01, wd=0.1, decouple=False),
  'Yogi {}': yogi(),
  'Yogi {"lr":0.05,"betas":[0.8,0.9]}': yogi(lr=0.05, b1=0.8, b2=0.9),
  'ADOPT {}': adopt(),
  'ADOPT {"lr":0.01,"weightDecay":0.1,"decoupled":true}': adopt(lr=0.01, wd=0.1, decouple=True),
  'ADOPT {"lr":0.01,"weightDecay":0.1,"clip":false}': adopt(lr=0.01, wd=0.1, clip=False),
  'DiffGrad {}': diffgrad(),
  'DiffGrad {"lr":0.01,"weightDecay":0.1}': diffgrad(lr=0.01, wd=0.1),
}
data = {'torch': torch.__version__, 'generator': 'scripts/golden_moment_variants.py',
        'cases': {k: [float(x) for x in v.tolist()] for k, v in out.items()}}
text = json.dumps(data, indent=1) + '\n'
if '--check' in sys.argv:
    same = open(OUT).read() == text
    print('moment-variants golden check: ' + ('identical' if same else 'DIFFERS'))
    sys.exit(0 if same else 1)
with open(OUT, 'w') as f:
    f.write(text)
print(f'wrote {OUT}: {len(out)} cases, torch {torch.__version__}')
