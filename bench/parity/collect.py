"""Gathers the parity reports into bench/parity/results.json and prints the README's table rows.

    python3 bench/parity/collect.py [--steps DIR] [--dsvae DIR] [--betavae DIR] [--betavae-curve STEPS=DIR ...]
                                    [--disdiff DIR] [--disdiff-curve STEPS=DIR ...]

Each option merges what its folder holds (per seed) into its section of the existing results.json
and leaves the rest as it is (the runs behind a section need not be on this machine any more):
  --steps DIR          betavae/, dsvae/, disdiff/, each with the parity.json of its *-step.py
  --dsvae DIR          twin-seedS.json / untangle-seedS.json of dsvae-side-by-side.sh
  --betavae DIR        upstream-seedS.json / untangle-seedS.json of betavae-side-by-side.sh (300 steps)
  --betavae-curve N=DIR  the same for a run of N steps (the scaling curve; repeat per budget)
  --dsvae-curve DIR    twin-seedS.json (its probe_at budgets) / untangle-seedS-N.json of dsvae-curve.sh
  --disdiff DIR        disdiff-side-by-side.sh's folder (400 steps): score-{untangle,twin,floor,replay}-seedS.json,
                       twin-seedS.json / replay-seedS.json (curve, wall), untangle-run-seedS.txt (the run: its logged curve)
  --disdiff-curve N=DIR  the same for a run of N steps (DisDiff's scaling curve)
"""
import glob
import json
import os
import re
import sys

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "results.json")
STEP_KEYS = ("check", "loss_untangle", "loss_upstream", "loss_rel_err", "worst_grad", "tensors", "pass")


def side_by_side(d, sides):
    """{side: {seed: entry}} from DIR/<side>-seedS.json, sides = {file prefix: section name}."""
    got = {v: {} for v in sides.values()}
    for f in sorted(glob.glob(os.path.join(d, "*-seed*.json"))):
        m = re.match(r"(\w+)-seed(\d+)\.json", os.path.basename(f))
        if not m or m.group(1) not in sides:
            continue
        r = json.load(open(f))
        entry = {k: r[k] for k in ("trained", "untrained", "wall_s") if k in r}
        if "curve" in r:
            entry["final"] = r["curve"][-1]
        got[sides[m.group(1)]][m.group(2)] = entry
    return got


def dsvae_curve(d):
    """{steps: {side: {seed: entry}}} from dsvae-curve.sh: the twin's one long run probed at each
    budget (its last budget is `trained`), untangle's fork per budget."""
    got = {}
    for f in sorted(glob.glob(os.path.join(d, "twin-seed*.json"))):
        seed = re.search(r"seed(\d+)", f).group(1)
        r = json.load(open(f))
        for n, t in {**r.get("probe_at", {}), str(r["steps"]): r["trained"]}.items():
            e = {"trained": t, "untrained": r["untrained"]}
            if n == str(r["steps"]):
                e.update(final=r["curve"][-1], wall_s=r["wall_s"])
            got.setdefault(n, {}).setdefault("pytorch_twin", {})[seed] = e
    # A twin run stopped before its last budget leaves no JSON; its probes are in its log. Its
    # untrained floor is the CPU-preset section's for that seed (same weights, same probe).
    preset = json.load(open(OUT)).get("dsvae_sprites_cpu_preset", {}).get("pytorch_twin", {}) if os.path.exists(OUT) else {}
    for f in sorted(glob.glob(os.path.join(d, "twin-seed*.log"))):
        seed = re.search(r"seed(\d+)", f).group(1)
        if os.path.exists(f[:-4] + ".json"):
            continue
        for line in open(f):
            if line.startswith('{"probe_at"'):
                t = json.loads(line)
                e = {"trained": {k: v for k, v in t.items() if k != "probe_at"}, "stopped_run": True}
                if seed in preset:
                    e["untrained"] = preset[seed]["untrained"]
                got.setdefault(str(t["probe_at"]), {}).setdefault("pytorch_twin", {})[seed] = e
    for f in sorted(glob.glob(os.path.join(d, "untangle-seed*-*.json"))):
        seed, n = re.search(r"seed(\d+)-(\d+)\.json", f).groups()
        got.setdefault(n, {}).setdefault("untangle", {})[seed] = {"trained": json.load(open(f))["trained"]}
    return got


def disdiff_scores(path):
    """The three numbers the README reports, beside the evaluator's full output."""
    sc = json.load(open(path))["scores"]
    return {"factor_vae": sc["factor_vae"]["eval_accuracy"], "dci": sc["dci"]["disentanglement"], "mig": sc["mig"]["discrete_mig"], "all": sc}


def last_logged(run_dir, key, windows=1):
    """untangle's last logged window mean of train/KEY (lines: timestamp value step), or the mean of the last few."""
    f = os.path.join(run_dir, "metrics", "train", key)
    if not os.path.exists(f):
        return None
    vals = [float(line.split()[1]) for line in open(f).read().strip().split("\n")]
    return sum(vals[-windows:]) / len(vals[-windows:])


def disdiff(d):
    """{twin, untangle, untrained}: {seed: entry} from a disdiff-side-by-side.sh folder."""
    got = {"twin": {}, "untangle": {}, "untrained": {}, "replay": {}}
    for f in sorted(glob.glob(os.path.join(d, "score-*-seed*.json"))):
        side, seed = re.match(r"score-(\w+)-seed(\d+)\.json", os.path.basename(f)).groups()
        entry = {"trained" if side != "floor" else "scores": disdiff_scores(f)}
        if side in ("twin", "replay"):
            r = json.load(open(os.path.join(d, f"{side}-seed{seed}.json")))
            entry.update(wall_s=r["wall_s"], steps=r["steps"], final=r["curve"][-1],
                         gain_last100=sum(c["simple_gain"] for c in r["curve"][-4:]) / 4)   # 4 windows of 25 steps
        elif side == "untangle":
            run = open(os.path.join(d, f"untangle-run-seed{seed}.txt")).read().strip()
            fin = {k: last_logged(run, k) for k in ("loss", "loss_simple", "loss_simple_frozen", "simple_gain", "loss_dis")}
            fin["dis"] = fin["loss"] - fin["loss_simple"]       # dis_weight · loss_dis, as the twin's "dis"
            wall = os.path.join(d, f"untangle-wall-seed{seed}.txt")
            entry.update(run=os.path.basename(run), final=fin, gain_last100=last_logged(run, "simple_gain", 4), wall_s=float(open(wall).read()) if os.path.exists(wall) else None)
        got[{"floor": "untrained"}.get(side, side)][seed] = entry
    return {k: v for k, v in got.items() if v}


def merge(section, got):
    """Seeds found now replace the same seeds; seeds run earlier (elsewhere) stay."""
    for side, seeds in got.items():
        section.setdefault(side, {}).update(seeds)


def main(argv):
    res = json.load(open(OUT)) if os.path.exists(OUT) else {}
    i = 0
    while i < len(argv):
        opt, val = argv[i], argv[i + 1]
        i += 2
        if opt == "--steps":
            for name in ("betavae", "dsvae", "disdiff"):
                p = os.path.join(val, name, "parity.json")
                if os.path.exists(p):
                    r = json.load(open(p))
                    res.setdefault("one_step", {})[name] = [{k: c[k] for k in STEP_KEYS} for c in r.get("cases", [r])]
        elif opt == "--dsvae":
            merge(res.setdefault("dsvae_sprites_cpu_preset", {}), side_by_side(val, {"twin": "pytorch_twin", "untangle": "untangle"}))
        elif opt == "--betavae":
            merge(res.setdefault("betavae_dsprites_300_steps", {}), side_by_side(val, {"upstream": "upstream", "untangle": "untangle"}))
        elif opt == "--betavae-curve":
            n, d = val.split("=", 1)
            merge(res.setdefault("betavae_dsprites_scaling", {}).setdefault(n, {}), side_by_side(d, {"upstream": "upstream", "untangle": "untangle"}))
        elif opt == "--dsvae-curve":
            sec = res.setdefault("dsvae_sprites_scaling", {})
            for n, sides in dsvae_curve(val).items():
                merge(sec.setdefault(n, {}), sides)
        elif opt == "--disdiff":
            merge(res.setdefault("disdiff_shapes3d_cpu_preset", {}), disdiff(val))
        elif opt == "--disdiff-curve":
            n, d = val.split("=", 1)
            merge(res.setdefault("disdiff_shapes3d_scaling", {}).setdefault(n, {}), disdiff(d))
        else:
            sys.exit(__doc__)
    json.dump(res, open(OUT, "w"), indent=2)
    for side, seeds in res.get("dsvae_sprites_cpu_preset", {}).items():
        for s, e in sorted(seeds.items()):
            t = e["trained"]
            print(f"| {side} | {s} | {t['swap_static/mean']:.3f} | " + " / ".join(f"{t['swap_static/' + k]:.2f}" for k in ("skin", "top", "pants", "hair"))
                  + f" | {t['recon_colour/mean']:.3f} | {t['probe_static/mean']:.3f} |")
    for side, seeds in res.get("betavae_dsprites_300_steps", {}).items():
        for s, e in sorted(seeds.items()):
            print(f"| {side} | {s} | {e['trained']['mig']:.4f} | " + " / ".join(f"{v:.3f}" for v in e["trained"]["mig_per_factor"])
                  + (f" | {e['untrained']['mig']:.4f}" if "untrained" in e else " | ") + " |")
    for n, sides in sorted(res.get("betavae_dsprites_scaling", {}).items(), key=lambda kv: int(kv[0])):
        for side, seeds in sides.items():
            for s, e in sorted(seeds.items()):
                fin = e.get("final", {})
                print(f"| {n} | {side} | {s} | {e['trained']['mig']:.4f} | " + " / ".join(f"{v:.3f}" for v in e["trained"]["mig_per_factor"])
                      + (f" | {e['untrained']['mig']:.4f}" if "untrained" in e else " | ")
                      + (f" | {fin['loss']:.1f}, {fin['kl']:.2f}" if fin else " | ") + " |")
    for n, sides in sorted(res.get("dsvae_sprites_scaling", {}).items(), key=lambda kv: int(kv[0])):
        for side, seeds in sides.items():
            for s, e in sorted(seeds.items()):
                t = e["trained"]
                print(f"| {n} | {side} | {s} | {t['swap_static/mean']:.3f} | " + " / ".join(f"{t['swap_static/' + k]:.2f}" for k in ("skin", "top", "pants", "hair"))
                      + f" | {t['recon_colour/mean']:.3f} | {t['probe_static/mean']:.3f} |")
    for name, sec in [("400", res.get("disdiff_shapes3d_cpu_preset", {}))] + sorted(res.get("disdiff_shapes3d_scaling", {}).items(), key=lambda kv: int(kv[0])):
        for side in ("untrained", "twin", "replay", "untangle"):
            for s, e in sorted(sec.get(side, {}).items()):
                t = e.get("trained", e.get("scores"))
                fin = e.get("final")
                print(f"| {name} | {side} | {s} | {t['factor_vae']:.3f} | {t['dci']:.4f} | {t['mig']:.4f} | "
                      + (f"{fin['loss']:.4f}, {fin['loss_simple']:.4f}, {fin['simple_gain']:+.4f}, {fin['dis']:.5f} | {e['gain_last100']:+.4f}" if fin else " |")
                      + (f" | {e['wall_s']:.0f} s |" if e.get("wall_s") else " | |"))
    print("wrote", OUT)


if __name__ == "__main__":
    main(sys.argv[1:])
