"""V3's own code trained at untangle's CPU scale, for the side-by-side (bench/v3/side-by-side.sh).

The upstream's model (model/modules/phonenums.py Encoder/Decoder in model/autoencoder.py's CSAE,
with vector_quantize_pytorch's EMA codebook) and loss (model/v3_loss.py V3Loss), optimised as its
trainer.py does (AdamW, zero_grad/backward/step, LambdaLR max(floor, gamma^(epoch/every)) per
epoch), on the pages untangle's trainer sees, in the order it sees them (export-data.ts'
x.npy + order-seedS.npy). After training the test pages are encoded in eval mode, as tester.py
does (emb_c before quantisation, each fragment's emb_s, the atom index), and written to an npz
that bench/v3/score-codes.ts scores with untangle's own metric code.

  python3 bench/v3/upstream-train.py --upstream DIR --data TRAIN_DIR --test TEST_DIR --seed S \
      --steps N --out CODES.npz [--n-channels 32 --d-emb 32 --threshold 4 --lr 1e-3 ...]
"""
import argparse, json, os, sys, time
import numpy as np
import torch

ap = argparse.ArgumentParser()
ap.add_argument('--upstream', required=True)
ap.add_argument('--data', required=True)
ap.add_argument('--test', required=True)
ap.add_argument('--seed', type=int, default=0)
ap.add_argument('--steps', type=int, default=800)
ap.add_argument('--out', required=True)
ap.add_argument('--n-channels', type=int, default=32)
ap.add_argument('--d-emb', type=int, default=32)
ap.add_argument('--n-atoms', type=int, default=10)
ap.add_argument('--threshold', type=float, default=4)
ap.add_argument('--decay', type=float, default=0.98)
ap.add_argument('--relativity', type=float, default=15)
ap.add_argument('--v3-weight', type=float, default=1.0, help='weight of the four hinges (0: the control)')
ap.add_argument('--lr', type=float, default=1e-3)
ap.add_argument('--weight-decay', type=float, default=0.1)
ap.add_argument('--steps-per-epoch', type=int, default=250)
ap.add_argument('--eval-batch', type=int, default=20)
args = ap.parse_args()

torch.set_num_threads(1)
sys.path.insert(0, args.upstream)
from model.autoencoder import CSAE  # noqa: E402
from model.modules.phonenums import Encoder, Decoder  # noqa: E402
from model.v3_loss import V3Loss  # noqa: E402


def pages(d):
    """export-data.ts' uint8 palette codes → float32 [N, n, 3, 48, 32] (the upstream's NCHW fragments)."""
    x = np.load(os.path.join(d, 'x.npy'))
    pal = np.load(os.path.join(d, 'palette.npy')).astype(np.float32)
    return torch.from_numpy(np.ascontiguousarray(pal[x].transpose(0, 1, 4, 2, 3)))


torch.manual_seed(args.seed)
np.random.seed(args.seed)
train = pages(args.data)
order = np.load(os.path.join(args.data, f'order-seed{args.seed}.npy'))
n_frag = train.shape[1]
config = {
    'n_channels': args.n_channels, 'n_fragments': n_frag, 'fragment_len': train.shape[4], 'n_feature': train.shape[3],
    'd_emb_c': args.d_emb, 'd_emb_s': args.d_emb, 'n_atoms': args.n_atoms,
    'threshold_ema_dead_code': args.threshold, 'vq_ema_decay': args.decay,
}
model = CSAE(config, Encoder, Decoder)
w = args.v3_weight
loss_fn = V3Loss({'weights': {'recon_loss': 1, 'content_loss': w, 'style_loss': w, 'sample_loss': w, 'fragment_loss': w, 'commit_loss': 0.1},
                  'relativity': args.relativity})
opt = torch.optim.AdamW(model.parameters(), lr=args.lr, betas=(0.9, 0.999), weight_decay=args.weight_decay)
# The upstream steps its LambdaLR once per epoch; untangle's config gives the same factor continuously.
sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda step: max(0.02, 0.98 ** (step / args.steps_per_epoch / 20)))

t0 = time.time()
model.train()
log = []
for step in range(args.steps):
    x = train[torch.from_numpy(order[step].astype(np.int64))]
    out, z_c, z_c_vq, _, commit, z_s = model(x)
    losses = loss_fn.compute_loss(out, z_c, z_c_vq, commit, z_s, x)
    opt.zero_grad(set_to_none=True)
    losses['total_loss'].backward()
    opt.step()
    sched.step()
    if step % 100 == 0 or step == args.steps - 1:
        row = {k: float(v.detach()) for k, v in losses.items()}
        log.append({'step': step, **row})
        print(json.dumps({'step': step, 'loss': row['total_loss'], 'recon': row['recon_loss'], 'it_s': (step + 1) / (time.time() - t0)}), flush=True)
train_s = time.time() - t0

test = pages(args.test)
model.eval()
cs, ss, atoms = [], [], []
with torch.no_grad():
    for i in range(0, test.shape[0], args.eval_batch):
        c, s = model.encode(test[i:i + args.eval_batch])
        _, idx, _ = model.quantize(c, freeze_codebook=True)
        cs.append(c.numpy()); ss.append(s.numpy()); atoms.append(idx.numpy().astype(np.int32))
codebook = model.vq.codebook.detach().numpy().reshape(-1, args.d_emb)
np.savez(args.out, content=np.concatenate(cs), style=np.concatenate(ss), atoms=np.concatenate(atoms), codebook=codebook)
with open(args.out + '.json', 'w') as f:
    json.dump({'seed': args.seed, 'steps': args.steps, 'train_s': train_s, 'config': config, 'args': vars(args), 'log': log,
               'params': sum(p.numel() for p in model.parameters())}, f, indent=1)
print(json.dumps({'out': args.out, 'train_s': train_s, 'params': sum(p.numel() for p in model.parameters())}))
