"""Side-by-side DisDiff stage on Shapes3D: the twin of disdiff-step.py (upstream's own
`LatentDiffusion.p_losses` / `dis_loss` bound to a stand-in, the network assembled from upstream
blocks in untangle's layout) trained with the CPU preset's settings, from untangle's initial
weights for the seed, on untangle's batches in untangle's order; then mapped back into untangle's
variable names, so that untangle's own evaluator (disdiff-score.ts) scores both sides.

    python3 bench/parity/disdiff-train.py train UPSTREAM DATA_DIR SEED STEPS OUT.json [INIT_DIR] [--replay DRAWS_DIR]
    python3 bench/parity/disdiff-train.py roundtrip UPSTREAM INIT_DIR
    python3 bench/parity/disdiff-train.py compare INIT_DIR A.safetensors B.safetensors   (two trained checkpoints)
    python3 bench/parity/disdiff-train.py gradcheck UPSTREAM CKPT SEED OUT_DIR   (disdiff-step.py's comparison on trained weights)

DATA_DIR: export-data.ts --ordered --runs (x-seedS.npy: the seed's batches in training order).
INIT_DIR: export-step.ts --runs seed=S (untangle's initial weights, the trained frozen LDM and VQ
included: `${run:shapes3d-ldm}` resolved from the run store as `untangle run` resolves it); made
here when absent (default /tmp/untangle-parity/disdiff-init/seedS).
Writes OUT.json (loss curve, wall) and OUT.safetensors: an untangle checkpoint (`model/<name>`) of
the trained twin, every variable of untangle's model, the trainable ones mapped back through the
inverse of disdiff-step.py's mapping table, the frozen ones untangle's.

Settings as configs/shapes3d-dis.yaml + configs/scale/cpu-dis.yaml: batch 4, AdamW (torch's, weight
decay 0.01 as untangle's AdamW default and DisDiff's `torch.optim.AdamW(params, lr=lr)`) at lr 2e-4,
upstream's own `LambdaLinearScheduler` (warm-up 30 steps from 1e-6) through LambdaLR per step as
DisDiff's configure_optimizers sets it up; dis_weight 0.05, l1, `Z` weight. Random draws are the
upstream's own: t by torch.randint as `LatentDiffusion.forward`, ε by torch.randn_like as
p_losses' default (drawn here one line earlier with the same call, to log the frozen LDM's loss on
the same x_t), the sampled unit by p_losses' np.random.randint. Seeds: torch and numpy = SEED.
--replay DRAWS_DIR (export-draws.ts for the same seed) replaces all three by untangle's own draws of
each step, np.random.randint stubbed as in disdiff-step.py: the twin then differs from untangle's
run only by the implementation (framework, kernels, float32 order), which separates a real
difference from the luck of the draws.
"""
import importlib.util
import json
import os
import sys
import time

import numpy as np
import torch
from safetensors.numpy import load_file, save_file

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import common as C  # noqa: E402

_spec = importlib.util.spec_from_file_location("disdiff_step", os.path.join(HERE, "disdiff-step.py"))
S = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(S)
BATCH, LR, WD, LOG_EVERY = 4, 2.0e-4, 0.01, int(os.environ.get("LOG_EVERY", 25))
SCHEDULE = dict(warm_up_steps=[30], f_min=[1.0], f_max=[1.0], f_start=[1.0e-6], cycle_lengths=[10000000000000])


def export_init(init, seed):
    """untangle's initial weights for the seed (`--runs`: the trained LDM from the run store)."""
    if not os.path.exists(os.path.join(init, "weights.safetensors")):
        C.run_export(init, S.BASE, [f"seed={seed}"], batch=2, extra=["--runs"])
    w = load_file(os.path.join(init, "weights.safetensors"))
    meta = json.load(open(os.path.join(init, "step.json")))
    return w, meta


class Inverse:
    """The inverse of a mapping function (untangle dict → twin state_dict). Each untangle element is
    tagged with its global index (float64, exact), the mapping is run on the tags, and each twin
    entry then names the untangle element it came from: the inverse is a scatter, exact by
    construction for any composition of transposes, permutations, slices and reshapes."""

    def __init__(self, map_fn, like):
        self.like, tags, off = like, {}, 0
        self.offset = {}
        for k, v in like.items():
            tags[k] = (np.arange(v.size, dtype=np.float64) + off).reshape(v.shape)
            self.offset[k] = off
            off += v.size
        self.size = off
        self.src = {tk: t.detach().numpy().astype(np.int64).ravel() for tk, t in map_fn(tags).items()}
        hit = np.zeros(off, bool)
        for idx in self.src.values():
            hit[idx] = True
        # The untangle tensors the mapping reads, whole (a partly read tensor would be an error here).
        self.keys = [k for k, v in like.items() if hit[self.offset[k]:self.offset[k] + v.size].any()]
        for k in self.keys:
            assert hit[self.offset[k]:self.offset[k] + like[k].size].all(), f"{k} is only partly mapped"

    def __call__(self, sd):
        flat = np.zeros(self.size, np.float32)
        for tk, idx in self.src.items():
            flat[idx] = sd[tk].detach().cpu().numpy().astype(np.float32).ravel()
        return {k: flat[self.offset[k]:self.offset[k] + self.like[k].size].reshape(self.like[k].shape).copy() for k in self.keys}


def build_twin(upstream, w, meta):
    M, U, DU, LU = S.import_upstream(upstream)
    mp, lp = meta["model"]["params"], meta["loss_config"]["params"]
    ldm_p = mp["ldm"]["params"]
    unet_p, vq_p = ldm_p["unet"]["params"], ldm_p["first_stage"]["params"]
    dd = vq_p["ddconfig"]
    units, dim = mp["latent_unit"], mp["repre_emb_channels"]
    vq = S.VQTwin(M, dd, vq_p["embed_dim"])
    vq.load_state_dict(S.map_vq(w, dd), strict=True)
    vq.requires_grad_(False)
    enc = S.UnitEncoderTwin(mp["image_size"], 3, mp["encoder_width"], units, dim)
    enc.load_state_dict(S.map_encoder(w, "encoder"), strict=True)
    unet = S.UNetTwin(U, DU, unet_p, units, dim)
    unet.load_state_dict(S.map_unet(w, unet, unet_p), strict=True)
    for mod in (unet.time_embed, unet.inputs, unet.middle, unet.outs, unet.head):
        mod.requires_grad_(False)
    stage = S.make_stage(S.upstream_methods(upstream, DU, LU), ldm_p, lp, vq, enc, unet, float(w["ldm.scale_factor"]))
    inv_enc = Inverse(lambda d: S.map_encoder(d, "encoder"), {k: v for k, v in w.items() if k.startswith("encoder.")})
    inv_unet = Inverse(lambda d: S.map_unet(d, unet, unet_p), {k: v for k, v in w.items() if k.startswith(("ldm.unet.", "shift.", "code_proj.", "unit_emb"))})
    return stage, vq, enc, unet, inv_enc, inv_unet


def untangle_weights(w, enc, unet, inv_enc, inv_unet):
    """The twin's weights in untangle's names: every variable of w, the mapped ones replaced."""
    out = dict(w)
    out.update(inv_unet(unet.state_dict()))
    out.update(inv_enc(enc.state_dict()))
    # The frozen copy is the encoder (untangle re-syncs it after every step; DisDiff deep-copies it).
    out.update({"encoder_copy." + k[len("encoder."):]: v for k, v in out.items() if k.startswith("encoder.")})
    return out


def roundtrip(upstream, init):
    """Maps untangle's variables into the twin and back; every one must come back bit for bit, and
    every trainable one (grads.safetensors' names) must be mapped. The float tensors are first
    replaced by random values, so a misplaced element cannot hide among equal (zero) ones."""
    w, meta = load_file(os.path.join(init, "weights.safetensors")), json.load(open(os.path.join(init, "step.json")))
    rng = np.random.default_rng(0)
    w = {k: (rng.standard_normal(v.shape).astype(np.float32) if v.dtype == np.float32 else v) for k, v in w.items()}
    w.update({"encoder_copy." + k[len("encoder."):]: v for k, v in w.items() if k.startswith("encoder.")})
    _, _, enc, unet, inv_enc, inv_unet = build_twin(upstream, w, meta)
    back = untangle_weights(w, enc, unet, inv_enc, inv_unet)
    mapped = set(inv_enc.keys) | set(inv_unet.keys)
    trainable = set(load_file(os.path.join(init, "grads.safetensors")))
    bad = [k for k in w if not np.array_equal(back[k], w[k])]
    rep = {"tensors": len(w), "mapped": len(mapped), "trainable": len(trainable), "trainable_unmapped": sorted(trainable - mapped),
           "mismatched": bad, "pass": not bad and trainable <= mapped}
    print(json.dumps(rep))
    return rep


def train(upstream, data_dir, seed, steps, out, init, replay=None):
    torch.manual_seed(seed)
    np.random.seed(seed)
    w, meta = export_init(init, seed)
    stage, vq, enc, unet, inv_enc, inv_unet = build_twin(upstream, w, meta)
    assert roundtrip_exact(w, enc, unet, inv_enc, inv_unet), "the inverse mapping does not give untangle's weights back"
    sys.path.insert(0, upstream)
    from ldm.lr_scheduler import LambdaLinearScheduler
    params = [p for p in list(unet.parameters()) + list(enc.parameters()) if p.requires_grad]
    assert len(params) == len([k for k in load_file(os.path.join(init, "grads.safetensors"))]), "trainable tensors differ from untangle's"
    opt = torch.optim.AdamW(params, lr=LR, weight_decay=WD)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lr_lambda=LambdaLinearScheduler(**SCHEDULE).schedule)
    x_all = np.load(os.path.join(data_dir, f"x-seed{seed}.npy"), mmap_mode="r")
    pal = np.load(os.path.join(data_dir, "palette.npy"))
    assert len(x_all) >= steps * BATCH, f"{data_dir} holds {len(x_all) // BATCH} batches, {steps} asked"
    last = {}
    saved_apply = stage.apply_model

    def keep_output(*a, **k):        # p_losses' model output, for the frozen prediction it carries
        last["out"] = saved_apply(*a, **k)
        return last["out"]
    stage.apply_model = keep_output
    if replay:
        rt, rc, reps = (np.load(os.path.join(replay, f"{k}.npy"), mmap_mode="r") for k in ("t", "c", "eps"))
        assert len(rt) >= steps, f"{replay} holds {len(rt)} steps' draws, {steps} asked"
    curve, window, t0 = [], {}, time.time()
    for step in range(steps):
        x = torch.tensor(pal[np.asarray(x_all[step * BATCH:(step + 1) * BATCH])]).permute(0, 3, 1, 2).contiguous() * 2 - 1
        with torch.no_grad():
            z0 = stage.scale_factor * vq.encode(x)           # get_first_stage_encoding(encode_first_stage(x))
        cond = enc(x)                                         # get_learned_conditioning
        if replay:                                            # untangle's draws of this step (NHWC noise)
            t = torch.tensor(np.asarray(rt[step]), dtype=torch.long)
            noise = torch.tensor(np.asarray(reps[step])).permute(0, 3, 1, 2).contiguous()
            concept = np.asarray(rc[step], dtype=np.int64)
            saved_randint, np.random.randint = np.random.randint, lambda *a, **k: concept
            try:
                loss, ld = stage.p_losses(z0, cond, t, noise=noise)
            finally:
                np.random.randint = saved_randint
        else:
            t = torch.randint(0, stage.num_timesteps, (BATCH,)).long()   # LatentDiffusion.forward
            noise = torch.randn_like(z0)                      # p_losses' default, drawn here to reuse below
            loss, ld = stage.p_losses(z0, cond, t, noise=noise)
        lr = opt.param_groups[0]["lr"]                       # this step's (LambdaLR moves it after the step)
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
        simple = float(ld["train/loss_simple"].detach())
        frozen = float((last["out"].pred - noise).abs().mean())     # the frozen LDM on the same x_t (l1)
        for k, v in (("loss", float(loss.detach())), ("loss_simple", simple), ("loss_simple_frozen", frozen),
                     ("simple_gain", frozen - simple), ("dis", float(loss.detach()) - simple)):
            window[k] = window.get(k, 0.0) + v
        if (step + 1) % LOG_EVERY == 0 or step + 1 == steps:       # untangle's windows: means over log_every steps
            n = (step % LOG_EVERY) + 1
            curve.append({"step": step + 1, **{k: v / n for k, v in window.items()}, "lr": lr, "wall_s": time.time() - t0})
            window = {}
            print(json.dumps(curve[-1]), flush=True)
    wall = time.time() - t0
    ckpt = os.path.splitext(out)[0] + ".safetensors"
    tw = untangle_weights(w, enc, unet, inv_enc, inv_unet)
    save_file({f"model/{k}": np.array(v, order="C") for k, v in tw.items()}, ckpt, metadata={"format": "untangle-checkpoint/1", "step": str(steps), "source": "disdiff-train.py twin"})
    res = {"side": "twin", "replay": replay, "seed": seed, "steps": steps, "wall_s": wall, "s_per_step": wall / steps, "checkpoint": ckpt, "curve": curve}
    json.dump(res, open(out, "w"), indent=2)
    print(json.dumps({k: res[k] for k in ("seed", "steps", "wall_s", "checkpoint")}))


def roundtrip_exact(w, enc, unet, inv_enc, inv_unet):
    back = untangle_weights(w, enc, unet, inv_enc, inv_unet)
    return all(np.array_equal(back[k], w[k]) for k in w)


def compare(init, a, b):
    """How far apart two trained checkpoints are, per part, against the distance each travelled
    from the initial weights: ‖A − B‖ / ‖A − init‖ (0: the same run; ≈ 1.4 for two independent
    walks of the same length)."""
    w0 = load_file(os.path.join(init, "weights.safetensors"))
    A, B = ({k[len("model/"):]: v for k, v in load_file(f).items() if k.startswith("model/")} for f in (a, b))
    rep = {}
    for part in ("encoder.", "shift.", "code_proj.", "unit_emb"):
        ks = [k for k in w0 if k.startswith(part)]
        d = lambda x, y: float(np.sqrt(sum(np.sum((x[k].astype(np.float64) - y[k].astype(np.float64)) ** 2) for k in ks)))
        rep[part.rstrip(".")] = {"a_b": d(A, B), "a_travel": d(A, w0), "b_travel": d(B, w0), "ratio": d(A, B) / max(d(A, w0), 1e-30)}
    print(json.dumps(rep))
    return rep


def gradcheck(upstream, ckpt, seed, out):
    """disdiff-step.py's one-step comparison, on a trained checkpoint's weights instead of the
    perturbed initial ones (the trained LDM from the run store, batch 4, untangle's draws replayed):
    are the gradients still the same where training has taken the model, the encoder's above all?"""
    os.makedirs(out, exist_ok=True)
    wpath = os.path.join(out, "trained.safetensors")
    C.save_weights(wpath, {k[len("model/"):]: v for k, v in load_file(ckpt).items() if k.startswith("model/") and v.dtype == np.float32 and v.ndim > 0})   # scalars (scale_factor) come with the LDM
    step = os.path.join(out, "step")
    C.run_export(step, S.BASE, [f"seed={seed}"], batch=BATCH, step=400, weights=wpath, extra=["--runs"])
    w, g, inp, draws, meta = C.load_step(step)
    ints = load_file(os.path.join(step, "inputs.safetensors"))["ints"]
    stage, vq, enc, unet, _, _ = build_twin(upstream, w, meta)
    b = BATCH
    x = torch.tensor(inp["batch.x"]).permute(0, 3, 1, 2).contiguous() * 2 - 1
    t, concept = torch.tensor(ints[:b], dtype=torch.long), np.asarray(ints[b:2 * b], dtype=np.int64)
    z0 = (stage.scale_factor * vq.encode(x)).detach()
    noise = torch.tensor(draws[0]).reshape(b, z0.shape[2], z0.shape[3], z0.shape[1]).permute(0, 3, 1, 2).contiguous()
    saved, np.random.randint = np.random.randint, lambda *a, **k: concept
    try:
        loss, ld = stage.p_losses(z0, enc(x), t, noise=noise)
    finally:
        np.random.randint = saved
    loss.backward()
    unet_p = meta["model"]["params"]["ldm"]["params"]["unet"]["params"]
    sd_g_unet = S.map_unet({k: (g[k] if k in g else np.zeros_like(v)) for k, v in w.items()}, unet, unet_p)
    sd_g_enc = S.map_encoder(g, "encoder")
    pairs = {f"unet.{k}": (sd_g_unet[k].numpy(), p.grad.numpy()) for k, p in unet.named_parameters() if p.requires_grad}
    pairs.update({f"encoder.{k}": (sd_g_enc[k].numpy(), p.grad.numpy()) for k, p in enc.named_parameters()})
    rep = C.compare("disdiff-trained-weights", meta["loss"], loss.item(), {}, pairs)
    enc_err = {k: v for k, v in rep["grad_max_rel_err"].items() if k.startswith("encoder.")}
    rep["worst_encoder_grad"] = max(enc_err.items(), key=lambda kv: kv[1])
    rep["encoder_grad_max_abs"] = float(max(np.abs(p.grad.numpy()).max() for p in enc.parameters()))
    json.dump(rep, open(os.path.join(out, "gradcheck.json"), "w"), indent=2)
    print(json.dumps({k: rep[k] for k in ("loss_untangle", "loss_upstream", "loss_rel_err", "worst_grad", "worst_encoder_grad", "encoder_grad_max_abs", "tensors", "pass")}))


def main():
    mode, upstream = sys.argv[1], os.path.abspath(sys.argv[2])
    torch.set_grad_enabled(True)
    if mode == "train":
        args = sys.argv[3:]
        replay = None
        if "--replay" in args:
            i = args.index("--replay")
            replay = args[i + 1]
            del args[i:i + 2]
        seed, steps = int(args[1]), int(args[2])
        init = args[4] if len(args) > 4 else f"/tmp/untangle-parity/disdiff-init/seed{seed}"
        train(upstream, args[0], seed, steps, args[3], init, replay)
    elif mode == "gradcheck":
        gradcheck(upstream, sys.argv[3], int(sys.argv[4]), sys.argv[5])
    elif mode == "compare":
        compare(sys.argv[2], sys.argv[3], sys.argv[4])
    elif mode == "roundtrip":
        sys.exit(0 if roundtrip(upstream, sys.argv[3])["pass"] else 1)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
