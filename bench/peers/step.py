#!/usr/bin/env python3
"""Peer training steps for onebit's BenchmarkTrainStep, in numpy and PyTorch.

Each peer does what onebit's step does, written as a researcher would:

  sgd/d<d>-n<n>-batch<N> (float32): Z = X B^T, S = sign(Z) (sign(0) = +1),
    X_hat = S A^T, loss = |X_hat - X|^2 / (N d); Adam (b1 0.9, b2 0.999,
    eps 1e-8, lr 3e-3) on A and B with the straight-through surrogate
    dZ = dS 1{|Z| <= 1}; rows of B renormalised. numpy writes the five
    products and the update by hand; torch uses autograd (the STE as
    clamp(Z) + (sign(Z) - clamp(Z)).detach()) and torch.optim.Adam.
  population/gaussian/d<d>-n<n> (float64): one exact population-GD step for
    Gaussian data (THEORY.md 2): K = B B^T, R = D K D, C = (2/pi) arcsin R,
    M = sqrt(2/pi) D B, loss and dL/dB in closed form (numpy) or by autograd
    of the closed-form loss (torch), then A <- A - 0.3 (A C - M^T) and
    B <- B - d dL/dB with rows renormalised.

The batch X of BG(0.1) data (x = a z / sqrt(0.1)) is drawn before the timed
region (onebit's own step draws it inside). Output: one line per shape,

  peer=<numpy|torch> shape=<name> steps=<k> wall=<s/step> cpu=<s/step>

where cpu is the process CPU time (time.process_time), robust to other
processes on the machine. Usage: step.py <numpy|torch> <shape>:<steps> ...
Exit status 3 if the peer's module is missing.
"""
import math
import sys
import time


def parse(spec):
    name, steps = spec.rsplit(":", 1)
    kind = name.split("/")[0]
    dims = {}
    for part in name.split("/")[-1].split("-"):
        for key in ("batch", "d", "n"):
            if part.startswith(key) and part[len(key):].isdigit():
                dims[key] = int(part[len(key):])
                break
    return name, kind, dims, int(steps)


def bg_batch(np, rng, rows, d, p=0.1):
    x = rng.standard_normal((rows, d), dtype=np.float32) / np.float32(math.sqrt(p))
    x *= rng.random((rows, d), dtype=np.float32) < p
    return x


# ---------------------------------------------------------------- numpy

def numpy_sgd(np, d, n, N):
    rng = np.random.default_rng(1)
    B = (rng.standard_normal((n, d)) / math.sqrt(d)).astype(np.float32)
    A = np.zeros((d, n), np.float32)
    mA, vA = np.zeros_like(A), np.zeros_like(A)
    mB, vB = np.zeros_like(B), np.zeros_like(B)
    batches = [bg_batch(np, rng, N, d) for _ in range(4)]
    b1, b2, eps, lr = 0.9, 0.999, 1e-8, 3e-3
    state = {"t": 0}

    def adam(w, g, m, v, t):
        c1, c2 = 1 - b1 ** t, 1 - b2 ** t
        m *= b1
        m += (1 - b1) * g
        v *= b2
        v += (1 - b2) * (g * g)
        w -= np.float32(lr * math.sqrt(c2) / c1) * m / (np.sqrt(v) + np.float32(eps))

    def step():
        state["t"] += 1
        t = state["t"]
        X = batches[t % len(batches)]
        Z = X @ B.T
        S = np.where(Z >= 0, np.float32(1), np.float32(-1))
        E = S @ A.T
        E -= X
        loss = float(E.ravel() @ E.ravel()) / (N * d)
        scale = np.float32(2 / (N * d))
        gA = (E.T @ S) * scale
        dZ = (E @ A) * scale
        dZ *= np.abs(Z) <= 1
        gB = dZ.T @ X
        adam(A, gA, mA, vA, t)
        adam(B, gB, mB, vB, t)
        np.divide(B, np.linalg.norm(B, axis=1, keepdims=True), out=B)
        return loss

    return step


def numpy_population(np, d, n):
    rng = np.random.default_rng(1)
    B = rng.standard_normal((n, d)) / math.sqrt(d)
    A = np.zeros((d, n))
    c2pi, sq2pi, clip = 2 / math.pi, math.sqrt(2 / math.pi), 1 - 1e-12
    eye = np.eye(n, dtype=bool)

    def step():
        nonlocal A, B
        G = A.T @ A
        K = B @ B.T
        kinv = 1 / np.sqrt(np.diag(K))
        R = np.clip(K * kinv[:, None] * kinv[None, :], -clip, clip)
        R[eye] = 0
        C = c2pi * np.arcsin(R)
        C[eye] = 1
        M = sq2pi * kinv[:, None] * B
        alpha = np.einsum("ji,ij->i", A, B)
        loss = (d - 2 * sq2pi * float(kinv @ alpha) + float(np.sum(G * C))) / d
        Hh = c2pi * G / np.sqrt(1 - R * R)
        Hh[eye] = 0
        h = np.sum(Hh * R, axis=1) * kinv * kinv
        H = Hh * kinv[:, None] * kinv[None, :]
        H[eye] = -h
        gB = (-2 * sq2pi * (kinv[:, None] * A.T - (alpha * kinv ** 3)[:, None] * B) + 2 * (H @ B)) / d
        A = A - 0.3 * (A @ C - M.T)
        B = B - d * gB
        B /= np.linalg.norm(B, axis=1, keepdims=True)
        return loss

    return step


# ---------------------------------------------------------------- torch

def torch_sgd(torch, d, n, N):
    import numpy as np
    rng = np.random.default_rng(1)
    B = torch.tensor((rng.standard_normal((n, d)) / math.sqrt(d)).astype(np.float32), requires_grad=True)
    A = torch.zeros((d, n), dtype=torch.float32, requires_grad=True)
    opt = torch.optim.Adam([A, B], lr=3e-3, betas=(0.9, 0.999), eps=1e-8)
    batches = [torch.from_numpy(bg_batch(np, rng, N, d)) for _ in range(4)]
    state = {"t": 0}

    def step():
        state["t"] += 1
        X = batches[state["t"] % len(batches)]
        opt.zero_grad(set_to_none=True)
        Z = X @ B.T
        Zc = Z.clamp(-1, 1)
        S = Zc + (torch.where(Z >= 0, 1.0, -1.0) - Zc).detach()
        loss = ((S @ A.T - X) ** 2).mean()
        loss.backward()
        opt.step()
        with torch.no_grad():
            B.div_(B.norm(dim=1, keepdim=True))
        return float(loss)

    return step


def torch_population(torch, d, n):
    import numpy as np
    rng = np.random.default_rng(1)
    B = torch.tensor(rng.standard_normal((n, d)) / math.sqrt(d), requires_grad=True)
    A = torch.zeros((d, n), dtype=torch.float64, requires_grad=True)
    c2pi, sq2pi, clip = 2 / math.pi, math.sqrt(2 / math.pi), 1 - 1e-12
    off = 1 - torch.eye(n, dtype=torch.float64)
    eye = torch.eye(n, dtype=torch.float64)

    def step():
        K = B @ B.T
        kinv = torch.rsqrt(torch.diagonal(K))
        R = (K * kinv[:, None] * kinv[None, :]).clamp(-clip, clip) * off
        C = c2pi * torch.asin(R) + eye
        M = sq2pi * kinv[:, None] * B
        loss = (d - 2 * torch.sum(A.T * M) + torch.sum((A.T @ A) * C)) / d
        gB, = torch.autograd.grad(loss, B)
        with torch.no_grad():
            A.sub_(0.3 * (A @ C - M.T))
            B.sub_(d * gB)
            B.div_(B.norm(dim=1, keepdim=True))
        return float(loss)

    return step


def blas_note(np):
    try:
        import ctypes
        import ctypes.util
        lib = ctypes.CDLL("libopenblas.so.0")
        lib.openblas_get_config.restype = ctypes.c_char_p
        lib.openblas_get_corename.restype = ctypes.c_char_p
        return "%s, core %s" % (lib.openblas_get_config().decode(), lib.openblas_get_corename().decode())
    except OSError:
        return "OpenBLAS not found (numpy's BLAS may be the slow reference one)"


def main():
    if len(sys.argv) < 3 or sys.argv[1] not in ("numpy", "torch"):
        print(__doc__, file=sys.stderr)
        return 2
    impl = sys.argv[1]
    try:
        import numpy as np
        if impl == "torch":
            import torch
            torch.set_num_threads(1)
    except ImportError as e:
        print("peer=%s missing: %s" % (impl, e))
        return 3
    print("# peer=%s version=%s blas=%s" % (impl, np.__version__ if impl == "numpy" else torch.__version__, blas_note(np)))
    for spec in sys.argv[2:]:
        name, kind, dims, steps = parse(spec)
        if kind == "sgd":
            if impl == "numpy":
                step = numpy_sgd(np, dims["d"], dims["n"], dims["batch"])
            else:
                step = torch_sgd(torch, dims["d"], dims["n"], dims["batch"])
        else:
            if impl == "numpy":
                step = numpy_population(np, dims["d"], dims["n"])
            else:
                step = torch_population(torch, dims["d"], dims["n"])
        step()  # warm up (first-touch allocation, Adam state)
        w0, c0 = time.perf_counter(), time.process_time()
        for _ in range(steps):
            loss = step()
        w1, c1 = time.perf_counter(), time.process_time()
        if not math.isfinite(loss):
            print("peer=%s shape=%s diverged: loss %r" % (impl, name, loss), file=sys.stderr)
        print("peer=%s shape=%s steps=%d wall=%.6g cpu=%.6g" % (impl, name, steps, (w1 - w0) / steps, (c1 - c0) / steps))
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
