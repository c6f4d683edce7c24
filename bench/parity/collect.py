"""Gathers the parity reports into bench/parity/results.json and prints the README's table rows.

    python3 bench/parity/collect.py STEP_DIR DSVAE_DIR BETAVAE_DIR
STEP_DIR holds betavae/ and dsvae/ (each with the parity.json of its *-step.py); DSVAE_DIR the
twin-seedS.json / untangle-seedS.json of dsvae-side-by-side.sh; BETAVAE_DIR the
upstream-seedS.json / untangle-seedS.json of betavae-side-by-side.sh.
"""
import glob
import json
import os
import re
import sys

step_dir, sbs_dir, bvae_dir = sys.argv[1], sys.argv[2], sys.argv[3]
res = {"one_step": {}, "dsvae_sprites_cpu_preset": {"pytorch_twin": {}, "untangle": {}},
       "betavae_dsprites_300_steps": {"upstream": {}, "untangle": {}}}
for name in ("betavae", "dsvae"):
    p = os.path.join(step_dir, name, "parity.json")
    if os.path.exists(p):
        r = json.load(open(p))
        cases = r.get("cases", [r])
        res["one_step"][name] = [{k: c[k] for k in ("check", "loss_untangle", "loss_upstream", "loss_rel_err", "worst_grad", "tensors", "pass")} for c in cases]
for f in sorted(glob.glob(os.path.join(sbs_dir, "*-seed*.json"))):
    m = re.match(r"(twin|untangle)-seed(\d+)\.json", os.path.basename(f))
    if not m:
        continue
    r = json.load(open(f))
    side = "pytorch_twin" if m.group(1) == "twin" else "untangle"
    entry = {"trained": r["trained"]}
    if "untrained" in r:
        entry["untrained"] = r["untrained"]
        entry["wall_s"] = r["wall_s"]
        entry["final"] = r["curve"][-1]
    res["dsvae_sprites_cpu_preset"][side][m.group(2)] = entry
for f in sorted(glob.glob(os.path.join(bvae_dir, "*-seed*.json"))):
    m = re.match(r"(upstream|untangle)-seed(\d+)\.json", os.path.basename(f))
    if not m:
        continue
    r = json.load(open(f))
    entry = {k: r[k] for k in ("trained", "untrained", "wall_s") if k in r}
    if "curve" in r:
        entry["final"] = r["curve"][-1]
    res["betavae_dsprites_300_steps"][m.group(1)][m.group(2)] = entry
out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "results.json")
json.dump(res, open(out, "w"), indent=2)
for side, seeds in res["dsvae_sprites_cpu_preset"].items():
    for s, e in sorted(seeds.items()):
        t = e["trained"]
        print(f"| {side} | {s} | {t['swap_static/mean']:.3f} | " + " / ".join(f"{t['swap_static/' + k]:.2f}" for k in ("skin", "top", "pants", "hair"))
              + f" | {t['recon_colour/mean']:.3f} | {t['probe_static/mean']:.3f} |")
for side, seeds in res["betavae_dsprites_300_steps"].items():
    for s, e in sorted(seeds.items()):
        print(f"| {side} | {s} | {e['trained']['mig']:.4f} | " + " / ".join(f"{v:.3f}" for v in e["trained"]["mig_per_factor"])
              + (f" | {e['untrained']['mig']:.4f}" if "untrained" in e else " | ") + " |")
print("wrote", out)
