"""PyTorch twin of untangle.models.DiffSDA on time series (components/models/diffsda/) with
untangle.losses.EDM, trained as the generic trainer does: forward, EDM loss, backward,
clip_grad_norm_, AdamW. Same layers, widths, parameter count, batch and noise tiling as the
resolved config that bench/diffsda/run.ts passes in (the CPU preset by default); float32, one thread.

  encoder:  per-step MLP with input re-injection (Linear -> LayerNorm -> SiLU -> dropout, x5)
            -> BiLSTM(hidden) -> s = Linear([h_fwd(T), h_bwd(1)]); d = Linear(tanh RNN(BiLSTM out))
  denoiser: Fourier embedding of c_noise (fixed frequencies, a buffer) -> Linear, SiLU, Linear, SiLU;
            the re-injected MLP, each Linear output FiLM-modulated by the embedding then by a = [d, s];
            Karras preconditioning D = c_skip y + c_out F(c_in y, c_noise, a); loss lambda(sigma)-weighted MSE.

Usage: python3 bench/diffsda/torch_twin.py --config JSON [--steps N] [--warmup W] [--profile]
"""
import json, math, os, sys
import torch, torch.nn as nn, torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..', 'twin'))
import timing  # noqa: E402


class ReinjectedMlp(nn.Module):
    def __init__(s, fin, width, layers, dropout):
        super().__init__()
        s.lin = nn.ModuleList(nn.Linear(fin if i == 0 else width + fin, width) for i in range(layers))
        s.norm = nn.ModuleList(nn.LayerNorm(width) for _ in range(layers))
        s.drop = nn.Dropout(dropout)

    def forward(s, x, modulate=None):
        h = x
        for i, (lin, norm) in enumerate(zip(s.lin, s.norm)):
            z = lin(h if i == 0 else torch.cat([h, x], -1))
            if modulate is not None:
                z = modulate(z, i)
            h = s.drop(F.silu(norm(z)))
        return h


class SeriesEncoder(nn.Module):
    def __init__(s, features, mlp_width, layers, hidden, s_dim, d_dim, dropout):
        super().__init__()
        s.mlp = ReinjectedMlp(features, mlp_width, layers, dropout)
        s.bilstm = nn.LSTM(mlp_width, hidden, batch_first=True, bidirectional=True)
        s.static_head = nn.Linear(2 * hidden, s_dim)
        s.rnn = nn.RNN(2 * hidden, hidden, nonlinearity='tanh', batch_first=True)
        s.dynamic_head = nn.Linear(hidden, d_dim)

    def forward(s, x):
        b, t, f = x.shape
        h = s.mlp(x.reshape(b * t, f)).reshape(b, t, -1)
        out, (hn, _) = s.bilstm(h)
        return s.static_head(torch.cat([hn[0], hn[1]], 1)), s.dynamic_head(s.rnn(out)[0])


class FourierEmbedding(nn.Module):
    def __init__(s, channels, out, scale):
        super().__init__()
        s.register_buffer('freqs', torch.randn(1, channels // 2) * scale)
        s.l1, s.l2 = nn.Linear(channels, out), nn.Linear(out, out)

    def forward(s, c_noise):
        arg = 2 * math.pi * (c_noise[:, None] @ s.freqs)
        return F.silu(s.l2(F.silu(s.l1(torch.cat([arg.cos(), arg.sin()], 1)))))


class FilmMlp(nn.Module):
    def __init__(s, features, width, layers, cond, embed, dropout):
        super().__init__()
        s.embed = FourierEmbedding(64, embed, 16)
        s.mlp = ReinjectedMlp(features, width, layers, dropout)
        s.t_film = nn.ModuleList(nn.Linear(embed, 2 * width) for _ in range(layers))
        s.a_film = nn.ModuleList(nn.Linear(cond, 2 * width) for _ in range(layers))
        s.out = nn.Linear(width, features)

    def forward(s, x, c_noise, a):
        e = s.embed(c_noise)

        def film(h, lin, c):
            scale, shift = lin(c).chunk(2, 1)
            return h * (1 + scale) + shift

        return s.out(s.mlp(x, lambda z, i: film(film(z, s.t_film[i], e), s.a_film[i], a)))


class DiffSDA(nn.Module):
    def __init__(s, p):
        super().__init__()
        s.p, f = p, p['frame_shape'][0]
        s.encoder = SeriesEncoder(f, 4 * p['mlp_hidden_dim_enc'], p['mlp_layers'], p['hidden_dim'], p['s_dim'], p['d_dim'], p['dropout'])
        s.denoiser = FilmMlp(f, 4 * p['mlp_hidden_dim'], p['mlp_layers'], p['s_dim'] + p['d_dim'], 256, p['dropout'])

    def loss(s, x):
        p = s.p
        b, t, f = x.shape
        sd, k = p['sigma_data'], p['noise_tiles']
        st, d = s.encoder(x)
        a = torch.cat([d, st[:, None, :].expand(b, t, st.shape[1])], 2).reshape(b * t, -1).repeat(k, 1)
        target = x.reshape(b * t, f).repeat(k, 1)
        n = k * b * t
        sigma = torch.exp(p['p_mean'] + p['p_std'] * torch.randn(n))
        y = target + torch.randn(n, f) * sigma[:, None]
        s2, d2 = sigma ** 2, sd ** 2
        c_skip, c_out, c_in = d2 / (s2 + d2), sigma * sd / (s2 + d2).sqrt(), 1 / (s2 + d2).sqrt()
        weight = (s2 + d2) / (s2 * d2)
        denoised = c_skip[:, None] * y + c_out[:, None] * s.denoiser(y * c_in[:, None], sigma.log() / 4, a)
        return (weight[:, None] * (denoised - target) ** 2).mean()


def main():
    timing.threads()
    a = timing.args({'--config': dict(required=True, help='the resolved model params, trainer.optimizer params, grad_clip, batch')})
    c = json.loads(a.config)
    torch.manual_seed(0)
    model = DiffSDA(c['model'])
    model.train()
    x = torch.randn(c['batch'], c['model']['frames'], c['model']['frame_shape'][0])
    step = timing.trainer_step(model, lambda: model.loss(x), c)

    timing.run(step, model, a, batch=c['batch'], gradClip=c['grad_clip'])


if __name__ == '__main__':
    main()
