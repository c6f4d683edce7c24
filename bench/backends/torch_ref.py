"""PyTorch reference for bench/backends: the same four workloads as workloads/*.ts, timed the
same way (median ms of full train steps after one warm-up, plus a no-grad forward; every step
reads its loss back, which also waits for a GPU). The runner sets OPENBLAS_CORETYPE=SkylakeX and
OPENBLAS_NUM_THREADS=1 (docs/backend-notes.md) before this process starts; torch.set_num_threads(1)
matches the libtorch backend's default.

Usage: python3 torch_ref.py --workloads ae,lstm,gru,unet --steps N [--ae-batch 32] [--unet-batch 8] [--device cpu|cuda] [--threads 1]
Prints one JSON object per workload on stdout.
"""
import argparse, json, math, statistics, time
import torch, torch.nn as nn, torch.nn.functional as F

torch.set_num_threads(1)
torch.manual_seed(0)


class AE(nn.Module):
    def __init__(s, size=64):
        super().__init__()
        f = (size // 16) ** 2 * 64
        s.enc = nn.Sequential(
            nn.Conv2d(3, 32, 4, 2, 1), nn.ReLU(), nn.Conv2d(32, 32, 4, 2, 1), nn.ReLU(),
            nn.Conv2d(32, 64, 4, 2, 1), nn.ReLU(), nn.Conv2d(64, 64, 4, 2, 1), nn.ReLU(),
            nn.Flatten(), nn.Linear(f, 256), nn.ReLU(), nn.Linear(256, 10))
        s.dec = nn.Sequential(
            nn.Linear(10, 256), nn.ReLU(), nn.Linear(256, f), nn.ReLU(), nn.Unflatten(1, (64, size // 16, size // 16)),
            nn.ConvTranspose2d(64, 64, 4, 2, 1), nn.ReLU(), nn.ConvTranspose2d(64, 32, 4, 2, 1), nn.ReLU(),
            nn.ConvTranspose2d(32, 32, 4, 2, 1), nn.ReLU(), nn.ConvTranspose2d(32, 3, 4, 2, 1))

    def forward(s, x):
        return s.dec(s.enc(x))


class Seq(nn.Module):
    def __init__(s, cell):
        super().__init__()
        s.rnn = (nn.LSTM if cell == 'lstm' else nn.GRU)(64, 256, batch_first=True)
        s.out = nn.Linear(256, 64)

    def forward(s, x):
        return s.out(s.rnn(x)[0])


class Res(nn.Module):
    def __init__(s, cin, cout, temb=128, groups=8):
        super().__init__()
        s.n1, s.c1 = nn.GroupNorm(groups, cin), nn.Conv2d(cin, cout, 3, 1, 1)
        s.t = nn.Linear(temb, cout)
        s.n2, s.c2 = nn.GroupNorm(groups, cout), nn.Conv2d(cout, cout, 3, 1, 1)
        s.skip = nn.Conv2d(cin, cout, 1) if cin != cout else nn.Identity()

    def forward(s, x, e):
        h = s.c1(F.silu(s.n1(x))) + s.t(F.silu(e))[:, :, None, None]
        return s.skip(x) + s.c2(F.silu(s.n2(h)))


class Attn(nn.Module):
    def __init__(s, c, groups=8):
        super().__init__()
        s.n, s.qkv, s.o = nn.GroupNorm(groups, c), nn.Linear(c, 3 * c), nn.Linear(c, c)

    def forward(s, x):
        b, c, h, w = x.shape
        t = s.n(x).flatten(2).transpose(1, 2)
        q, k, v = s.qkv(t).chunk(3, dim=2)
        a = torch.softmax(q @ k.transpose(1, 2) / math.sqrt(c), dim=-1)
        return x + s.o(a @ v).transpose(1, 2).reshape(b, c, h, w)


class UNet(nn.Module):
    def __init__(s, base=32, temb=128):
        super().__init__()
        s.temb0, s.temb1 = nn.Linear(64, temb), nn.Linear(temb, temb)
        s.inp = nn.Conv2d(3, base, 3, 1, 1)
        s.d1, s.down1 = Res(base, base), nn.Conv2d(base, 2 * base, 3, 2, 1)
        s.d2, s.down2 = Res(2 * base, 2 * base), nn.Conv2d(2 * base, 2 * base, 3, 2, 1)
        s.m1, s.attn, s.m2 = Res(2 * base, 2 * base), Attn(2 * base), Res(2 * base, 2 * base)
        s.u2, s.u1 = Res(4 * base, 2 * base), Res(3 * base, base)
        s.outn, s.out = nn.GroupNorm(8, base), nn.Conv2d(base, 3, 3, 1, 1)

    def forward(s, x, tfeat):
        e = s.temb1(F.silu(s.temb0(tfeat)))
        h1 = s.d1(s.inp(x), e)
        h2 = s.d2(s.down1(h1), e)
        m = s.m2(s.attn(s.m1(s.down2(h2), e)), e)
        u = s.u2(torch.cat([F.interpolate(m, scale_factor=2, mode='nearest'), h2], 1), e)
        u = s.u1(torch.cat([F.interpolate(u, scale_factor=2, mode='nearest'), h1], 1), e)
        return s.out(F.silu(s.outn(u)))


def timestep_features(ts, dim=64):
    half = dim // 2
    k = torch.arange(half, dtype=torch.float32)
    f = torch.exp(-math.log(10000) * k / half)[None, :] * torch.tensor(ts, dtype=torch.float32)[:, None]
    return torch.cat([torch.sin(f), torch.cos(f)], 1)


def bench(name, model, inputs, target, steps, device):
    model, inputs, target = model.to(device), tuple(i.to(device) for i in inputs), target.to(device)
    opt = torch.optim.Adam(model.parameters(), lr=1e-4)

    def step():
        opt.zero_grad(set_to_none=True)
        loss = F.mse_loss(model(*inputs), target)
        loss.backward()
        opt.step()
        return loss.item()

    loss0 = step()
    ts = []
    for _ in range(steps):
        t = time.perf_counter(); last = step(); ts.append((time.perf_counter() - t) * 1e3)
    with torch.no_grad():
        model(*inputs)
        fs = []
        for _ in range(steps):
            t = time.perf_counter(); model(*inputs).sum().item(); fs.append((time.perf_counter() - t) * 1e3)
    return dict(backend='pytorch', workload=name, trainMs=statistics.median(ts), fwdMs=statistics.median(fs),
                loss0=loss0, lossLast=last, steps=steps, torch=torch.__version__, threads=torch.get_num_threads(),
                device=str(device), gpu=torch.cuda.get_device_name(device) if device.type == 'cuda' else None)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--workloads', default='ae,lstm,gru,unet')
    ap.add_argument('--steps', type=int, default=10)
    ap.add_argument('--ae-batch', type=int, default=32)
    ap.add_argument('--unet-batch', type=int, default=8)
    ap.add_argument('--device', default='cpu')
    ap.add_argument('--threads', type=int, default=1)
    a = ap.parse_args()
    device = torch.device(a.device)
    torch.set_num_threads(a.threads)
    g = torch.Generator().manual_seed(1)
    for w in a.workloads.split(','):
        if w.startswith('ae'):
            x = torch.rand(a.ae_batch, 3, 64, 64, generator=g).contiguous(memory_format=torch.channels_last)
            r = bench(w, AE().to(memory_format=torch.channels_last), (x,), x, a.steps, device)
        elif w in ('lstm', 'gru'):
            x = torch.rand(32, 8, 64, generator=g)
            r = bench(w, Seq(w), (x,), x, a.steps, device)
        elif w == 'unet':
            n = a.unet_batch
            x = torch.randn(n, 3, 32, 32, generator=g)
            noise = torch.randn(n, 3, 32, 32, generator=g)
            r = bench(w, UNet(), (x, timestep_features([10.0 * i for i in range(n)])), noise, a.steps, device)
        else:
            raise SystemExit(f'unknown workload {w}')
        r['batch'] = a.ae_batch if w.startswith('ae') else a.unet_batch if w == 'unet' else 32
        print(json.dumps(r), flush=True)


if __name__ == '__main__':
    main()
