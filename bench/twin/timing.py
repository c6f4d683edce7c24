"""Shared timing for the PyTorch twins of bench/diffsda and bench/v3: a step function timed over
N steps after a warm-up, printed as one JSON line with the same fields as
bench/twin/untangle-worker.ts (side, params, trainMs, stepsMs, loss0, lossLast, ...).

The driver (bench/twin/driver.ts) sets OPENBLAS_CORETYPE=SkylakeX and one BLAS/OpenMP thread
before this process starts; threads() pins torch to one intra-op thread, as the libtorch backend.
"""
import argparse, json, statistics, time
import torch


def threads():
    torch.set_num_threads(1)
    torch.set_num_interop_threads(1)


def args(extra=None):
    ap = argparse.ArgumentParser()
    ap.add_argument('--steps', type=int, default=10)
    ap.add_argument('--warmup', type=int, default=2)
    ap.add_argument('--profile', action='store_true', help='print torch.profiler op totals of one step on stderr instead of timing')
    for a, kw in (extra or {}).items():
        ap.add_argument(a, **kw)
    return ap.parse_args()


def count_params(model):
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def run(step, model, a, **info):
    """Warm up, then time `a.steps` calls of `step()` (which returns the loss as a float)."""
    t0 = time.perf_counter()
    loss0 = step()
    for _ in range(a.warmup - 1):
        step()
    warm = (time.perf_counter() - t0) * 1e3
    if a.profile:
        import sys
        from torch.profiler import profile, ProfilerActivity
        with profile(activities=[ProfilerActivity.CPU]) as prof:
            step()
        print(prof.key_averages().table(sort_by='self_cpu_time_total', row_limit=30), file=sys.stderr)
        return
    ts, last = [], loss0
    for _ in range(a.steps):
        t = time.perf_counter()
        last = step()
        ts.append((time.perf_counter() - t) * 1e3)
    print(json.dumps(dict(side='pytorch', backend='pytorch', torch=torch.__version__, threads=torch.get_num_threads(),
                          params=count_params(model), steps=a.steps, warmup=a.warmup, warmupMs=warm,
                          trainMs=statistics.median(ts), stepsMs=[round(t, 2) for t in ts], loss0=loss0, lossLast=last, **info)),
          flush=True)


def trainer_step(model, loss_fn, c, after=None):
    """One step as untangle's trainer takes it: zero grads, loss, backward, clip_grad_norm_ when
    the config sets `grad_clip`, AdamW with the config's params, then `after()` (a codebook update)."""
    o = c['optimizer']
    opt = torch.optim.AdamW(model.parameters(), lr=o['lr'], weight_decay=o['weight_decay'], betas=tuple(o['betas']), eps=o['eps'])

    def step():
        opt.zero_grad(set_to_none=True)
        loss = loss_fn()
        loss.backward()
        if c['grad_clip']:
            torch.nn.utils.clip_grad_norm_(model.parameters(), c['grad_clip'])
        opt.step()
        if after is not None:
            after()
        return loss.item()

    return step
