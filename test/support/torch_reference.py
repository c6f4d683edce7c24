"""PyTorch reference values for untangle's tests.

Reads a JSON list of cases on stdin and writes a JSON list of results. Tensors travel as nested
lists; images are NHWC on the JS side and are permuted here, and weights arrive in untangle's
layouts (Linear [in, out], Conv2d [kh, kw, in, out], ConvTranspose2d [kh, kw, out, in],
RNN [in, G*hidden]) and are converted to PyTorch's, so these cases also check the documented
layout mapping.
"""
import json
import sys

import torch
import torch.nn.functional as F

torch.set_num_threads(1)


def t(x):
    return torch.tensor(x, dtype=torch.float32)


def nchw(x):
    return t(x).permute(0, 3, 1, 2)


def nhwc(y):
    return y.permute(0, 2, 3, 1).contiguous().tolist()


def conv_w(w):  # [kh, kw, in, out] -> [out, in, kh, kw]
    return t(w).permute(3, 2, 0, 1).contiguous()


def convT_w(w):  # [kh, kw, out, in] -> [in, out, kh, kw]
    return t(w).permute(3, 2, 0, 1).contiguous()


def pad_arg(p):
    return p if isinstance(p, str) else (tuple(p) if isinstance(p, list) else p)


def op_linear(c):
    y = F.linear(t(c["x"]), t(c["weight"]).T, t(c["bias"]) if c.get("bias") is not None else None)
    return {"y": y.tolist()}


def op_conv2d(c):
    b = t(c["bias"]) if c.get("bias") is not None else None
    y = F.conv2d(nchw(c["x"]), conv_w(c["weight"]), b, stride=c["stride"], padding=pad_arg(c["padding"]),
                 dilation=c["dilation"])
    return {"y": nhwc(y)}


def op_conv_transpose2d(c):
    b = t(c["bias"]) if c.get("bias") is not None else None
    y = F.conv_transpose2d(nchw(c["x"]), convT_w(c["weight"]), b, stride=c["stride"], padding=c["padding"],
                           output_padding=c["output_padding"], dilation=c["dilation"])
    return {"y": nhwc(y)}


def op_shapes(c):
    """Output shapes of nn.Conv2d / nn.ConvTranspose2d for a grid of configurations."""
    out = []
    for g in c["grid"]:
        x = torch.zeros(1, 1, g["h"], g["w"])
        if g["kind"] == "conv":
            m = torch.nn.Conv2d(1, 1, g["k"], stride=g["s"], padding=pad_arg(g["p"]), dilation=g["d"])
        else:
            m = torch.nn.ConvTranspose2d(1, 1, g["k"], stride=g["s"], padding=g["p"], output_padding=g["op"],
                                         dilation=g["d"])
        with torch.no_grad():
            out.append(list(m(x).shape[2:]))
    return {"shapes": out}


def op_group_norm(c):
    x = t(c["x"])  # [B, ..., C] channels last
    perm = [0, x.dim() - 1] + list(range(1, x.dim() - 1))
    y = F.group_norm(x.permute(*perm), c["groups"], t(c["weight"]), t(c["bias"]), eps=c["eps"])
    inv = [0] + list(range(2, x.dim())) + [1]
    return {"y": y.permute(*inv).contiguous().tolist()}


def op_layer_norm(c):
    y = F.layer_norm(t(c["x"]), c["shape"], t(c["weight"]), t(c["bias"]), eps=c["eps"])
    return {"y": y.tolist()}


def op_batch_norm(c):
    bn = torch.nn.BatchNorm2d(c["channels"], eps=c["eps"], momentum=c["momentum"])
    with torch.no_grad():
        bn.weight.copy_(t(c["weight"]))
        bn.bias.copy_(t(c["bias"]))
    bn.train()
    y_train = bn(nchw(c["x"]))
    bn.eval()
    y_eval = bn(nchw(c["x2"]))
    return {"y_train": nhwc(y_train.detach()), "y_eval": nhwc(y_eval.detach()),
            "running_mean": bn.running_mean.tolist(), "running_var": bn.running_var.tolist()}


def load_rnn(m, params, suffix=""):
    with torch.no_grad():
        for name in ("weight_ih", "weight_hh"):
            getattr(m, name + suffix).copy_(t(params[name]).T)
        for name in ("bias_ih", "bias_hh"):
            getattr(m, name + suffix).copy_(t(params[name]))


def op_rnn(c):
    cls = torch.nn.LSTM if c["cell"] == "lstm" else torch.nn.GRU
    bi = c.get("bidirectional", False)
    m = cls(c["input"], c["hidden"], batch_first=True, bidirectional=bi)
    load_rnn(m, c["params"], "_l0")
    if bi:
        load_rnn(m, c["params_reverse"], "_l0_reverse")
    x = t(c["x"])
    with torch.no_grad():
        if c["cell"] == "lstm":
            if c.get("h0") is not None:
                out, (h, cc) = m(x, (t(c["h0"])[None], t(c["c0"])[None]))
            else:
                out, (h, cc) = m(x)
            return {"output": out.tolist(), "h": h.tolist(), "c": cc.tolist()}
        out, h = m(x, t(c["h0"])[None]) if c.get("h0") is not None else m(x)
        return {"output": out.tolist(), "h": h.tolist()}


def op_cell(c):
    if c["cell"] == "lstm":
        m = torch.nn.LSTMCell(c["input"], c["hidden"])
        load_rnn(m, c["params"])
        with torch.no_grad():
            h, cc = m(t(c["x"]), (t(c["h0"]), t(c["c0"])))
        return {"h": h.tolist(), "c": cc.tolist()}
    m = torch.nn.GRUCell(c["input"], c["hidden"])
    load_rnn(m, c["params"])
    with torch.no_grad():
        h = m(t(c["x"]), t(c["h0"]))
    return {"h": h.tolist()}


def op_mha(c):
    C = c["channels"]
    m = torch.nn.MultiheadAttention(C, c["heads"], batch_first=True)
    with torch.no_grad():
        m.in_proj_weight.copy_(t(c["qkv_weight"]).T)
        m.in_proj_bias.copy_(t(c["qkv_bias"]))
        m.out_proj.weight.copy_(t(c["proj_weight"]).T)
        m.out_proj.bias.copy_(t(c["proj_bias"]))
        x = t(c["x"])
        y, _ = m(x, x, x, need_weights=False)
    return {"y": y.tolist()}


def op_activations(c):
    x = t(c["x"])
    return {
        "relu": F.relu(x).tolist(),
        "silu": F.silu(x).tolist(),
        "gelu": F.gelu(x).tolist(),
        "gelu_tanh": F.gelu(x, approximate="tanh").tolist(),
        "leaky_relu": F.leaky_relu(x).tolist(),
        "elu": F.elu(x).tolist(),
        "softplus": F.softplus(x).tolist(),
        "sigmoid": torch.sigmoid(x).tolist(),
        "tanh": torch.tanh(x).tolist(),
    }


def op_upsample(c):
    return {"y": nhwc(F.interpolate(nchw(c["x"]), scale_factor=c["scale"], mode="nearest"))}


def op_optimizer(c):
    params = [torch.nn.Parameter(t(p)) for p in c["params"]]
    kind, o = c["kind"], c["options"]
    if kind == "adam":
        opt = torch.optim.Adam(params, lr=c["lrs"][0], betas=tuple(o["betas"]), eps=o["eps"], weight_decay=o["weight_decay"])
    elif kind == "adamw":
        opt = torch.optim.AdamW(params, lr=c["lrs"][0], betas=tuple(o["betas"]), eps=o["eps"], weight_decay=o["weight_decay"])
    else:
        opt = torch.optim.SGD(params, lr=c["lrs"][0], momentum=o["momentum"], dampening=o["dampening"],
                              nesterov=o["nesterov"], weight_decay=o["weight_decay"])
    history = []
    for lr, grads in zip(c["lrs"], c["grads"]):
        for g in opt.param_groups:
            g["lr"] = lr
        for p, g in zip(params, grads):
            p.grad = t(g)
        opt.step()
        history.append([p.detach().tolist() for p in params])
    return {"history": history}


def op_clip(c):
    params = []
    for g in c["grads"]:
        p = torch.nn.Parameter(torch.zeros_like(t(g)))
        p.grad = t(g)
        params.append(p)
    norm_type = float("inf") if c["norm_type"] == "inf" else c["norm_type"]
    total = torch.nn.utils.clip_grad_norm_(params, c["max_norm"], norm_type=norm_type)
    return {"total": float(total), "grads": [p.grad.tolist() for p in params]}


def _grad_forward(layer, L, c):
    """Forward in PyTorch from leaves given in untangle layouts (converted inside the graph)."""
    if layer == "linear":
        y = F.linear(L["x"], L["weight"].T, L["bias"])
        return F.relu(y) if c.get("activation") == "relu" else y
    if layer == "conv2d":
        y = F.conv2d(L["x"].permute(0, 3, 1, 2), L["weight"].permute(3, 2, 0, 1), L["bias"], stride=c["stride"],
                     padding=pad_arg(c["padding"]), dilation=c["dilation"])
        return y.permute(0, 2, 3, 1)
    if layer == "conv_transpose2d":
        y = F.conv_transpose2d(L["x"].permute(0, 3, 1, 2), L["weight"].permute(3, 2, 0, 1), L["bias"], stride=c["stride"],
                               padding=c["padding"], output_padding=c["output_padding"], dilation=c["dilation"])
        return y.permute(0, 2, 3, 1)
    if layer == "group_norm":
        y = F.group_norm(L["x"].permute(0, 3, 1, 2), c["groups"], L["weight"], L["bias"], eps=c["eps"])
        return y.permute(0, 2, 3, 1)
    if layer == "layer_norm":
        return F.layer_norm(L["x"], [L["x"].shape[-1]], L["weight"], L["bias"], eps=c["eps"])
    if layer == "batch_norm":
        C = L["x"].shape[-1]
        y = F.batch_norm(L["x"].permute(0, 3, 1, 2), torch.zeros(C), torch.ones(C), L["weight"], L["bias"],
                         training=True, momentum=0.1, eps=c["eps"])
        return y.permute(0, 2, 3, 1)
    if layer == "gelu":
        return F.gelu(L["x"])
    if layer in ("lstm", "gru"):
        m = (torch.nn.LSTM if layer == "lstm" else torch.nn.GRU)(c["input"], c["hidden"], batch_first=True)
        p = {f"{k}_l0": (L[k].T if k.startswith("weight") else L[k]) for k in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")}
        out = torch.func.functional_call(m, p, (L["x"],))[0]
        return out
    if layer == "mha":
        m = torch.nn.MultiheadAttention(c["channels"], c["heads"], batch_first=True)
        p = {"in_proj_weight": L["qkv.weight"].T, "in_proj_bias": L["qkv.bias"],
             "out_proj.weight": L["proj.weight"].T, "out_proj.bias": L["proj.bias"]}
        x = L["x"]
        return torch.func.functional_call(m, p, (x, x, x), {"need_weights": False})[0]
    raise ValueError(layer)


def op_grad(c):
    """y = layer(leaves); gradients of sum(y * cotangent) w.r.t. every leaf, in untangle layouts."""
    leaves = {k: t(v).requires_grad_() for k, v in c["tensors"].items()}
    y = _grad_forward(c["layer"], leaves, c)
    (y * t(c["cotangent"])).sum().backward()
    return {"y": y.detach().tolist(), "grads": {k: v.grad.tolist() for k, v in leaves.items()}}


def op_train_autoencoder(c):
    """A tiny conv autoencoder (conv s2 + relu, convT s2, sigmoid) trained with Adam on MSE."""
    P = {k: t(v).requires_grad_() for k, v in c["params"].items()}
    opt = torch.optim.Adam(list(P.values()), lr=c["lr"])
    x = t(c["x"]).permute(0, 3, 1, 2)
    losses = []
    for _ in range(c["steps"]):
        h = F.relu(F.conv2d(x, P["enc.weight"].permute(3, 2, 0, 1), P["enc.bias"], stride=2, padding=1))
        y = torch.sigmoid(F.conv_transpose2d(h, P["dec.weight"].permute(3, 2, 0, 1), P["dec.bias"], stride=2, padding=1))
        loss = ((y - x) ** 2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(float(loss))
    return {"losses": losses, "params": {k: v.detach().tolist() for k, v in P.items()}}


OPS = {name[3:]: fn for name, fn in globals().items() if name.startswith("op_")}

if __name__ == "__main__":
    cases = json.load(sys.stdin)
    json.dump([OPS[c["op"]](c) for c in cases], sys.stdout)
