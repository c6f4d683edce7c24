"""PyTorch twin of untangle.models.DiffSDA on video (DiffSDAFrameEncoder + DiffSDAUNet,
components/models/diffsda/) with untangle.losses.EDM, trained as the generic trainer does:
forward, EDM loss, backward, clip_grad_norm_, AdamW. Same layers, widths, parameter count and
batch as the resolved config bench/diffsda/run-video.ts passes in (the CPU video preset);
float32, one thread, NCHW.

  encoder per frame: conv3 -> per level residual blocks (GroupNorm, SiLU, conv3, x2, 1x1 skip),
    symmetric stride-2 downsampling between levels -> GroupNorm, SiLU, conv3 to 1 channel, flatten;
    -> BiLSTM -> s = Linear([h_fwd(T), h_bwd(1)]); d = Linear(tanh RNN(BiLSTM out))
  denoiser: LDM/openaimodel UNet (sinusoidal embedding of c_noise -> MLP), residual blocks with the
    time scale-shift after the second norm and a second scale-shift from a = [d, s], middle
    attention, skip concatenation, nearest x2 + conv3 upsampling; zero-initialised output conv;
  EDM preconditioning and the lambda(sigma)-weighted loss, one sigma per frame.

Usage: python3 bench/diffsda/torch_video_twin.py --config JSON [--steps N] [--warmup W] [--profile]
"""
import json, math, os, sys
import torch, torch.nn as nn, torch.nn.functional as F

sys.path.insert(0, os.path.dirname(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..', 'twin'))
import timing  # noqa: E402


def groups_for(c, g):
    g = min(g, c)
    while c % g:
        g -= 1
    return g


def norm(c, g):
    return nn.GroupNorm(groups_for(c, g), c, eps=1e-6)


class ResBlock(nn.Module):
    def __init__(s, cin, cout, g, emb=0, cond=0):
        super().__init__()
        s.norm1, s.conv1 = norm(cin, g), nn.Conv2d(cin, cout, 3, 1, 1)
        s.emb_proj = nn.Linear(emb, 2 * cout) if emb else None
        s.norm2, s.conv2 = norm(cout, g), nn.Conv2d(cout, cout, 3, 1, 1)
        s.skip = nn.Conv2d(cin, cout, 1) if cin != cout else None
        s.cond_proj = nn.Linear(cond, 2 * cout) if cond else None

    def forward(s, x, emb=None, cond=None):
        h = s.norm2(s.conv1(F.silu(s.norm1(x))))
        if s.emb_proj is not None:
            sc, sh = s.emb_proj(F.silu(emb))[:, :, None, None].chunk(2, 1)
            h = h * (1 + sc) + sh
        if s.cond_proj is not None:
            sc, sh = s.cond_proj(cond)[:, :, None, None].chunk(2, 1)
            h = h * (1 + sc) + sh
        return (s.skip(x) if s.skip is not None else x) + s.conv2(F.silu(h))


class Attn(nn.Module):
    def __init__(s, c, g, heads):
        super().__init__()
        s.norm, s.heads = norm(c, g), groups_for(c, heads)
        s.qkv, s.proj = nn.Linear(c, 3 * c), nn.Linear(c, c)

    def forward(s, x):
        b, c, h, w = x.shape
        t = s.norm(x).flatten(2).transpose(1, 2)
        q, k, v = s.qkv(t).reshape(b, h * w, 3, s.heads, c // s.heads).permute(2, 0, 3, 1, 4)
        o = F.scaled_dot_product_attention(q, k, v).transpose(1, 2).reshape(b, h * w, c)
        return x + s.proj(o).transpose(1, 2).reshape(b, c, h, w)


class Down(nn.Module):
    def __init__(s, c):
        super().__init__()
        s.conv = nn.Conv2d(c, c, 3, 2, 1)   # symmetric padding (openaimodel/EDM Downsample)

    def forward(s, x, *_):
        return s.conv(x)


class Up(nn.Module):
    def __init__(s, c):
        super().__init__()
        s.conv = nn.Conv2d(c, c, 3, 1, 1)

    def forward(s, x, *_):
        return s.conv(F.interpolate(x, scale_factor=2, mode='nearest'))


def run(layers, h, emb, cond):
    for l in layers:
        h = l(h, emb, cond) if isinstance(l, ResBlock) else l(h)
    return h


class FrameEncoder(nn.Module):
    def __init__(s, p):
        super().__init__()
        hgt, wid, c = p['frame_shape']
        g, ch0, mult = p['norm_groups'], p['encoder_channels'], p['ch_mult']
        f = 2 ** (len(mult) - 1)
        s.conv_in = nn.Conv2d(c, ch0, 3, 1, 1)
        layers, ch = [], ch0
        for level, m in enumerate(mult):
            for _ in range(p['num_res_blocks']):
                layers.append(ResBlock(ch, m * ch0, g))
                ch = m * ch0
                if level in p['attn']:
                    layers.append(Attn(ch, g, 1))
            if level < len(mult) - 1:
                layers.append(Down(ch))
        s.layers = nn.ModuleList(layers)
        s.norm_out, s.conv_out = norm(ch, g), nn.Conv2d(ch, 1, 3, 1, 1)
        feats, hid = (hgt // f) * (wid // f), p['hidden_dim']
        s.bilstm = nn.LSTM(feats, hid, batch_first=True, bidirectional=True)
        s.static_head = nn.Linear(2 * hid, p['s_dim'])
        s.rnn = nn.RNN(2 * hid, hid, nonlinearity='tanh', batch_first=True)
        s.dynamic_head = nn.Linear(hid, p['d_dim'])

    def forward(s, x):
        b, t = x.shape[:2]
        h = s.conv_in(x.flatten(0, 1))
        for l in s.layers:
            h = l(h)
        feats = s.conv_out(F.silu(s.norm_out(h))).reshape(b, t, -1)
        out, (hn, _) = s.bilstm(feats)
        return s.static_head(torch.cat([hn[0], hn[1]], 1)), s.dynamic_head(s.rnn(out)[0])


class CondUNet(nn.Module):
    def __init__(s, p):
        super().__init__()
        c, mc, mult, g, nrb = p['frame_shape'][2], p['unets_channels'], p['ch_mult'], p['norm_groups'], p['num_res_blocks']
        cd, heads, attn_ds = p['cond_dim'], p['num_heads'], [2 ** l for l in p['attn']]
        s.mc, emb = mc, 4 * mc
        s.time_embed1, s.time_embed2 = nn.Linear(mc, emb), nn.Linear(emb, emb)
        inputs, skips, ch, ds = [[nn.Conv2d(c, mc, 3, 1, 1)]], [mc], mc, 1
        for level, m in enumerate(mult):
            for _ in range(nrb):
                blk = [ResBlock(ch, m * mc, g, emb, cd)]
                ch = m * mc
                if ds in attn_ds:
                    blk.append(Attn(ch, g, heads))
                inputs.append(blk); skips.append(ch)
            if level < len(mult) - 1:
                inputs.append([Down(ch)]); skips.append(ch); ds *= 2
        s.inputs = nn.ModuleList(nn.ModuleList(b) for b in inputs)
        s.middle = nn.ModuleList([ResBlock(ch, ch, g, emb, cd), Attn(ch, g, heads), ResBlock(ch, ch, g, emb, cd)])
        outputs = []
        for level in range(len(mult) - 1, -1, -1):
            for i in range(nrb + 1):
                oc = mc * mult[level]
                blk = [ResBlock(ch + skips.pop(), oc, g, emb, cd)]
                ch = oc
                if ds in attn_ds:
                    blk.append(Attn(ch, g, heads))
                if level > 0 and i == nrb:
                    blk.append(Up(ch)); ds //= 2
                outputs.append(blk)
        s.outputs = nn.ModuleList(nn.ModuleList(b) for b in outputs)
        s.norm_out, s.conv_out = norm(ch, g), nn.Conv2d(ch, c, 3, 1, 1)
        nn.init.zeros_(s.conv_out.weight); nn.init.zeros_(s.conv_out.bias)

    def forward(s, x, c_noise, a):
        half = s.mc // 2
        arg = c_noise[:, None] * torch.exp(-math.log(10000) * torch.arange(half) / half)[None]
        emb = s.time_embed2(F.silu(s.time_embed1(torch.cat([arg.cos(), arg.sin()], 1))))
        h, hs = x, []
        for blk in s.inputs:
            h = run(blk, h, emb, a)
            hs.append(h)
        h = run(s.middle, h, emb, a)
        for blk in s.outputs:
            h = run(blk, torch.cat([h, hs.pop()], 1), emb, a)
        return s.conv_out(F.silu(s.norm_out(h)))


class DiffSDAVideo(nn.Module):
    def __init__(s, p):
        super().__init__()
        s.p = p
        s.encoder = FrameEncoder(p['encoder']['params'])
        s.denoiser = CondUNet(p['denoiser']['params'])

    def loss(s, x):
        p = s.p
        b, t = x.shape[:2]
        sd, k = p['sigma_data'], p['noise_tiles']
        st, d = s.encoder(x)
        a = torch.cat([d, st[:, None, :].expand(b, t, st.shape[1])], 2).reshape(b * t, -1).repeat(k, 1)
        target = x.flatten(0, 1).repeat(k, 1, 1, 1)
        n = target.shape[0]
        sigma = torch.exp(p['p_mean'] + p['p_std'] * torch.randn(n))
        col = lambda v: v[:, None, None, None]
        y = target + torch.randn_like(target) * col(sigma)
        s2, d2 = sigma ** 2, sd ** 2
        c_skip, c_out, c_in = d2 / (s2 + d2), sigma * sd / (s2 + d2).sqrt(), 1 / (s2 + d2).sqrt()
        weight = (s2 + d2) / (s2 * d2)
        denoised = col(c_skip) * y + col(c_out) * s.denoiser(y * col(c_in), sigma.log() / 4, a)
        return (col(weight) * (denoised - target) ** 2).mean()


def main():
    timing.threads()
    a = timing.args({'--config': dict(required=True, help='the resolved model params, trainer.optimizer params, grad_clip, batch')})
    c = json.loads(a.config)
    torch.manual_seed(0)
    p = c['model']
    model = DiffSDAVideo(p)
    model.train()
    hgt, wid, ch = p['frame_shape']
    # Frames in [-1, 1] (the model's space for [0, 1] images), NCHW per frame.
    x = torch.rand(c['batch'], p['frames'], ch, hgt, wid) * 2 - 1
    step = timing.trainer_step(model, lambda: model.loss(x), c)

    timing.run(step, model, a, batch=c['batch'], gradClip=c['grad_clip'])


if __name__ == '__main__':
    main()
