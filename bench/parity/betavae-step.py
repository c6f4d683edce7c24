"""One-step parity of untangle's β-VAE (configs/dsprites-betavae.yaml) with 1Konny/Beta-VAE.

    python3 bench/parity/betavae-step.py /path/to/Beta-VAE [OUT_DIR]

The upstream model is `model.BetaVAE_H(z_dim=10, nc=1)` and the objective `solver.py`'s 'H' form:
reconstruction_loss(bernoulli) + β·kl_divergence(...)[0], β = 4. Its architecture is untangle's
(disentanglement_lib's conv_encoder/deconv_decoder: convs 32-32-64-64, a 256 layer, the mirror),
with two dense layers written as convolutions on a 4×4 / 1×1 map:
  encoder.8  Conv2d(64, 256, 4)        ≡ encoder.fc   Linear(1024, 256)   (same weights, reshaped)
  decoder.3  ConvTranspose2d(256, 64, 4) ≡ decoder.fc2 Linear(256, 1024) — but with one bias per
             channel (64) where untangle has one per position (1024). So untangle's step is
             exported with fc2.bias tied across positions (its value at position (0, 0)), and the
             upstream's bias gradient is compared with untangle's summed over the 16 positions.
Stubs: `model.reparametrize` (the module-level noise draw) is replaced by one that replays
untangle's ε. Nothing else is changed; solver.py is not imported (it pulls in visdom), its two
loss functions are re-read from its source.
"""
import ast
import os
import sys
import types

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common as C  # noqa: E402

BASE = ["configs/dsprites-betavae.yaml"]
BETA = 4.0


def solver_functions(upstream):
    """reconstruction_loss and kl_divergence from solver.py, without its imports (visdom, ...)."""
    src = open(os.path.join(upstream, "solver.py")).read()
    tree = ast.parse(src)
    keep = [n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name in ("reconstruction_loss", "kl_divergence")]
    mod = types.ModuleType("upstream_solver_losses")
    mod.__dict__.update(torch=torch, F=F)
    exec(compile(ast.Module(body=keep, type_ignores=[]), "solver.py", "exec"), mod.__dict__)
    return mod.reconstruction_loss, mod.kl_divergence


def state_dict_from(w):
    """untangle names/layouts → BetaVAE_H's state_dict (the mapping table)."""
    fc = w["encoder.fc.weight"].reshape(4, 4, 64, 256)           # rows are (h, w, c) of the NHWC map
    fc2 = w["decoder.fc2.weight"].reshape(256, 4, 4, 64)         # columns likewise
    return {
        "encoder.0.weight": C.conv(w["encoder.conv1.weight"]), "encoder.0.bias": C.vec(w["encoder.conv1.bias"]),
        "encoder.2.weight": C.conv(w["encoder.conv2.weight"]), "encoder.2.bias": C.vec(w["encoder.conv2.bias"]),
        "encoder.4.weight": C.conv(w["encoder.conv3.weight"]), "encoder.4.bias": C.vec(w["encoder.conv3.bias"]),
        "encoder.6.weight": C.conv(w["encoder.conv4.weight"]), "encoder.6.bias": C.vec(w["encoder.conv4.bias"]),
        "encoder.8.weight": C.conv(fc), "encoder.8.bias": C.vec(w["encoder.fc.bias"]),
        "encoder.11.weight": C.linear(w["encoder.head.weight"]), "encoder.11.bias": C.vec(w["encoder.head.bias"]),
        "decoder.0.weight": C.linear(w["decoder.fc1.weight"]), "decoder.0.bias": C.vec(w["decoder.fc1.bias"]),
        "decoder.3.weight": torch.tensor(np.ascontiguousarray(fc2.transpose(0, 3, 1, 2))),
        "decoder.3.bias": C.vec(w["decoder.fc2.bias"].reshape(16, 64)[0]),
        "decoder.5.weight": C.conv_t(w["decoder.deconv1.weight"]), "decoder.5.bias": C.vec(w["decoder.deconv1.bias"]),
        "decoder.7.weight": C.conv_t(w["decoder.deconv2.weight"]), "decoder.7.bias": C.vec(w["decoder.deconv2.bias"]),
        "decoder.9.weight": C.conv_t(w["decoder.deconv3.weight"]), "decoder.9.bias": C.vec(w["decoder.deconv3.bias"]),
        "decoder.11.weight": C.conv_t(w["decoder.deconv4.weight"]), "decoder.11.bias": C.vec(w["decoder.deconv4.bias"]),
    }


def untangle_grads_in_torch_layout(g):
    """untangle's gradients mapped like the weights (fc2's bias gradient summed over positions)."""
    t = {k: v.numpy() for k, v in state_dict_from(g).items()}
    t["decoder.3.bias"] = g["decoder.fc2.bias"].reshape(16, 64).sum(0)
    return t


def main():
    upstream, out = C.upstream_path(sys.argv, "Beta-VAE")
    sys.path.insert(0, upstream)
    import model as up  # the upstream's model.py

    # 1. untangle's initial weights, with fc2's bias tied across positions (see the docstring).
    first = os.path.join(out, "init")
    C.run_export(first, BASE)
    w0, _, _, _, _ = C.load_step(first)
    tied = {"decoder.fc2.bias": np.tile(w0["decoder.fc2.bias"].reshape(16, 64)[0], 16)}
    C.save_weights(os.path.join(out, "tied.safetensors"), tied)
    C.run_export(out, BASE, weights=os.path.join(out, "tied.safetensors"))
    w, g, inp, draws, meta = C.load_step(out)

    # 2. The upstream model with those weights, the same batch and the same ε.
    net = up.BetaVAE_H(z_dim=10, nc=1)
    net.load_state_dict(state_dict_from(w), strict=True)
    eps = torch.tensor(draws[0]).reshape(-1, 10)
    up.reparametrize = lambda mu, logvar: mu + logvar.div(2).exp() * eps   # stub: replays untangle's noise
    x = torch.tensor(inp["batch.x"]).permute(0, 3, 1, 2).contiguous()
    reconstruction_loss, kl_divergence = solver_functions(upstream)
    x_recon, mu, logvar = net(x)
    recon = reconstruction_loss(x, x_recon, "bernoulli")
    total_kld, _, _ = kl_divergence(mu, logvar)
    loss = recon + BETA * total_kld
    loss = loss.squeeze()
    net.zero_grad()
    loss.backward()

    ug = untangle_grads_in_torch_layout(g)
    pairs = {k: (ug[k], p.grad.numpy()) for k, p in net.named_parameters()}
    terms = {"recon": [meta["terms"]["recon"], float(recon)], "kl": [meta["terms"]["kl"], float(total_kld)]}
    C.emit(C.compare("betavae-dsprites", meta["loss"], float(loss), terms, pairs), out)


if __name__ == "__main__":
    main()
