"""PyTorch twin of untangle.models.CSAE with untangle.losses.V3 (components/models/v3/,
components/losses/v3/), trained as the generic trainer does: forward, V3 loss, backward, AdamW,
then the codebook's EMA update and dead-code restarts. Same layers, widths, parameter count and
batch as the resolved config bench/v3/run.ts passes in (the PhoneNums CPU preset by default);
float32, one thread, NCHW (PyTorch's default layout and the upstream's).

  encoder per fragment: k x k stem, `stages` stride-2 residual blocks (conv-BN-GELU-conv-BN +
    1x1 conv-BN shortcut, GELU), flatten, Linear(d_c + d_s), GELU, split, content and style heads;
  content: EMA vector quantiser (k-means init on the first batch, straight-through, commitment,
    restarts of codes whose usage EMA falls below the threshold);
  decoder: heads, GELU, concat, Linear, per stage nearest x2 upsampling + stride-1 residual block, k x k conv;
  loss: MSE + the four variability hinges relu(r - ratio)/r + 0.1 commitment (config weights).

Usage: python3 bench/v3/torch_twin.py --config JSON [--steps N] [--warmup W] [--profile]
"""
import json, os, sys
import torch, torch.nn as nn, torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..', 'twin'))
import timing  # noqa: E402


class ResBlock(nn.Module):
    def __init__(s, cin, cout, stride, k):
        super().__init__()
        pad = (k - 1) // 2
        s.c1, s.b1 = nn.Conv2d(cin, cout, k, stride, pad, bias=False), nn.BatchNorm2d(cout)
        s.c2, s.b2 = nn.Conv2d(cout, cout, k, 1, pad, bias=False), nn.BatchNorm2d(cout)
        s.short = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout)) \
            if cin != cout or stride != (1, 1) else None

    def forward(s, x):
        h = s.b2(s.c2(F.gelu(s.b1(s.c1(x)))))
        return F.gelu(h + (s.short(x) if s.short is not None else x))


class VQ(nn.Module):
    """EMA codebook as components/models/autoencoder/quantizer.ts (Laplace-smoothed counts, usage EMA 0.99)."""

    def __init__(s, n, dim, decay, threshold, eps=1e-5):
        super().__init__()
        s.n, s.decay, s.threshold, s.eps = n, decay, threshold, eps
        e = torch.empty(n, dim).uniform_(-1 / n, 1 / n)
        s.register_buffer('embedding', e)
        s.register_buffer('cluster_size', torch.ones(n))
        s.register_buffer('embed_sum', e.clone())
        s.register_buffer('usage', torch.full((n,), float(threshold)))
        s.initialised, s.last = False, None

    @torch.no_grad()
    def kmeans_init(s, z, iters=10):
        c = z[torch.randperm(len(z))[:s.n]].clone()
        for _ in range(iters):
            a = torch.cdist(z, c).argmin(1)
            for j in range(s.n):
                if (a == j).any():
                    c[j] = z[a == j].mean(0)
        s.embedding.copy_(c); s.embed_sum.copy_(c); s.cluster_size.fill_(1)
        s.initialised = True

    def forward(s, z):
        if s.training and not s.initialised:
            s.kmeans_init(z.detach())
        with torch.no_grad():
            e2 = s.embedding
            idx = ((z ** 2).sum(1, keepdim=True) - 2 * z @ e2.t() + (e2 ** 2).sum(1)).argmin(1)
        onehot = F.one_hot(idx, s.n).float()
        e = onehot @ s.embedding
        commitment = ((z - e.detach()) ** 2).mean()
        usage = onehot.mean(0)
        perplexity = torch.exp(-(usage * torch.log(usage + 1e-10)).sum())
        if s.training:
            s.last = (z.detach(), onehot)
        return z + (e - z).detach(), commitment, perplexity

    @torch.no_grad()
    def after_step(s):
        z, onehot = s.last
        g = s.decay
        s.cluster_size.mul_(g).add_(onehot.sum(0), alpha=1 - g)
        s.embed_sum.mul_(g).add_(onehot.t() @ z, alpha=1 - g)
        n = s.cluster_size.sum()
        smoothed = (s.cluster_size + s.eps) / (n + s.n * s.eps) * n
        s.embedding.copy_(s.embed_sum / smoothed[:, None])
        s.usage.mul_(0.99).add_(onehot.sum(0), alpha=0.01)
        dead = (s.usage < s.threshold).nonzero().flatten()
        if len(dead):
            pick = z[torch.randint(len(z), (len(dead),))] + 0.01 * z.std(0) * torch.randn(len(dead), z.shape[1])
            s.embedding[dead] = pick; s.embed_sum[dead] = pick; s.cluster_size[dead] = 1
            s.usage[dead] = 2 * s.threshold
        s.last = None


class CSAE(nn.Module):
    def __init__(s, p):
        super().__init__()
        s.p = p
        st = p['stages']
        s.stride = (2, 2) if p['strides'] == 'both' else (1, 2)
        s.bottom = (p['fragment_len'] // s.stride[0] ** st, p['n_feature'] // s.stride[1] ** st)
        w = [max(p['min_width'], p['n_channels'] // 2 ** (st - i)) for i in range(st + 1)]
        s.w, k = w, p['kernel']
        pad = (k - 1) // 2
        s.stem = nn.Conv2d(p['in_channels'], w[0], k, 1, pad)
        s.down = nn.ModuleList(ResBlock(w[i], w[i + 1], s.stride, k) for i in range(st))
        flat = w[st] * s.bottom[0] * s.bottom[1]
        dc, ds = p['d_emb_c'], p['d_emb_s']
        s.enc_fc, s.head_c, s.head_s = nn.Linear(flat, dc + ds), nn.Linear(dc, dc), nn.Linear(ds, ds)
        s.quantize = VQ(p['n_atoms'], dc, p['vq_ema_decay'], p['threshold_ema_dead_code'])
        s.dec_c, s.dec_s, s.dec_fc = nn.Linear(dc, dc), nn.Linear(ds, ds), nn.Linear(dc + ds, flat)
        s.up = nn.ModuleList(ResBlock(w[i], w[i - 1], (1, 1), k) for i in range(st, 0, -1))
        s.out = nn.Conv2d(w[0], p['in_channels'], k, 1, pad)

    def forward(s, x):
        p = s.p
        b, n = x.shape[:2]
        h = s.stem(x.flatten(0, 1))
        for d in s.down:
            h = d(h)
        c, st = F.gelu(s.enc_fc(h.flatten(1))).split([p['d_emb_c'], p['d_emb_s']], 1)
        c, st = s.head_c(c), s.head_s(st)
        q, commitment, _ = s.quantize(c)
        # decoder_style (newer CSAE): the decoder sees each fragment's style (upstream) or the sample's mean.
        sd = st.reshape(b, n, -1).mean(1, keepdim=True).expand(b, n, st.shape[1]).reshape(b * n, -1) \
            if p.get('decoder_style', 'fragment') == 'sample_mean' else st
        # GELU after dec_fc, as the upstream Decoder's act(linear_0(.)) and untangle's CSAE.
        h = F.gelu(s.dec_fc(torch.cat([F.gelu(s.dec_c(q)), F.gelu(s.dec_s(sd))], 1))).reshape(-1, s.w[-1], *s.bottom)
        for u in s.up:
            h = u(F.interpolate(h, scale_factor=s.stride, mode='nearest'))
        recon = s.out(h).reshape(x.shape)
        return recon, c.reshape(b, n, -1), q.reshape(b, n, -1), st.reshape(b, n, -1), commitment


def mpd(x):
    """Mean pairwise distance over i != j within each set, [G, m, d] -> [G] (sqrt clamped at 1e-12, as untangle)."""
    m = x.shape[1]
    d = ((x[:, :, None] - x[:, None]) ** 2).sum(-1).clamp_min(1e-12).sqrt()
    return (d * (1 - torch.eye(m))).sum((1, 2)) / (m * (m - 1))


def frag(z):
    return mpd(z).mean()


def samp(z):
    return mpd(z.mean(1)[None])[0]


def v3_loss(x, out, weights, r):
    recon, c, cq, s, commitment = out
    cf, cs = 0.5 * (frag(c) + frag(cq)), 0.5 * (samp(c) + samp(cq))
    sf, ss = frag(s), samp(s)
    hinge = lambda num, den: F.relu(r - num / (den + 1e-5)) / r
    terms = dict(recon_loss=F.mse_loss(recon, x), content_loss=hinge(cf, cs), style_loss=hinge(ss, sf),
                 sample_loss=hinge(ss, cs), fragment_loss=hinge(cf, sf), commit_loss=commitment)
    return sum(weights[k] * v for k, v in terms.items() if weights[k] != 0)


def main():
    timing.threads()
    a = timing.args({'--config': dict(required=True, help='the resolved model, loss and optimizer params, batch'),
                     '--layout': dict(default='nchw', choices=['nchw', 'nhwc'], help='nhwc: channels_last model and fragments (as untangle)')})
    c = json.loads(a.config)
    torch.manual_seed(0)
    p = c['model']
    model = CSAE(p)
    model.train()
    x = torch.rand(c['batch'], p['n_fragments'], p['in_channels'], p['fragment_len'], p['n_feature']) * 2 - 1
    if a.layout == 'nhwc':
        model = model.to(memory_format=torch.channels_last)
        x = x.flatten(0, 1).contiguous(memory_format=torch.channels_last).reshape(x.shape)
    lp = c['loss']
    assert not lp['supersample_content'] and lp['widen_style'] <= 1, 'the twin has the plain V3 loss only (no adapted form)'
    step = timing.trainer_step(model, lambda: v3_loss(x, model(x), lp['weights'], lp['relativity']), c, after=model.quantize.after_step)

    timing.run(step, model, a, batch=c['batch'], gradClip=c['grad_clip'], layout=a.layout)


if __name__ == '__main__':
    main()
