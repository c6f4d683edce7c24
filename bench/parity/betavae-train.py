"""Side-by-side β-VAE on dSprites: 1Konny/Beta-VAE's BetaVAE_H and its 'H' objective trained from
untangle's initial weights on untangle's batches, in untangle's order, and MIG computed by one
piece of code for both sides (untangle's checkpoint goes through the same encoder mapping).

    python3 bench/parity/betavae-train.py train UPSTREAM DATA_DIR SEED STEPS OUT.json
    python3 bench/parity/betavae-train.py score UPSTREAM DATA_DIR CHECKPOINT.safetensors OUT.json

DATA_DIR: export-data.ts --ordered --eval 10000 (x-seedS.npy in training order, eval-x.npy and
eval-factors.npy). Settings: configs/dsprites-betavae.yaml (batch 64, Adam 1e-4, β 4, Bernoulli).
The one difference at step 0: BetaVAE_H's decoder.3 has a bias per channel where untangle's fc2
has one per position; the twin starts from untangle's value at position (0, 0) for each channel.
MIG: disentanglement_lib's (10,000 points, 20-bin histogram discretisation, sklearn
mutual_info_score, normalised by factor entropy), on posterior means.
"""
import json
import os
import sys
import time
import importlib.util

import numpy as np
import torch
from safetensors.numpy import load_file
from sklearn.metrics import mutual_info_score

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common as C  # noqa: E402

_spec = importlib.util.spec_from_file_location("betavae_step", os.path.join(os.path.dirname(os.path.abspath(__file__)), "betavae-step.py"))
S = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(S)
BATCH, LR, BETA = 64, 1e-4, 4.0


def mig(codes, factors, bins=20):
    codes, factors = codes.T, factors.T
    disc = np.stack([np.digitize(c, np.histogram(c, bins)[1][:-1]) for c in codes])
    m = np.array([[mutual_info_score(f, d) for f in factors] for d in disc])   # [codes, factors]
    ent = np.array([mutual_info_score(f, f) for f in factors])
    s = np.sort(m, axis=0)[::-1]
    per = (s[0] - s[1]) / ent
    return float(np.mean(per)), [float(v) for v in per]


def encode(net, data_dir):
    x = np.load(os.path.join(data_dir, "eval-x.npy"), mmap_mode="r")
    pal = np.load(os.path.join(data_dir, "palette.npy"))
    out = []
    with torch.no_grad():
        for i in range(0, len(x), 500):
            xb = torch.tensor(pal[np.asarray(x[i:i + 500])]).permute(0, 3, 1, 2).contiguous()
            out.append(net._encode(xb)[:, :net.z_dim].numpy())
    return np.concatenate(out)


def score_net(net, data_dir):
    f = np.load(os.path.join(data_dir, "eval-factors.npy"))
    m, per = mig(encode(net, data_dir), f)       # shape, scale, orientation, x, y
    return {"mig": m, "mig_per_factor": per}


def train(up, upstream, data_dir, seed, steps, out):
    torch.manual_seed(seed)
    init = os.path.join("/tmp/untangle-parity/betavae-init", f"seed{seed}")
    C.run_export(init, S.BASE, [f"seed={seed}"], batch=2)
    w, _, _, _, _ = C.load_step(init)
    net = up.BetaVAE_H(z_dim=10, nc=1)
    net.load_state_dict(S.state_dict_from(w), strict=True)
    floor = score_net(net, data_dir)
    recon_fn, kl_fn = S.solver_functions(upstream)
    x_all = np.load(os.path.join(data_dir, f"x-seed{seed}.npy"), mmap_mode="r")
    pal = np.load(os.path.join(data_dir, "palette.npy"))
    opt = torch.optim.Adam(net.parameters(), lr=LR, betas=(0.9, 0.999))
    curve, t0 = [], time.time()
    for step in range(steps):
        x = torch.tensor(pal[np.asarray(x_all[step * BATCH:(step + 1) * BATCH])]).permute(0, 3, 1, 2).contiguous()
        x_recon, mu, logvar = net(x)
        recon = recon_fn(x, x_recon, "bernoulli")
        kld, _, _ = kl_fn(mu, logvar)
        loss = (recon + BETA * kld).squeeze()
        opt.zero_grad()
        loss.backward()
        opt.step()
        if step % 50 == 0 or step == steps - 1:
            curve.append({"step": step, "loss": float(loss), "recon": float(recon), "kl": float(kld)})
            print(json.dumps(curve[-1]), flush=True)
    res = {"side": "upstream", "seed": seed, "steps": steps, "wall_s": time.time() - t0, "untrained": floor,
           "trained": score_net(net, data_dir), "curve": curve}
    json.dump(res, open(out, "w"), indent=2)
    print(json.dumps({k: res[k] for k in ("seed", "wall_s", "untrained", "trained")}))


def score(up, data_dir, ckpt, out):
    w = load_file(ckpt)
    # untangle checkpoints keep the model's weights under "model/" (beside optimiser state).
    w = {k[len("model/"):]: v for k, v in w.items() if k.startswith("model/")} or w
    net = up.BetaVAE_H(z_dim=10, nc=1)
    enc = {k: v for k, v in S.state_dict_from(w).items() if k.startswith("encoder.")}
    net.load_state_dict(enc, strict=False)      # MIG reads the encoder only, which maps exactly
    res = {"side": "untangle", "checkpoint": ckpt, "trained": score_net(net, data_dir)}
    json.dump(res, open(out, "w"), indent=2)
    print(json.dumps(res))


def main():
    mode, upstream, data_dir = sys.argv[1], os.path.abspath(sys.argv[2]), sys.argv[3]
    sys.path.insert(0, upstream)
    import model as up
    if mode == "train":
        train(up, upstream, data_dir, int(sys.argv[4]), int(sys.argv[5]), sys.argv[6])
    else:
        score(up, data_dir, sys.argv[4], sys.argv[5])


if __name__ == "__main__":
    main()
