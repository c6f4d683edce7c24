"""One-step parity of untangle's DisDiff stage (configs/shapes3d-dis.yaml + configs/scale/cpu-dis.yaml,
the frozen LDM as configs/shapes3d-ldm.yaml + configs/scale/cpu-ldm.yaml build it) with
ThomasMrY/DisDiff's `ldm.models.diffusion.ddpm.LatentDiffusion`.

    python3 bench/parity/disdiff-step.py /path/to/DisDiff [OUT_DIR]

What runs as the upstream wrote it (source read from the checkout, nothing copied here):
  LatentDiffusion.p_losses, LatentDiffusion.dis_loss, LatentDiffusion.differentiable_decode_first_stage,
  DDPM.register_schedule (shift_coef, ddim_coef, ...), DDPM.q_sample, DDPM.predict_start_from_noise,
  DDPM.get_loss  — bound to a stand-in for the LightningModule (below);
  the VQ first stage's `Encoder` / `Decoder` (ldm/modules/diffusionmodules/model.py);
  the UNet's blocks (openaimodel_shift.ResBlock with use_scale_shift_norm, AttentionBlock with
  QKVAttentionLegacy, Upsample, Downsample, timestep_embedding) and `torch_expm` for the
  orthogonal unit embeddings.
Stubbed / replaced, and why:
  * the LightningModule base class: a plain nn.Module carrying the attributes p_losses reads
    (logvar 0, original_elbo_weight 0, l_simple_weight 1, current_epoch, global_step);
  * `.cuda()` (dis_loss moves the sampled units to the GPU): the identity on CPU tensors;
  * `np.random.randint` in p_losses (the sampled unit per example) and the noise / timesteps:
    replayed from untangle's draws;
  * `apply_model`: the UNet forward below, returning upstream's `Return_grad_full(pred, out_grad,
    sub_grad)`. UNetModel.forward itself is not run: untangle's shift decoder is not upstream's
    (see "departures"), so the network is assembled from upstream blocks in untangle's layout;
  * VQModelInterface (taming's quantizer): only `decode(h, force_not_quantize=True)` is used by
    dis_loss, i.e. post_quant_conv + Decoder; `encode` is Encoder + quant_conv;
  * einops (imported by the ldm modules, not called on this path): a module whose functions raise;
  * GroupNorm's group count: upstream hard-codes 32; the CPU preset's widths need 8
    (untangle's `norm_groups`); eps stays upstream's (1e-5 in the UNet, 1e-6 in the autoencoder).
Departures of untangle from DisDiff that the twin carries over (documented, not compute stubbed):
  * UNet down/up: strided 3×3 conv with LDM's (0,1) padding and nearest + conv (DisDiff:
    `resblock_updown` residual blocks);
  * the shift decoder: untangle's UNetDecoder, the unit entering through the time embedding,
    emb_k = emb(t) + e_k + W z_k into plain ResBlocks (DisDiff: ResBlockShift with a second FiLM
    from `cond_emb_layers(W z_k)`, and e_k = part_emb(expm(A − Aᵀ)[k]) through a Linear);
  * the unit encoder: untangle's UnitEncoder (GroupNorm, post-activation residuals; DisDiff's
    Encoder4 has BatchNorm and pre-activation residual blocks).
Weights: untangle's initial weights for the step, with every all-zero tensor (zero-initialised
output convs, GroupNorm biases) replaced by small random values so the shifts, the frozen ε̂ and
the disentangling weight are not 0 (at initialisation the shift decoder outputs exactly 0 and
every gradient but the output conv's vanishes).
"""
import ast
import copy
import os
import sys
import types

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common as C  # noqa: E402

BASE = ["configs/shapes3d-dis.yaml", "configs/scale/cpu-dis.yaml"]
LDM_RUN = "shapes3d-ldm=configs/shapes3d-ldm.yaml,configs/scale/cpu-ldm.yaml"
OVERRIDES = ["model.params.ldm_ckpt=null"]
STEP, BATCH, GROUPS = 100, 2, 8


def groups_for(c, g=GROUPS):
    return next(k for k in range(min(g, c), 0, -1) if c % k == 0)


def import_upstream(upstream):
    e = types.ModuleType("einops")

    def _unused(*a, **k):
        raise NotImplementedError("einops stub: not on the path this check runs")
    e.rearrange = e.repeat = _unused
    sys.modules.setdefault("einops", e)
    sys.path.insert(0, upstream)
    import ldm.modules.diffusionmodules.model as M
    import ldm.modules.diffusionmodules.openaimodel_shift as U
    import ldm.modules.diffusionmodules.util as DU
    import ldm.util as LU
    # Group count only (see docstring); eps as upstream.
    M.Normalize = lambda c, num_groups=32: nn.GroupNorm(groups_for(c), c, eps=1e-6, affine=True)
    U.normalization = lambda c: DU.GroupNorm32(groups_for(c), c)
    torch.Tensor.cuda = lambda self, *a, **k: self
    return M, U, DU, LU


def upstream_methods(upstream, DU, LU):
    """The methods of DDPM / LatentDiffusion named below, compiled from ddpm.py's source."""
    tree = ast.parse(open(os.path.join(upstream, "ldm/models/diffusion/ddpm.py")).read())
    want = {"DDPM": ["register_schedule", "q_sample", "predict_start_from_noise", "get_loss"],
            "LatentDiffusion": ["p_losses", "dis_loss", "differentiable_decode_first_stage"]}
    ns = dict(torch=torch, np=np, nn=nn, F=F, copy=copy, partial=__import__("functools").partial,
              exists=LU.exists, default=LU.default, mean_flat=LU.mean_flat,
              make_beta_schedule=DU.make_beta_schedule, extract_into_tensor=DU.extract_into_tensor,
              return_wrap=DU.return_wrap, VQModelInterface=VQTwin)
    out = {}
    for cls in tree.body:
        if isinstance(cls, ast.ClassDef) and cls.name in want:
            for fn in cls.body:
                if isinstance(fn, ast.FunctionDef) and fn.name in want[cls.name]:
                    fn.decorator_list = []
                    mod = ast.Module(body=[fn], type_ignores=[])
                    exec(compile(mod, "ddpm.py", "exec"), ns)
                    out[fn.name] = ns[fn.name]
    assert len(out) == 7, sorted(out)
    return out


class VQTwin(nn.Module):
    """VQModelInterface's encode / decode(force_not_quantize=True) around upstream's Encoder/Decoder."""

    def __init__(self, M, dd, embed_dim):
        super().__init__()
        kw = dict(ch=dd["ch"], out_ch=dd["out_ch"], ch_mult=dd["ch_mult"], num_res_blocks=dd["num_res_blocks"],
                  attn_resolutions=dd["attn_resolutions"], in_channels=dd["in_channels"], resolution=dd["resolution"],
                  z_channels=dd["z_channels"], double_z=False, dropout=0.0)
        self.encoder, self.decoder = M.Encoder(**kw), M.Decoder(**kw)
        self.quant_conv = nn.Conv2d(dd["z_channels"], embed_dim, 1)
        self.post_quant_conv = nn.Conv2d(embed_dim, dd["z_channels"], 1)

    def encode(self, x):
        return self.quant_conv(self.encoder(x))

    def decode(self, h, force_not_quantize=False):
        assert force_not_quantize, "the quantised decode is not part of this check"
        return self.decoder(self.post_quant_conv(h))


class UnitEncoderTwin(nn.Module):
    """untangle's UnitEncoder (components/models/disdiff/encoder.ts) on images in [−1, 1]."""

    def __init__(self, size, cin, w, units, dim):
        super().__init__()
        n = int(np.log2(size // 4))
        self.down = nn.ModuleList([nn.Conv2d(cin if i == 0 else w, w, 4, 2, 1) for i in range(n)])
        self.norm = nn.ModuleList([nn.GroupNorm(groups_for(w), w) for _ in range(n)])
        self.res1 = nn.ModuleList([nn.Conv2d(w, w, 3, 1, 1) for _ in range(2)])
        self.res2 = nn.ModuleList([nn.Conv2d(w, w, 1) for _ in range(2)])
        self.head = nn.Linear(16 * w, units * dim)

    def forward(self, x):
        h = x
        for c, g in zip(self.down, self.norm):
            h = F.relu(g(c(h)))
        for c1, c2 in zip(self.res1, self.res2):
            h = F.relu(h + c2(F.relu(c1(h))))
        return self.head(h.permute(0, 2, 3, 1).reshape(h.shape[0], -1))   # untangle flattens NHWC


class Pad01(nn.Module):
    """LDM's asymmetric (0,1) padding in front of upstream's Downsample built with padding=0."""

    def __init__(self, down):
        super().__init__()
        self.down = down

    def forward(self, x):
        return self.down(F.pad(x, (0, 1, 0, 1)))


def build_unet_halves(U, p, emb):
    """untangle's UNet layout from upstream blocks: (time_embed, inputs, a decoder builder)."""
    mc, mult, nrb, attn_res = p["model_channels"], p["channel_mult"], p["num_res_blocks"], p["attention_resolutions"]
    heads = lambda c: groups_for(c, p["num_heads"])
    res = lambda i, o: U.ResBlock(i, emb, 0.0, out_channels=o, use_scale_shift_norm=p["use_scale_shift_norm"])
    attn = lambda c: U.AttentionBlock(c, num_heads=heads(c), num_head_channels=-1)
    time_embed = nn.Sequential(nn.Linear(mc, emb), nn.SiLU(), nn.Linear(emb, emb))
    inputs, names, skips = nn.ModuleList([U.TimestepEmbedSequential(nn.Conv2d(p["in_channels"], mc, 3, 1, 1))]), ["in0_conv"], [mc]
    ch, ds = mc, 1
    for level, m in enumerate(mult):
        for _ in range(nrb):
            k = len(inputs)
            layers, nm = [res(ch, m * mc)], [f"in{k}_res"]
            ch = m * mc
            if ds in attn_res:
                layers.append(attn(ch))
                nm.append(f"in{k}_attn")
            inputs.append(U.TimestepEmbedSequential(*layers))
            names.append(nm)
            skips.append(ch)
        if level < len(mult) - 1:
            k = len(inputs)
            inputs.append(U.TimestepEmbedSequential(Pad01(U.Downsample(ch, True, dims=2, out_channels=ch, padding=0))))
            names.append([f"in{k}_down"])
            skips.append(ch)
            ds *= 2

    def decoder():
        c, d, sk = ch, ds, list(skips)
        middle = U.TimestepEmbedSequential(res(c, c), attn(c), res(c, c))
        outs, onames = nn.ModuleList(), []
        for level in reversed(range(len(mult))):
            for i in range(nrb + 1):
                k = len(outs)
                layers, nm = [res(c + sk.pop(), mc * mult[level])], [f"out{k}_res"]
                c = mc * mult[level]
                if d in attn_res:
                    layers.append(attn(c))
                    nm.append(f"out{k}_attn")
                if level > 0 and i == nrb:
                    layers.append(U.Upsample(c, True, dims=2, out_channels=c))
                    nm.append(f"out{k}_up")
                    d //= 2
                outs.append(U.TimestepEmbedSequential(*layers))
                onames.append(nm)
        head = nn.Sequential(U.normalization(c), nn.SiLU(), nn.Conv2d(c, p["out_channels"], 3, 1, 1))
        return middle, outs, onames, head
    return time_embed, inputs, names, decoder


class UNetTwin(nn.Module):
    """Frozen trunk + frozen decoder half (LDM) and untangle's shift decoder; `apply_model` for p_losses."""

    def __init__(self, U, DU, p, units, code_dim):
        super().__init__()
        self.DU, self.U, self.p, self.latent_unit = DU, U, p, units
        emb = 4 * p["model_channels"]
        self.time_embed, self.inputs, self.in_names, dec = build_unet_halves(U, p, emb)
        self.middle, self.outs, self.out_names, self.head = dec()
        self.s_middle, self.s_outs, _, self.s_head = dec()
        self.code_proj = nn.Linear(code_dim, emb)
        self.unit_emb = nn.Parameter(torch.zeros(emb, emb))

    def run_decoder(self, middle, outs, head, h, hs, emb):
        h = middle(h, emb)
        for j, module in enumerate(outs):
            h = module(torch.cat([h, hs[-j - 1]], dim=1), emb)
        return head(h)

    def apply_model(self, x, t, cond, sampled_concept=None):
        with torch.no_grad():       # the frozen LDM, as UNetModel.forward runs it
            emb = self.time_embed(self.DU.timestep_embedding(t, self.p["model_channels"], repeat_only=False))
            hs, h = [], x
            for module in self.inputs:
                h = module(h, emb)
                hs.append(h)
            pred = self.run_decoder(self.middle, self.outs, self.head, h, hs, emb)
        ids = self.U.torch_expm((self.unit_emb - self.unit_emb.t()).unsqueeze(0))[: self.latent_unit]
        z_parts = cond.chunk(self.latent_unit, dim=1)
        out_grad, sub_grad = 0, torch.zeros_like(x)
        for k in range(self.latent_unit):
            emb_k = emb + ids[k] + self.code_proj(z_parts[k])
            shift_h = self.run_decoder(self.s_middle, self.s_outs, self.s_head, h, hs, emb_k)
            idx = np.arange(x.shape[0])[sampled_concept == k]          # as UNetModel.forward selects sub_grad
            sub_grad[idx] = shift_h[idx]
            out_grad = out_grad + shift_h
        return self.DU.Return_grad_full(pred=pred, out_grad=out_grad, sub_grad=sub_grad)


# ---- the mapping table: untangle names/layouts → the twin's parameters -------------------------
def map_resblock(w, pre, blk):
    sd = {"in_layers.0.weight": C.vec(w[f"{pre}.norm1.weight"]), "in_layers.0.bias": C.vec(w[f"{pre}.norm1.bias"]),
          "in_layers.2.weight": C.conv(w[f"{pre}.conv1.weight"]), "in_layers.2.bias": C.vec(w[f"{pre}.conv1.bias"]),
          "emb_layers.1.weight": C.linear(w[f"{pre}.emb_proj.weight"]), "emb_layers.1.bias": C.vec(w[f"{pre}.emb_proj.bias"]),
          "out_layers.0.weight": C.vec(w[f"{pre}.norm2.weight"]), "out_layers.0.bias": C.vec(w[f"{pre}.norm2.bias"]),
          "out_layers.3.weight": C.conv(w[f"{pre}.conv2.weight"]), "out_layers.3.bias": C.vec(w[f"{pre}.conv2.bias"])}
    if f"{pre}.skip.weight" in w:
        sd.update({"skip_connection.weight": C.conv(w[f"{pre}.skip.weight"]), "skip_connection.bias": C.vec(w[f"{pre}.skip.bias"])})
    return {f"{blk}.{k}": v for k, v in sd.items()}


def legacy_qkv_order(c, heads):
    """untangle's qkv output index s·C + h·d + j → QKVAttentionLegacy's h·3d + s·d + j."""
    d = c // heads
    return np.array([s * c + h * d + j for h in range(heads) for s in range(3) for j in range(d)])


def map_attention(w, pre, blk, heads):
    c = w[f"{pre}.norm.weight"].shape[0]
    order = legacy_qkv_order(c, heads)
    qkv_w = w[f"{pre}.attn.qkv.weight"][:, order]         # [in, 3C] in upstream's output order
    return {f"{blk}.norm.weight": C.vec(w[f"{pre}.norm.weight"]), f"{blk}.norm.bias": C.vec(w[f"{pre}.norm.bias"]),
            f"{blk}.qkv.weight": C.linear(qkv_w).unsqueeze(-1), f"{blk}.qkv.bias": C.vec(w[f"{pre}.attn.qkv.bias"][order]),
            f"{blk}.proj_out.weight": C.linear(w[f"{pre}.attn.proj.weight"]).unsqueeze(-1),
            f"{blk}.proj_out.bias": C.vec(w[f"{pre}.attn.proj.bias"])}


def map_layers(w, prefix, blk, names, heads):
    sd = {}
    for i, nm in enumerate(names):
        if isinstance(nm, str):                            # the input conv
            sd[f"{blk}.{i}.0.weight"], sd[f"{blk}.{i}.0.bias"] = C.conv(w[f"{prefix}.{nm}.weight"]), C.vec(w[f"{prefix}.{nm}.bias"])
            continue
        for j, n in enumerate(nm):
            at, pre = f"{blk}.{i}.{j}", f"{prefix}.{n}"
            if n.endswith("_res"):
                sd.update(map_resblock(w, pre, at))
            elif n.endswith("_attn"):
                sd.update(map_attention(w, pre, at, heads(w[f"{pre}.norm.weight"].shape[0])))
            elif n.endswith("_down"):
                sd[f"{at}.down.op.weight"], sd[f"{at}.down.op.bias"] = C.conv(w[f"{pre}.conv.weight"]), C.vec(w[f"{pre}.conv.bias"])
            else:
                sd[f"{at}.conv.weight"], sd[f"{at}.conv.bias"] = C.conv(w[f"{pre}.conv.weight"]), C.vec(w[f"{pre}.conv.bias"])
    return sd


def map_decoder(w, pre, twin_pre, twin, heads):
    sd = map_resblock(w, f"{pre}.middle_res1", f"{twin_pre}middle.0")
    sd.update(map_attention(w, f"{pre}.middle_attn", f"{twin_pre}middle.1", heads(w[f"{pre}.middle_attn.norm.weight"].shape[0])))
    sd.update(map_resblock(w, f"{pre}.middle_res2", f"{twin_pre}middle.2"))
    sd.update(map_layers(w, pre, f"{twin_pre}outs", twin.out_names, heads))
    sd.update({f"{twin_pre}head.0.weight": C.vec(w[f"{pre}.norm_out.weight"]), f"{twin_pre}head.0.bias": C.vec(w[f"{pre}.norm_out.bias"]),
               f"{twin_pre}head.2.weight": C.conv(w[f"{pre}.conv_out.weight"]), f"{twin_pre}head.2.bias": C.vec(w[f"{pre}.conv_out.bias"])})
    return sd


def map_unet(w, twin, p):
    heads = lambda c: groups_for(c, p["num_heads"])
    sd = {"time_embed.0.weight": C.linear(w["ldm.unet.time_embed1.weight"]), "time_embed.0.bias": C.vec(w["ldm.unet.time_embed1.bias"]),
          "time_embed.2.weight": C.linear(w["ldm.unet.time_embed2.weight"]), "time_embed.2.bias": C.vec(w["ldm.unet.time_embed2.bias"])}
    sd.update(map_layers(w, "ldm.unet", "inputs", twin.in_names, heads))
    sd.update(map_decoder(w, "ldm.unet.decoder", "", twin, heads))
    sd.update(map_decoder(w, "shift", "s_", twin, heads))
    sd.update({"code_proj.weight": C.linear(w["code_proj.weight"]), "code_proj.bias": C.vec(w["code_proj.bias"]),
               # upstream's torch_expm(A) returns exp(−A) (its Padé step solves P⁻¹Q, i.e. (V+U)⁻¹(V−U)):
               # rows of exp(Wᵀ − W). untangle's are rows of exp(W − Wᵀ): the same embeddings for the transpose.
               "unit_emb": C.vec(np.ascontiguousarray(w["unit_emb"].T))})
    return sd


def map_ldm_block(w, pre, blk):
    sd = {f"{blk}.norm1.weight": C.vec(w[f"{pre}.norm1.weight"]), f"{blk}.norm1.bias": C.vec(w[f"{pre}.norm1.bias"]),
          f"{blk}.conv1.weight": C.conv(w[f"{pre}.conv1.weight"]), f"{blk}.conv1.bias": C.vec(w[f"{pre}.conv1.bias"]),
          f"{blk}.norm2.weight": C.vec(w[f"{pre}.norm2.weight"]), f"{blk}.norm2.bias": C.vec(w[f"{pre}.norm2.bias"]),
          f"{blk}.conv2.weight": C.conv(w[f"{pre}.conv2.weight"]), f"{blk}.conv2.bias": C.vec(w[f"{pre}.conv2.bias"])}
    if f"{pre}.skip.weight" in w:
        sd[f"{blk}.nin_shortcut.weight"], sd[f"{blk}.nin_shortcut.bias"] = C.conv(w[f"{pre}.skip.weight"]), C.vec(w[f"{pre}.skip.bias"])
    return sd


def map_ldm_attn(w, pre, blk):
    """untangle's single-head qkv Linear → model.py AttnBlock's q, k, v 1×1 convs."""
    qkv_w, qkv_b = w[f"{pre}.attn.qkv.weight"], w[f"{pre}.attn.qkv.bias"]
    c = qkv_w.shape[0]
    sd = {f"{blk}.norm.weight": C.vec(w[f"{pre}.norm.weight"]), f"{blk}.norm.bias": C.vec(w[f"{pre}.norm.bias"]),
          f"{blk}.proj_out.weight": C.linear(w[f"{pre}.attn.proj.weight"])[:, :, None, None], f"{blk}.proj_out.bias": C.vec(w[f"{pre}.attn.proj.bias"])}
    for s, n in enumerate("qkv"):
        sd[f"{blk}.{n}.weight"] = C.linear(qkv_w[:, s * c:(s + 1) * c])[:, :, None, None]
        sd[f"{blk}.{n}.bias"] = C.vec(qkv_b[s * c:(s + 1) * c])
    return sd


def map_vq(w, dd):
    pre = "ldm.first_stage"
    sd = {}
    for part in ("quant_conv", "post_quant_conv"):
        sd[f"{part}.weight"], sd[f"{part}.bias"] = C.conv(w[f"{pre}.{part}.weight"]), C.vec(w[f"{pre}.{part}.bias"])
    n, nrb = len(dd["ch_mult"]), dd["num_res_blocks"]
    for side, count, blk in (("encoder", nrb, "down"), ("decoder", nrb + 1, "up")):
        e = f"{pre}.{side}"
        for nm in ("conv_in", "conv_out"):
            sd[f"{side}.{nm}.weight"], sd[f"{side}.{nm}.bias"] = C.conv(w[f"{e}.{nm}.weight"]), C.vec(w[f"{e}.{nm}.bias"])
        sd[f"{side}.norm_out.weight"], sd[f"{side}.norm_out.bias"] = C.vec(w[f"{e}.norm_out.weight"]), C.vec(w[f"{e}.norm_out.bias"])
        sd.update(map_ldm_block(w, f"{e}.mid_block1", f"{side}.mid.block_1"))
        sd.update(map_ldm_block(w, f"{e}.mid_block2", f"{side}.mid.block_2"))
        sd.update(map_ldm_attn(w, f"{e}.mid_attn", f"{side}.mid.attn_1"))
        for i in range(n):
            lvl = i          # both number levels from the full resolution (decoder up0: the last one run)
            for j in range(count):
                sd.update(map_ldm_block(w, f"{e}.{blk}{i}_block{j}", f"{side}.{blk}.{lvl}.block.{j}"))
            sname = f"{e}.{blk}{i}_sample.conv"
            if f"{sname}.weight" in w:
                sd[f"{side}.{blk}.{lvl}.{'downsample' if side == 'encoder' else 'upsample'}.conv.weight"] = C.conv(w[f"{sname}.weight"])
                sd[f"{side}.{blk}.{lvl}.{'downsample' if side == 'encoder' else 'upsample'}.conv.bias"] = C.vec(w[f"{sname}.bias"])
    return sd


def map_encoder(w, pre):
    sd = {"head.weight": C.linear(w[f"{pre}.head.weight"]), "head.bias": C.vec(w[f"{pre}.head.bias"])}
    for i in range(4):
        sd[f"down.{i}.weight"], sd[f"down.{i}.bias"] = C.conv(w[f"{pre}.down{i}_conv.weight"]), C.vec(w[f"{pre}.down{i}_conv.bias"])
        sd[f"norm.{i}.weight"], sd[f"norm.{i}.bias"] = C.vec(w[f"{pre}.down{i}_norm.weight"]), C.vec(w[f"{pre}.down{i}_norm.bias"])
    for i in range(2):
        for j in (1, 2):
            sd[f"res{j}.{i}.weight"] = C.conv(w[f"{pre}.res{i}_conv{j}.weight"])
            sd[f"res{j}.{i}.bias"] = C.vec(w[f"{pre}.res{i}_conv{j}.bias"])
    return sd


class Stage(nn.Module):
    """Stand-in for the LightningModule: the attributes upstream's p_losses / dis_loss read."""


def make_stage(methods, ldm_p, loss_p, vq, enc, unet, scale):
    s = Stage()
    for k, f in methods.items():
        setattr(s, k, types.MethodType(f, s))
    s.v_posterior, s.parameterization, s.original_elbo_weight, s.l_simple_weight = 0.0, "eps", 0.0, 1.0
    s.register_schedule(beta_schedule=ldm_p["beta_schedule"], timesteps=ldm_p["timesteps"],
                        linear_start=ldm_p["linear_start"], linear_end=ldm_p["linear_end"])
    s.logvar = torch.zeros(s.num_timesteps)
    s.loss_type, s.dis_weight, s.dis_loss_type = loss_p["loss_type"], loss_p["dis_weight"], loss_p["dis_loss_type"]
    s.dis_loss_flag, s.detach_flag, s.train_enc_flag, s.learn_logvar = True, False, False, False
    s.current_epoch = s.global_step = 0
    s.first_stage_model, s.cond_stage_model, s.unet = vq, enc, unet
    s.scale_factor = torch.tensor(scale)
    s.model = types.SimpleNamespace(diffusion_model=unet)
    s.device = torch.device("cpu")
    s.ce_loss = nn.CrossEntropyLoss(reduction="none")
    s.apply_model = lambda x, t, cond, sampled_concept=None: unet.apply_model(x, t, cond, sampled_concept)
    return s


def perturbed_weights(out, seed=0):
    """Untangle's initial weights with each all-zero float tensor made small and random (docstring)."""
    from safetensors.numpy import load_file
    w = load_file(os.path.join(out, "weights.safetensors"))
    rng = np.random.default_rng(seed)
    skip = ("quantize.initialised", "quantize.usage", "scale_factor")
    new = {k: (0.05 * rng.standard_normal(v.shape)).astype(np.float32) for k, v in w.items()
           if v.dtype == np.float32 and v.size > 0 and not np.any(v) and not k.endswith(skip) and not k.startswith("encoder_copy.")}
    # The frozen copy stays the encoder's copy (DisDiff deep-copies cond_stage_model in dis_loss).
    new.update({"encoder_copy." + k[len("encoder."):]: v for k, v in list(new.items()) if k.startswith("encoder.")})
    return new


def main():
    upstream, out = C.upstream_path(sys.argv, "DisDiff")
    M, U, DU, LU = import_upstream(upstream)
    torch.set_grad_enabled(True)
    # untangle's step: once for names and shapes, then with the zero tensors perturbed.
    probe = os.path.join(out, "probe")
    export = lambda d, weights=None: C.run_export(d, BASE, OVERRIDES, batch=BATCH, step=STEP, weights=weights, extra=["--run-config", LDM_RUN])
    export(probe)
    os.makedirs(out, exist_ok=True)
    wpath = os.path.join(out, "perturbed.safetensors")
    C.save_weights(wpath, perturbed_weights(probe))
    step = os.path.join(out, "step")
    export(step, wpath)
    w, g, inp, draws, meta = C.load_step(step)
    from safetensors.numpy import load_file
    ints = load_file(os.path.join(step, "inputs.safetensors"))["ints"]
    mp, lp = meta["model"]["params"], meta["loss_config"]["params"]
    ldm_p = mp["ldm"]["params"]
    unet_p, vq_p = ldm_p["unet"]["params"], ldm_p["first_stage"]["params"]
    dd = vq_p["ddconfig"]
    units, dim = mp["latent_unit"], mp["repre_emb_channels"]

    vq = VQTwin(M, dd, vq_p["embed_dim"])
    vq.load_state_dict(map_vq(w, dd), strict=True)
    vq.requires_grad_(False)
    enc = UnitEncoderTwin(mp["image_size"], 3, mp["encoder_width"], units, dim)
    enc.load_state_dict(map_encoder(w, "encoder"), strict=True)
    unet = UNetTwin(U, DU, unet_p, units, dim)
    unet.load_state_dict(map_unet(w, unet, unet_p), strict=True)
    for mod in (unet.time_embed, unet.inputs, unet.middle, unet.outs, unet.head):
        mod.requires_grad_(False)
    scale = float(w["ldm.scale_factor"])
    methods = upstream_methods(upstream, DU, LU)
    stage = make_stage(methods, ldm_p, lp, vq, enc, unet, scale)

    b = BATCH
    x = torch.tensor(inp["batch.x"]).permute(0, 3, 1, 2).contiguous() * 2 - 1     # upstream's images in [−1, 1]
    t = torch.tensor(ints[:b], dtype=torch.long)
    concept = np.asarray(ints[b:2 * b], dtype=np.int64)
    z0 = (stage.scale_factor * vq.encode(x)).detach()
    noise = torch.tensor(draws[0]).reshape(b, z0.shape[2], z0.shape[3], z0.shape[1]).permute(0, 3, 1, 2).contiguous()
    cond = enc(x)                                          # get_learned_conditioning (cond_stage_trainable)
    saved = np.random.randint
    np.random.randint = lambda *a, **k: concept            # p_losses's sampled_concept
    try:
        loss, loss_dict = stage.p_losses(z0, cond, t, noise=noise)
    finally:
        np.random.randint = saved
    stage.zero_grad()
    loss.backward()

    # Gradients: untangle's, mapped through the same table; frozen parts map zeros and are not compared.
    named = dict(unet.named_parameters())
    sd_g_unet = map_unet({k: (g[k] if k in g else np.zeros_like(v)) for k, v in w.items()}, unet, unet_p)
    sd_g_enc = map_encoder(g, "encoder")
    pairs = {}
    for k, prm in named.items():
        if prm.requires_grad:
            pairs[f"unet.{k}"] = (sd_g_unet[k].numpy(), prm.grad.numpy() if prm.grad is not None else np.zeros(prm.shape, np.float32))
    for k, prm in enc.named_parameters():
        pairs[f"encoder.{k}"] = (sd_g_enc[k].numpy(), prm.grad.numpy())
    with torch.no_grad():          # the frozen LDM's own loss on the same x_t (untangle logs it)
        mo = unet.apply_model(stage.q_sample(z0, t, noise), t, cond.detach(), concept)
        frozen = float((mo.pred - noise).abs().mean())
    tm = meta["terms"]
    simple = loss_dict["train/loss_simple"].item()
    terms = {"loss_simple": [tm["loss_simple"], simple], "loss_simple_frozen": [tm["loss_simple_frozen"], frozen],
             # p_losses: loss = l_simple + mean(dis_loss), dis_loss = w·dis_weight·(ce + ce_deta)
             "dis_weight*loss_dis": [lp["dis_weight"] * tm["loss_dis"], loss.item() - simple]}
    rep = C.compare("disdiff-shapes3d-cpu", meta["loss"], loss.item(), terms, pairs)
    rep["untangle_terms"] = tm
    rep["untangle_trainable_tensors"] = len(g)
    C.emit({"check": "disdiff-shapes3d", "cases": [rep], "pass": rep["pass"]}, out)


if __name__ == "__main__":
    main()
