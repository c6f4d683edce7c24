"""Side-by-side DSVAE training on Sprites: the PyTorch twin of dsvae-step.py trained with the CPU
preset's settings on untangle's own data and batch order, and one static-code probe that scores
both the twin and an untangle checkpoint the same way.

    # the twin, seed S (untangle's initial weights for seed S, its batches, Adam, KL warm-up):
    python3 bench/parity/dsvae-train.py train UPSTREAM DATA_DIR S OUT.json
    # an untangle run's checkpoint, through the same mapping table and probe:
    python3 bench/parity/dsvae-train.py score UPSTREAM DATA_DIR CHECKPOINT.safetensors OUT.json

DATA_DIR comes from export-data.ts (x.npy palette codes, palette.npy, factors.npy, order-seedS.npy).
The metric, the same code for both sides (untangle's checkpoint is mapped into the twin):
- swap_static: decode (f of A, z of B) for 512 pairs and read the four colours of the result with
  a judge-free colour reader (a logistic regression per static factor on RGB histograms of real
  sequences, ≥ 0.97 on real frames); chance 1/6. This is untangle's static swap accuracy without
  the trained judge network.
- recon_colour: the same reader on reconstructions (does the decoder draw the colours at all).
- probe_static / probe_dynamic_mean: linear probes of the codes for the colours. Even an untrained
  encoder's f gives ≈ 0.84 (random features carry colour linearly), so these say little.
Also the untrained floor (step 0, same weights as untangle's initial ones).
"""
import json
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F
from safetensors.numpy import load_file
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common as C  # noqa: E402
import importlib.util  # noqa: E402

_spec = importlib.util.spec_from_file_location("dsvae_step", os.path.join(os.path.dirname(os.path.abspath(__file__)), "dsvae-step.py"))
S = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(S)

STEPS = int(os.environ.get("PARITY_STEPS", "700"))   # the CPU preset: 700 steps, lr 2e-3, KL warm-up 300
LR, WARMUP = 2e-3, 300
# Budgets of a scaling curve read off one run: the learning rate is constant after the warm-up, so
# the model at step k of a long run is the model a k-step run ends with (same batches, same noise).
PROBE_AT = sorted(int(k) for k in os.environ.get("PARITY_PROBE_AT", "").split(",") if k)
FACTORS = ["skin", "top", "pants", "hair"]


class Data:
    def __init__(self, d):
        self.x = np.load(os.path.join(d, "x.npy"), mmap_mode="r")
        self.pal = np.load(os.path.join(d, "palette.npy"))
        self.factors = np.load(os.path.join(d, "factors.npy"))
        self.dir = d

    def batch(self, idx):
        x = self.pal[np.asarray(self.x[np.sort(idx)])]          # [B, T, 64, 64, 3]
        order = np.argsort(np.argsort(idx))                      # mmap reads want sorted indices
        return torch.tensor(x[order]).permute(0, 1, 4, 2, 3).contiguous()


def model_params():
    # The CPU preset's model params, as export-step.ts resolved them.
    return {"width": 32, "hidden_dim": 128, "f_dim": 64, "z_dim": 8, "frames": 8, "conv_dim": 128}


def colour_features(x):
    """[B, T, 3, 64, 64] in [0, 1] → a normalised 4×4×4 RGB histogram of the non-background pixels,
    averaged over frames: what the four colour factors change, whatever the pose."""
    q = torch.clamp((x * 4).long(), 0, 3)
    code = (q[:, :, 0] * 16 + q[:, :, 1] * 4 + q[:, :, 2]).flatten(2)          # [B, T, 4096]
    fg = (x.min(2).values < 0.9).flatten(2).float()                             # the white background out
    h = torch.zeros(x.shape[0], x.shape[1], 64).scatter_add_(2, code, fg)
    h = h / h.sum(2, keepdim=True).clamp_min(1)
    return h.mean(1).numpy()


class ColourReader:
    """A judge without a network: one logistic regression per static factor on colour histograms of
    real sequences (exact labels), then applied to generated ones."""
    def __init__(self, data):
        idx = np.random.default_rng(99).choice(len(data.factors), 2048, replace=False)
        feats = np.concatenate([colour_features(data.batch(idx[i:i + 128])) for i in range(0, 2048, 128)])
        y = data.factors[idx]
        self.clf = [LogisticRegression(max_iter=3000, C=10.0).fit(feats[:1536], y[:1536, j]) for j in range(4)]
        self.real_acc = {fac: float(self.clf[j].score(feats[1536:], y[1536:, j])) for j, fac in enumerate(FACTORS)}

    def accuracy(self, x, y):
        f = colour_features(x)
        return {fac: float(self.clf[j].score(f, y[:, j])) for j, fac in enumerate(FACTORS)}


def probe(twin, data, reader):
    """Static-code probes and the colour reader on reconstructions and on swaps (f of A, z of B)."""
    rng = np.random.default_rng(1234)
    idx = rng.choice(len(data.factors), 1024, replace=False)
    partner = rng.permutation(512)
    twin.eval()
    fs, zs, recons, swaps = [], [], [], []
    with torch.no_grad():
        for i in range(0, len(idx), 64):
            x = data.batch(idx[i:i + 64])
            h = twin.encode_frames(x)
            f_mu, _, _ = twin.encode_f(h)          # eval mode: the posterior means
            z_mu, _, _ = twin.encode_z(h, f_mu)
            fs.append(f_mu)
            zs.append(z_mu)
        f_all, z_all = torch.cat(fs), torch.cat(zs)
        dec = lambda f, z: torch.sigmoid(twin.decode_frames(torch.cat((z, f.unsqueeze(1).expand(-1, twin.frames, twin.f_dim)), 2)))
        for i in range(0, 512, 64):
            sl = slice(i, i + 64)
            recons.append(dec(f_all[sl], z_all[sl]))
            swaps.append(dec(f_all[sl], z_all[partner[sl]]))
    twin.train()
    y = data.factors[idx]
    out = {}
    rec = reader.accuracy(torch.cat(recons), y[:512])
    swp = reader.accuracy(torch.cat(swaps), y[:512])
    for fac in FACTORS:
        out[f"recon_colour/{fac}"] = rec[fac]
        out[f"swap_static/{fac}"] = swp[fac]
    out["recon_colour/mean"] = float(np.mean(list(rec.values())))
    out["swap_static/mean"] = float(np.mean(list(swp.values())))
    f, z = f_all.numpy(), z_all.mean(1).numpy()
    for name, code in (("probe_static", f), ("probe_dynamic_mean", z)):
        sc = StandardScaler().fit(code[:768])
        a, b = sc.transform(code[:768]), sc.transform(code[768:])
        accs = [float(LogisticRegression(max_iter=2000).fit(a, y[:768, j]).score(b, y[768:, j])) for j in range(4)]
        out[f"{name}/mean"] = float(np.mean(accs))
    return out


def twin_from(up, weights):
    p = model_params()
    twin = S.make_twin(up, p)
    twin.load_state_dict(S.state_dict_from(weights, p), strict=True)
    # yatindandi's own reparameterize (fresh torch noise; the means when not sampling), not the replay stub.
    twin.reparameterize = lambda mean, logvar, random_sampling=True: up.DisentangledVAE.reparameterize(twin, mean, logvar, random_sampling)
    return twin


def train(up, upstream, data, seed, out):
    torch.manual_seed(seed)
    init = os.path.join("/tmp/untangle-parity/dsvae-init", f"seed{seed}")
    C.run_export(init, S.BASE, [f"seed={seed}"], batch=2, step=0)
    w, _, _, _, _ = C.load_step(init)
    twin = twin_from(up, w)
    reader = ColourReader(data)
    floor = probe(twin, data, reader)
    order = np.load(os.path.join(data.dir, f"order-seed{seed}.npy"))
    opt = torch.optim.Adam(twin.parameters(), lr=LR, betas=(0.9, 0.999), eps=1e-8)
    loss_fn = S.upstream_loss_fn(upstream)
    curve, at, t0 = [], {}, time.time()
    for step in range(STEPS):
        x = data.batch(order[step])
        f_mean, f_logvar, f, z_mean, z_logvar, z, zp_mean, zp_logvar, logits = twin(x)
        kl, kld_f, kld_z = loss_fn(x, x, f_mean, f_logvar, z_mean, z_logvar, zp_mean, zp_logvar)
        recon = F.binary_cross_entropy_with_logits(logits, x, reduction="sum") / x.shape[0]
        ramp = min(1.0, step / WARMUP)
        loss = recon + ramp * kl
        opt.zero_grad()
        loss.backward()
        opt.step()
        if step + 1 in PROBE_AT and step + 1 < STEPS:
            at[str(step + 1)] = probe(twin, data, reader)
            print(json.dumps({"probe_at": step + 1, **at[str(step + 1)]}), flush=True)
        if step % 50 == 0 or step == STEPS - 1:
            curve.append({"step": step, "loss": float(loss), "recon": float(recon), "kl_f": float(kld_f), "kl_z": float(kld_z)})
            print(json.dumps(curve[-1]), flush=True)
    res = {"side": "pytorch-twin", "seed": seed, "steps": STEPS, "wall_s": time.time() - t0, "untrained": floor,
           "trained": probe(twin, data, reader), "reader_real_acc": reader.real_acc, "curve": curve,
           "probe_at": at}
    json.dump(res, open(out, "w"), indent=2)
    print(json.dumps({k: res[k] for k in ("seed", "wall_s", "untrained", "trained")}))


def score(up, data, ckpt, out):
    reader = ColourReader(data)
    w = load_file(ckpt)
    # untangle checkpoints keep the model's weights under "model/" (beside optimiser state).
    w = {k[len("model/"):]: v for k, v in w.items() if k.startswith("model/")} or w
    res = {"side": "untangle", "checkpoint": ckpt, "trained": probe(twin_from(up, w), data, reader), "reader_real_acc": reader.real_acc}
    json.dump(res, open(out, "w"), indent=2)
    print(json.dumps(res))


def main():
    mode, upstream, data_dir = sys.argv[1], os.path.abspath(sys.argv[2]), sys.argv[3]
    sys.path.insert(0, upstream)
    import model as up
    data = Data(data_dir)
    if mode == "train":
        train(up, upstream, data, int(sys.argv[4]), sys.argv[5])
    else:
        score(up, data, sys.argv[4], sys.argv[5])


if __name__ == "__main__":
    main()
