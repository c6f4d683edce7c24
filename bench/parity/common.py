"""Shared helpers of the one-step parity checks (bench/parity/*-step.py).

untangle's side is written by export-step.ts: weights.safetensors, grads.safetensors (untangle
layout and names), inputs.safetensors (the batch and every random draw, in order) and step.json
(loss and terms). A check maps the weights into the upstream model's state_dict, replays the
draws, and compares with `compare`.
"""
import json
import os
import subprocess
import sys

import numpy as np
import torch
from safetensors.numpy import load_file, save_file

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def run_export(out, base, overrides=(), batch=4, step=0, weights=None, backend="auto", extra=()):
    """Runs export-step.ts (untangle's step) into `out`; `extra`: more export-step options (--run-config)."""
    cmd = ["npx", "tsx", "bench/parity/export-step.ts", "--out", out, "--batch", str(batch), "--step", str(step),
           "--backend", backend, *extra]
    if weights:
        cmd += ["--weights", weights]
    cmd += ["--base", *base, *overrides]
    subprocess.run(cmd, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)


def load_step(out):
    w = load_file(os.path.join(out, "weights.safetensors"))
    g = load_file(os.path.join(out, "grads.safetensors"))
    inp = load_file(os.path.join(out, "inputs.safetensors"))
    with open(os.path.join(out, "step.json")) as f:
        meta = json.load(f)
    draws = [inp[k] for k in sorted(k for k in inp if k.startswith("draw."))]
    return w, g, inp, draws, meta


def save_weights(path, tensors):
    save_file({k: np.ascontiguousarray(v, dtype=np.float32) for k, v in tensors.items()}, path)


# Layout conversions untangle → PyTorch (see components/nn/layers/*.ts for untangle's layouts).
def linear(w):            # [in, out] → [out, in]
    return torch.tensor(np.ascontiguousarray(w.T))


def conv(w):              # Conv2d [kh, kw, in, out] → [out, in, kh, kw]
    return torch.tensor(np.ascontiguousarray(w.transpose(3, 2, 0, 1)))


def conv_t(w):            # ConvTranspose2d [kh, kw, out, in] → [in, out, kh, kw]
    return torch.tensor(np.ascontiguousarray(w.transpose(3, 2, 0, 1)))


def vec(b):
    return torch.tensor(np.ascontiguousarray(b))


def max_rel(a, b):
    """max |a − b| / max |b| over the tensor: the error relative to the tensor's scale."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    s = np.max(np.abs(b))
    return float(np.max(np.abs(a - b)) / s) if s > 0 else float(np.max(np.abs(a - b)))


def compare(name, loss_u, loss_t, terms, grad_pairs, loss_tol=1e-5, grad_tol=1e-3):
    """Report of one check. grad_pairs: {name: (untangle grad in torch layout, torch grad)}."""
    per = {k: max_rel(u, t) for k, (u, t) in grad_pairs.items()}
    worst = max(per.items(), key=lambda kv: kv[1])
    loss_rel = abs(loss_u - loss_t) / max(abs(loss_t), 1e-30)
    rep = {
        "check": name, "loss_untangle": loss_u, "loss_upstream": loss_t, "loss_rel_err": loss_rel,
        "terms": terms, "grad_max_rel_err": per, "worst_grad": {"tensor": worst[0], "rel_err": worst[1]},
        "tensors": len(per), "loss_tol": loss_tol, "grad_tol": grad_tol,
        "pass": bool(loss_rel <= loss_tol and worst[1] <= grad_tol),
    }
    return rep


def emit(rep, out):
    with open(os.path.join(out, "parity.json"), "w") as f:
        json.dump(rep, f, indent=2)
    print(json.dumps(rep))
    sys.exit(0 if rep["pass"] else 1)


def upstream_path(argv, default_sub):
    if len(argv) < 2:
        sys.exit(f"usage: {argv[0]} UPSTREAM_CHECKOUT [OUT_DIR]   (e.g. /work/upstream/{default_sub})")
    return os.path.abspath(argv[1]), os.path.abspath(argv[2] if len(argv) > 2 else f"/tmp/untangle-parity/{default_sub}")
