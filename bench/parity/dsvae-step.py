"""One-step parity of untangle's DSVAE (configs/sprites-dsvae.yaml + configs/scale/cpu-sprites-dsvae.yaml)
with yatindandi/Disentangled-Sequential-Autoencoder.

    python3 bench/parity/dsvae-step.py /path/to/Disentangled-Sequential-Autoencoder [OUT_DIR]

No upstream DSVAE has untangle's architecture: untangle's frame codec is the DSAE_Images one of
Ali-Sahili/Learning-disentanglement-for-Sequential-Data (4×4 stride-2 convs), whose model has no
learned prior; the learned LSTM prior, the static posterior from the last forward + first backward
BiLSTM state and the loss come from yatindandi's `model.DisentangledVAE` / `trainer.loss_fn`.
So the twin is yatindandi's class with its own `encode_f`, `encode_z`, `reparameterize` and
`loss_fn`, and these parts replaced (each a documented departure of untangle, not a stub of
compute):
  conv / conv_fc / deconv_fc / deconv   → untangle's codec: 4 convs 4×4/2 of `width` channels,
                                          GroupNorm(8) + LeakyReLU(0.01) after each hidden one,
                                          one dense layer each way (yatindandi: 5×5 convs, BatchNorm,
                                          two dense layers, tanh output)
  f_mean / f_logvar, z_mean / z_logvar  → plain Linear (yatindandi's f heads end in LeakyReLU(0.2));
                                          log σ² heads carry untangle's fixed −4 start as bias
  z_rnn                                 → identity (untangle's full q has no RNN over the BiLSTM)
  the prior                             → teacher-forced on the posterior z (p(z_t | z_<t) of the
                                          ELBO); yatindandi's forward scores q against a prior path
                                          sampled on its own (`sample_z`), which is not the ELBO
Stubs: `reparameterize` replays untangle's ε in order. Two losses are checked: untangle with
`likelihood: mse` against `trainer.loss_fn` as it stands (summed MSE of the frames + KL(f) +
KL(z ‖ prior), over the batch), and the CPU preset's Bernoulli likelihood, where loss_fn's MSE is
replaced by the summed BCE on the logits. The step is taken at 300 (past the KL warm-up, weight 1).
"""
import ast
import os
import sys
import types

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common as C  # noqa: E402

BASE = ["configs/sprites-dsvae.yaml", "configs/scale/cpu-sprites-dsvae.yaml"]
STEP = 300
LOGVAR_INIT = -4.0


def upstream_loss_fn(upstream):
    """trainer.loss_fn from its source, without trainer.py's imports (torchvision, tqdm, dataset)."""
    tree = ast.parse(open(os.path.join(upstream, "trainer.py")).read())
    keep = [n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "loss_fn"]
    mod = types.ModuleType("upstream_trainer_loss")
    mod.__dict__.update(torch=torch, F=F)
    exec(compile(ast.Module(body=keep, type_ignores=[]), "trainer.py", "exec"), mod.__dict__)
    return mod.loss_fn


def groups_for(c):
    return next(g for g in range(min(8, c), 0, -1) if c % g == 0)


def make_twin(up, p):
    """yatindandi's DisentangledVAE, with the parts listed in the module docstring replaced."""

    class Twin(up.DisentangledVAE):
        def __init__(self):
            nn.Module.__init__(self)
            W, H = p["width"], p["hidden_dim"]
            self.device = torch.device("cpu")
            self.f_dim, self.z_dim, self.frames = p["f_dim"], p["z_dim"], p["frames"]
            self.conv_dim, self.hidden_dim, self.factorised, self.step, self.in_size = p["conv_dim"], H, False, W, 64
            self.z_prior_lstm = nn.LSTMCell(self.z_dim, H)
            self.z_prior_mean = nn.Linear(H, self.z_dim)
            self.z_prior_logvar = nn.Linear(H, self.z_dim)
            self.f_lstm = nn.LSTM(self.conv_dim, H, 1, bidirectional=True, batch_first=True)
            self.f_mean = nn.Linear(2 * H, self.f_dim)
            self.f_logvar = nn.Linear(2 * H, self.f_dim)
            self.z_lstm = nn.LSTM(self.conv_dim + self.f_dim, H, 1, bidirectional=True, batch_first=True)
            self.z_rnn = lambda x: (x, None)
            self.z_mean = nn.Linear(2 * H, self.z_dim)
            self.z_logvar = nn.Linear(2 * H, self.z_dim)
            g = groups_for(W)
            act = nn.LeakyReLU(0.01)
            self.conv = nn.Sequential(
                nn.Conv2d(3, W, 4, 2, 1), nn.GroupNorm(g, W), act, nn.Conv2d(W, W, 4, 2, 1), nn.GroupNorm(g, W), act,
                nn.Conv2d(W, W, 4, 2, 1), nn.GroupNorm(g, W), act, nn.Conv2d(W, W, 4, 2, 1), nn.GroupNorm(g, W), act)
            self.final_conv_size = 4
            self.conv_fc = nn.Sequential(nn.Linear(16 * W, self.conv_dim), act)
            self.deconv_fc = nn.Sequential(nn.Linear(self.f_dim + self.z_dim, 16 * W), act)
            self.deconv = nn.Sequential(
                nn.ConvTranspose2d(W, W, 4, 2, 1), nn.GroupNorm(g, W), act,
                nn.ConvTranspose2d(W, W, 4, 2, 1), nn.GroupNorm(g, W), act,
                nn.ConvTranspose2d(W, W, 4, 2, 1), nn.GroupNorm(g, W), act,
                nn.ConvTranspose2d(W, 3, 4, 2, 1))
            self.eps = []

        def reparameterize(self, mean, logvar, random_sampling=True):   # stub: untangle's ε, in order
            return mean + self.eps.pop(0).reshape(mean.shape) * torch.exp(0.5 * logvar)

        def teacher_forced_prior(self, z):
            b = z.shape[0]
            h = c = torch.zeros(b, self.hidden_dim)
            prev, means, logvars = torch.zeros(b, self.z_dim), [], []
            for t in range(self.frames):
                h, c = self.z_prior_lstm(prev, (h, c))
                means.append(self.z_prior_mean(h))
                logvars.append(self.z_prior_logvar(h))
                prev = z[:, t]
            return torch.stack(means, 1), torch.stack(logvars, 1)

        def forward(self, x):
            conv_x = self.encode_frames(x)
            f_mean, f_logvar, f = self.encode_f(conv_x)
            z_mean, z_logvar, z = self.encode_z(conv_x, f)
            z_mean_prior, z_logvar_prior = self.teacher_forced_prior(z)
            zf = torch.cat((z, f.unsqueeze(1).expand(-1, self.frames, self.f_dim)), dim=2)
            return f_mean, f_logvar, f, z_mean, z_logvar, z, z_mean_prior, z_logvar_prior, self.decode_frames(zf)

    return Twin()


def split_head(w, b, dim, offset):
    """untangle's GaussianHead (one Linear to [μ, log σ²] + a fixed log σ² offset) → two Linears."""
    return (C.linear(w[:, :dim]), C.vec(b[:dim]), C.linear(w[:, dim:]), C.vec(b[dim:] + offset))


def lstm(w, pre, suffix):
    return {f"weight_ih{suffix}": C.linear(w[f"{pre}.weight_ih"]), f"weight_hh{suffix}": C.linear(w[f"{pre}.weight_hh"]),
            f"bias_ih{suffix}": C.vec(w[f"{pre}.bias_ih"]), f"bias_hh{suffix}": C.vec(w[f"{pre}.bias_hh"])}


def state_dict_from(w, p, offset=LOGVAR_INIT):
    """The mapping table: untangle names/layouts → the twin's (yatindandi's) state_dict."""
    W, f, z = p["width"], p["f_dim"], p["z_dim"]
    sd = {}
    for name, pre in (("f_lstm", "static_rnn"), ("z_lstm", "dynamic_rnn")):
        for k, v in lstm(w, f"{pre}.fwd", "_l0").items():
            sd[f"{name}.{k}"] = v
        for k, v in lstm(w, f"{pre}.bwd", "_l0_reverse").items():
            sd[f"{name}.{k}"] = v
    for k, v in lstm(w, "prior.lstm", "").items():
        sd[f"z_prior_lstm.{k}"] = v
    m = split_head(w["prior.head.lin.weight"], w["prior.head.lin.bias"], z, 0.0)
    sd.update({"z_prior_mean.weight": m[0], "z_prior_mean.bias": m[1], "z_prior_logvar.weight": m[2], "z_prior_logvar.bias": m[3]})
    m = split_head(w["static_head.lin.weight"], w["static_head.lin.bias"], f, offset)
    sd.update({"f_mean.weight": m[0], "f_mean.bias": m[1], "f_logvar.weight": m[2], "f_logvar.bias": m[3]})
    m = split_head(w["dynamic_head.lin.weight"], w["dynamic_head.lin.bias"], z, offset)
    sd.update({"z_mean.weight": m[0], "z_mean.bias": m[1], "z_logvar.weight": m[2], "z_logvar.bias": m[3]})
    for i in range(4):
        sd[f"conv.{3 * i}.weight"] = C.conv(w[f"encoder.conv{i + 1}.weight"])
        sd[f"conv.{3 * i}.bias"] = C.vec(w[f"encoder.conv{i + 1}.bias"])
        sd[f"conv.{3 * i + 1}.weight"] = C.vec(w[f"encoder.norm{i + 1}.gn.weight"])
        sd[f"conv.{3 * i + 1}.bias"] = C.vec(w[f"encoder.norm{i + 1}.gn.bias"])
        sd[f"deconv.{3 * i}.weight"] = C.conv_t(w[f"decoder.deconv{i + 1}.weight"])
        sd[f"deconv.{3 * i}.bias"] = C.vec(w[f"decoder.deconv{i + 1}.bias"])
        if i < 3:
            sd[f"deconv.{3 * i + 1}.weight"] = C.vec(w[f"decoder.norm{i + 1}.gn.weight"])
            sd[f"deconv.{3 * i + 1}.bias"] = C.vec(w[f"decoder.norm{i + 1}.gn.bias"])
    # Dense layers next to a 4×4×W map: untangle flattens NHWC (h, w, c), PyTorch NCHW (c, h, w).
    fc = w["encoder.fc.weight"]
    sd["conv_fc.0.weight"] = torch.tensor(np.ascontiguousarray(fc.reshape(4, 4, W, -1).transpose(3, 2, 0, 1).reshape(fc.shape[1], -1)))
    sd["conv_fc.0.bias"] = C.vec(w["encoder.fc.bias"])
    dfc = w["decoder.fc.weight"]
    sd["deconv_fc.0.weight"] = torch.tensor(np.ascontiguousarray(dfc.reshape(-1, 4, 4, W).transpose(3, 1, 2, 0).reshape(16 * W, -1)))
    sd["deconv_fc.0.bias"] = C.vec(w["decoder.fc.bias"].reshape(4, 4, W).transpose(2, 0, 1).reshape(-1))
    return sd


def check(up, upstream, out, likelihood):
    overrides = [f"loss.params.likelihood={likelihood}"]
    C.run_export(out, BASE, overrides, batch=4, step=STEP)
    w, g, inp, draws, meta = C.load_step(out)
    p = meta["model"]["params"]
    twin = make_twin(up, p)
    twin.load_state_dict(state_dict_from(w, p), strict=True)
    twin.eps = [torch.tensor(d) for d in draws]
    x = torch.tensor(inp["batch.x"]).permute(0, 1, 4, 2, 3).contiguous()
    f_mean, f_logvar, f, z_mean, z_logvar, z, zp_mean, zp_logvar, logits = twin(x)
    loss_fn = upstream_loss_fn(upstream)
    if likelihood == "mse":
        loss, kld_f, kld_z = loss_fn(x, torch.sigmoid(logits), f_mean, f_logvar, z_mean, z_logvar, zp_mean, zp_logvar)
        recon = loss - kld_f - kld_z
    else:
        # loss_fn with its MSE swapped for the Bernoulli NLL on the logits (its KL terms as they are).
        # (recon_seq = x makes loss_fn's MSE 0, leaving its KL terms.)
        kl, kld_f, kld_z = loss_fn(x, x, f_mean, f_logvar, z_mean, z_logvar, zp_mean, zp_logvar)
        recon = F.binary_cross_entropy_with_logits(logits, x, reduction="sum") / x.shape[0]
        loss = recon + kl
    twin.zero_grad()
    loss.backward()
    sd_g = {k: v.numpy() for k, v in state_dict_from(g, p, offset=0.0).items()}
    pairs = {k: (sd_g[k], prm.grad.numpy()) for k, prm in twin.named_parameters()}
    terms = {"recon": [meta["terms"]["recon"], float(recon)], "kl_f": [meta["terms"]["kl_f"], float(kld_f)],
             "kl_z": [meta["terms"]["kl_z"], float(kld_z)]}
    return C.compare(f"dsvae-sprites-{likelihood}", meta["loss"], float(loss), terms, pairs)


def main():
    upstream, out = C.upstream_path(sys.argv, "Disentangled-Sequential-Autoencoder")
    sys.path.insert(0, upstream)
    import model as up  # the upstream's model.py
    torch.set_grad_enabled(True)
    reps = [check(up, upstream, os.path.join(out, lk), lk) for lk in ("mse", "bernoulli")]
    rep = {"check": "dsvae-sprites", "cases": reps, "pass": all(r["pass"] for r in reps)}
    C.emit(rep, out)


if __name__ == "__main__":
    main()
