#!/usr/bin/env python3
"""Disjoint LinUCB in NumPy (OpenBLAS), the way MABWiser 2.x runs it; timed inside Python, one JSON line.

usage: OPENBLAS_NUM_THREADS=T linucb_numpy.py K D EVENTS [REPS]     e.g. linucb_numpy.py 1000 64 10000

MABWiser's _LinUCB / _RidgeRegression numerics (mabwiser/linear.py), per arm:
  fit(X, y):   A ← A + XᵀX;  A_inv ← inv(A);  Xty ← Xty + Xᵀy;  beta ← A_inv·Xty
  predict(x):  x·beta + alpha·sqrt((x·A_inv)·x)
  _fit_arm:    X = contexts[np.where(decisions == arm)] for every arm (MABWiser's loop)
  _predict_contexts: for each context row, for each arm: predict(row); argmax over arms.
MABWiser also deep-copies every arm's model on each predict call and fits through joblib; both are
left out here, so these times are a lower bound on what MABWiser itself takes.

Rows timed (median of REPS, milliseconds):
  decide_mabwiser   one context (B = 1), the per-arm loop above, argmax
  decide_stacked    the same scores with all arms stacked, one batched matmul (a stronger NumPy baseline
                    than MABWiser's: (K,d,d) @ x then an einsum; not what MABWiser does)
  learn_mabwiser    partial_fit of EVENTS events spread over the K arms: MABWiser's per-arm fit
"""
import json, os, statistics, sys, time
import numpy as np

K = int(sys.argv[1]); D = int(sys.argv[2]); N = int(sys.argv[3])
REPS = int(sys.argv[4]) if len(sys.argv) > 4 and int(sys.argv[4]) > 0 else 15
alpha, lam = 1.0, 1.0
rng = np.random.default_rng(0)


class Ridge:  # MABWiser's _RidgeRegression + _LinUCB.predict, numerics only
    def __init__(self, d):
        self.Xty = np.zeros(d)
        self.A = lam * np.identity(d)
        self.A_inv = self.A.copy()
        self.beta = np.dot(self.A_inv, self.Xty)

    def fit(self, X, y):
        Xt = X.T
        self.A = self.A + np.dot(Xt, X)
        self.A_inv = np.linalg.inv(self.A)
        self.Xty = self.Xty + np.dot(Xt, y)
        self.beta = np.dot(self.A_inv, self.Xty)

    def predict(self, x):
        ucb = alpha * np.sqrt(np.dot(np.dot(x, self.A_inv), x))
        return np.dot(x, self.beta) + ucb


def timed(fn, reps, warm=2):
    for _ in range(warm):
        fn()
    t = []
    for _ in range(reps):
        t0 = time.perf_counter(); fn(); t.append((time.perf_counter() - t0) * 1e3)
    return statistics.median(t)


arms = list(range(K))
decisions = rng.integers(0, K, N)
contexts = rng.uniform(-1, 1, (N, D))
rewards = rng.uniform(-1, 1, N)
models = {a: Ridge(D) for a in arms}


def learn_mabwiser():
    for a in arms:
        idx = np.where(decisions == a)
        if idx[0].size == 0:
            continue
        models[a].fit(contexts[idx], rewards[idx])


learn_ms = timed(learn_mabwiser, max(3, REPS // 3), warm=1)
x = rng.uniform(-1, 1, D)


def decide_mabwiser():
    exp = {}
    for a in arms:
        exp[a] = models[a].predict(x)
    return max(exp, key=exp.get)


decide_ms = timed(decide_mabwiser, REPS)

# stacked (vectorized) NumPy: one (K, d, d) array
Ainv = np.stack([models[a].A_inv for a in arms])
Xty = np.stack([models[a].Xty for a in arms]); beta = np.einsum('kij,kj->ki', Ainv, Xty)


def decide_stacked():
    xa = Ainv @ x                      # (K, d)
    s = beta @ x + alpha * np.sqrt(xa @ x)
    return int(np.argmax(s))


stacked_decide_ms = timed(decide_stacked, REPS * 4)
print(json.dumps({"numpy": np.__version__, "openblasThreads": os.environ.get("OPENBLAS_NUM_THREADS"), "K": K, "d": D, "events": N,
                  "decide_mabwiser": decide_ms, "decide_stacked": stacked_decide_ms,
                  "learn_mabwiser": learn_ms}))
