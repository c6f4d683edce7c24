// Fused kernels: one native call (and one pass over memory) where tfjs would dispatch many small
// kernels. Each has a composite in plain tfjs ops that other backends run (framework/backends/fused.ts
// dispatches); the element formulas here follow those composites operation by operation, so the two
// agree to float32 rounding. On the CPU the loops are plain C++ over contiguous float32 data, split
// over at::parallel_for (elementwise, so the result does not depend on the thread count). Tensors
// on another device (CUDA) take the same formulas written as ATen tensor expressions, which run
// on the tensors' device; UNTANGLE_LIBTORCH_GENERIC=1 forces that path on the CPU for testing.
#include "common.h"
#include <ATen/Parallel.h>
#include <cmath>

namespace ut {

static constexpr int64_t kGrain = 32768;

at::Tensor f32(const at::Tensor& t) {
  if (t.scalar_type() != at::kFloat) throw std::runtime_error("fused kernels take float32 tensors");
  return t.contiguous();
}
static void sameNumel(const at::Tensor& a, const at::Tensor& b, const char* what) {
  if (a.numel() != b.numel()) throw std::runtime_error(std::string(what) + ": operands differ in size");
}

// adamStep(p, g, m, v, lrOverBc1, beta1, beta2, eps, sqrtBc2, l2, pScale) -> [p', m', v']
// PyTorch's Adam arithmetic, as components/optim/adam_step.ts composes it:
//   g += l2*p (coupled decay);  p *= pScale (decoupled decay, AdamW)
//   m' = m*b1 + g*(1-b1);  v' = v*b2 + g^2*(1-b2);  p' = p - (m' / (sqrt(v')/sqrt(bc2) + eps)) * lr/bc1
struct AdamConsts {
  float lrc, b1, b2, eps, sb2, l2, pScale, c1, c2;
  // Attributes from argument k on: lrOverBc1, beta1, beta2, eps, sqrtBc2, l2, pScale.
  AdamConsts(const Args& a, size_t k)
      : lrc((float)a.d(k)), b1((float)a.d(k + 1)), b2((float)a.d(k + 2)), eps((float)a.d(k + 3)), sb2((float)a.d(k + 4)),
        l2((float)a.d(k + 5)), pScale((float)a.d(k + 6)),
        // 1 - beta in double, rounded once, as the composite's scalar (1 - beta1) is.
        c1((float)(1.0 - a.d(k + 1))), c2((float)(1.0 - a.d(k + 2))) {}
};

static std::vector<at::Tensor> adamOne(const at::Tensor& p0, const at::Tensor& g0, const at::Tensor& m0, const at::Tensor& v0, const AdamConsts& k) {
  at::Tensor p = f32(p0), g = f32(g0), m = f32(m0), v = f32(v0);
  sameNumel(p, g, "adamStep"); sameNumel(p, m, "adamStep"); sameNumel(p, v, "adamStep");
  if (!cpuLoops(p)) {
    at::Tensor gi = k.l2 != 0.0f ? g + p * k.l2 : g;
    at::Tensor pi = k.pScale != 1.0f ? p * k.pScale : p;
    at::Tensor mi = m * k.b1 + gi * k.c1;
    at::Tensor vi = v * k.b2 + (gi * gi) * k.c2;
    at::Tensor po = pi - (mi / (at::sqrt(vi) / k.sb2 + k.eps)) * k.lrc;
    return {po, mi, vi};
  }
  at::Tensor po = at::empty_like(p), mo = at::empty_like(m), vo = at::empty_like(v);
  // __restrict__ and -fno-math-errno (binding.gyp) let the compiler vectorise sqrt and divide.
  const float* __restrict__ pp = p.data_ptr<float>();
  const float* __restrict__ gp = g.data_ptr<float>();
  const float* __restrict__ mp = m.data_ptr<float>();
  const float* __restrict__ vp = v.data_ptr<float>();
  float* __restrict__ pop = po.data_ptr<float>();
  float* __restrict__ mop = mo.data_ptr<float>();
  float* __restrict__ vop = vo.data_ptr<float>();
  const float lrc = k.lrc, b1 = k.b1, b2 = k.b2, eps = k.eps, sb2 = k.sb2, l2 = k.l2, pScale = k.pScale, c1 = k.c1, c2 = k.c2;
  at::parallel_for(0, p.numel(), kGrain, [&](int64_t s, int64_t e) {
    for (int64_t i = s; i < e; i++) {
      float pi = pp[i], gi = gp[i];
      if (l2 != 0.0f) gi = gi + pi * l2;
      if (pScale != 1.0f) pi = pi * pScale;
      float mi = mp[i] * b1 + gi * c1;
      float vi = vp[i] * b2 + (gi * gi) * c2;
      float denom = std::sqrt(vi) / sb2 + eps;
      pop[i] = pi - (mi / denom) * lrc;
      mop[i] = mi;
      vop[i] = vi;
    }
  });
  return {po, mo, vo};
}

UT_FN(AdamStep) {
  UT_TRY
  Args a(env, info, 11);
  return retMany(env, adamOne(a.t(0), a.t(1), a.t(2), a.t(3), AdamConsts(a, 4)));
  UT_CATCH
}

// adamStepAll([p], [g], [m], [v], lrOverBc1, ...) -> [p'_0.., m'_0.., v'_0..]: adamStep over every
// parameter of an optimiser step in one call (one tfjs kernel instead of one per parameter).
UT_FN(AdamStepAll) {
  UT_TRY
  Args a(env, info, 11);
  std::vector<at::Tensor> ps = a.tensors(0), gs = a.tensors(1), ms = a.tensors(2), vs = a.tensors(3);
  if (gs.size() != ps.size() || ms.size() != ps.size() || vs.size() != ps.size()) throw std::runtime_error("adamStepAll: lists differ in length");
  AdamConsts k(a, 4);
  const size_t n = ps.size();
  std::vector<at::Tensor> out(3 * n);
  for (size_t i = 0; i < n; i++) {
    auto r = adamOne(ps[i], gs[i], ms[i], vs[i], k);
    out[i] = r[0]; out[n + i] = r[1]; out[2 * n + i] = r[2];
  }
  return retMany(env, out);
  UT_CATCH
}

// reluGrad(dy, x) -> dy * step(x): tfjs' Relu gradient in one pass (step(NaN) is NaN, so NaN
// activations still poison the gradient as they do on the cpu backend).
UT_FN(ReluGrad) {
  UT_TRY
  Args a(env, info, 2);
  at::Tensor dy = f32(a.t(0)), x = f32(a.t(1));
  sameNumel(dy, x, "reluGrad");
  if (!cpuLoops(x)) {
    at::Tensor st = at::where(x > 0, at::ones_like(x), at::where(at::isnan(x), x, at::zeros_like(x)));
    return ret(env, dy * st);
  }
  at::Tensor out = at::empty_like(x);
  const float* __restrict__ dp = dy.data_ptr<float>();
  const float* __restrict__ xp = x.data_ptr<float>();
  float* __restrict__ op = out.data_ptr<float>();
  at::parallel_for(0, x.numel(), kGrain, [&](int64_t s, int64_t e) {
    for (int64_t i = s; i < e; i++) {
      float xi = xp[i];
      float st = xi > 0.0f ? 1.0f : (xi != xi ? xi : 0.0f);
      op[i] = dp[i] * st;
    }
  });
  return ret(env, out);
  UT_CATCH
}

// Channels-last [B, ..., C] viewed as the channels_last NCHW tensor [B, C, L, 1] ATen's group norm
// reads without a copy.
static at::Tensor asNCL1(const at::Tensor& x) {
  int64_t B = x.size(0), C = x.size(x.dim() - 1);
  return x.contiguous().reshape({B, -1, 1, C}).permute({0, 3, 1, 2});
}
static at::Tensor fromNCL1(const at::Tensor& y, at::IntArrayRef shape) {
  return y.permute({0, 2, 3, 1}).contiguous().reshape(shape);
}

// groupNorm(x [B,...,C], gamma [C], beta [C], groups, eps) -> [y, mean [B,G], rstd [B,G]]
UT_FN(GroupNorm) {
  UT_TRY
  Args a(env, info, 5);
  at::Tensor x = f32(a.t(0));
  int64_t G = a.i(3);
  // [N, C] rows in one group (a LayerNorm over the last axis): ATen's layer norm kernel is made
  // for exactly this and is ~2x faster than group norm's with one position per sample.
  if (x.dim() == 2 && G == 1) {
    auto r = at::native_layer_norm(x, {x.size(1)}, f32(a.t(1)), f32(a.t(2)), a.d(4));
    return retMany(env, {std::get<0>(r), std::get<1>(r).reshape({x.size(0), 1}), std::get<2>(r).reshape({x.size(0), 1})});
  }
  at::Tensor xn = asNCL1(x);
  int64_t B = xn.size(0), C = xn.size(1), L = xn.size(2);
  auto r = at::native_group_norm(xn, f32(a.t(1)), f32(a.t(2)), B, C, L, G, a.d(4));
  return retMany(env, {fromNCL1(std::get<0>(r), x.sizes()), std::get<1>(r), std::get<2>(r)});
  UT_CATCH
}

// groupNormGrad(dy, x, mean, rstd, gamma, groups) -> [dx, dgamma, dbeta]
UT_FN(GroupNormGrad) {
  UT_TRY
  Args a(env, info, 6);
  at::Tensor x = f32(a.t(1));
  if (x.dim() == 2 && a.i(5) == 1) {
    // The layer-norm case of GroupNorm above. gamma stands in for beta, whose values the
    // backward never reads (it only sizes dbeta).
    at::Tensor gamma = f32(a.t(4));
    auto r = at::native_layer_norm_backward(f32(a.t(0)), x, {x.size(1)}, f32(a.t(2)), f32(a.t(3)), gamma, gamma, {true, true, true});
    return retMany(env, {std::get<0>(r), std::get<1>(r), std::get<2>(r)});
  }
  at::Tensor xn = asNCL1(x), dyn = asNCL1(f32(a.t(0)));
  int64_t B = xn.size(0), C = xn.size(1), L = xn.size(2);
  auto r = at::native_group_norm_backward(dyn, xn, f32(a.t(2)), f32(a.t(3)), f32(a.t(4)), B, C, L, a.i(5),
                                          {true, true, true});
  return retMany(env, {fromNCL1(std::get<0>(r), x.sizes()), std::get<1>(r), std::get<2>(r)});
  UT_CATCH
}

// The recurrent cells evaluate their sigmoids and tanhs with ATen's vectorised kernels over whole
// gate blocks and keep the activated gates, which the gradients take back, so the backward passes
// are plain arithmetic loops. The step helpers serve both the single-cell kernels and the
// whole-sequence kernels.

// One LSTM step: act <- (sigmoid(i), sigmoid(f), tanh(g), sigmoid(o)) of gates [B,4H];
// cNext <- f*c + i*g; hOut <- o*tanh(cNext). act, cNext and hOut are preallocated (may be views).
static void lstmStep(const at::Tensor& gates, const at::Tensor& c, at::Tensor& act, at::Tensor& cNext, at::Tensor& hOut, int64_t H) {
  at::sigmoid_out(act, gates);
  at::Tensor gb = act.narrow(1, 2 * H, H);
  at::tanh_out(gb, gates.narrow(1, 2 * H, H));
  at::mul_out(cNext, act.narrow(1, H, H), c);
  cNext.addcmul_(act.narrow(1, 0, H), gb);
  at::mul_out(hOut, act.narrow(1, 3 * H, H), at::tanh(cNext));
}

// One LSTM step backward over contiguous [B,*] rows: dg <- dgates; dc (in: dL/dc', out: dL/dc).
static void lstmStepGrad(int64_t B, int64_t H, const float* act, const float* c, const float* tc, const float* dh, float* dc, float* dg) {
  for (int64_t b = 0; b < B; b++) {
    const float* ar = act + b * 4 * H;
    float* dgr = dg + b * 4 * H;
    for (int64_t j = 0; j < H; j++) {
      int64_t k = b * H + j;
      float ig = ar[j], fg = ar[H + j], gg = ar[2 * H + j], og = ar[3 * H + j], th = tc[k];
      float dcn = dc[k] + dh[k] * og * (1.0f - th * th);
      dgr[j] = dcn * gg * ig * (1.0f - ig);
      dgr[H + j] = dcn * c[k] * fg * (1.0f - fg);
      dgr[2 * H + j] = dcn * ig * (1.0f - gg * gg);
      dgr[3 * H + j] = dh[k] * th * og * (1.0f - og);
      dc[k] = dcn * fg;
    }
  }
}

// lstmStepGrad on tensors: the pointer loop on the CPU, the same formulas as ATen expressions
// elsewhere. dc is updated in place and dg ([B,4H], may be a view) is written.
static void lstmStepGradT(const at::Tensor& act, const at::Tensor& c, const at::Tensor& tc, const at::Tensor& dh, at::Tensor& dc, at::Tensor dg) {
  int64_t B = c.size(0), H = c.size(1);
  if (cpuLoops(act)) {
    lstmStepGrad(B, H, act.data_ptr<float>(), c.data_ptr<float>(), tc.data_ptr<float>(), dh.data_ptr<float>(), dc.data_ptr<float>(), dg.data_ptr<float>());
    return;
  }
  at::Tensor ig = act.narrow(1, 0, H), fg = act.narrow(1, H, H), gg = act.narrow(1, 2 * H, H), og = act.narrow(1, 3 * H, H);
  at::Tensor dcn = dc + dh * og * (1 - tc * tc);
  dg.narrow(1, 0, H).copy_(dcn * gg * ig * (1 - ig));
  dg.narrow(1, H, H).copy_(dcn * c * fg * (1 - fg));
  dg.narrow(1, 2 * H, H).copy_(dcn * ig * (1 - gg * gg));
  dg.narrow(1, 3 * H, H).copy_(dh * tc * og * (1 - og));
  dc.copy_(dcn * fg);
}

// One GRU step: act <- (r, z, n) with r = sigmoid(xr+hr), z = sigmoid(xz+hz), n = tanh(xn + r*hn);
// hOut <- n + z*(h - n). xt = x W_ih + b_ih and hp = h W_hh + b_hh, both [B,3H].
static void gruStep(const at::Tensor& xt, const at::Tensor& hp, const at::Tensor& h, at::Tensor& act, at::Tensor& hOut, int64_t H) {
  at::Tensor rz = act.narrow(1, 0, 2 * H), n = act.narrow(1, 2 * H, H);
  at::sigmoid_out(rz, xt.narrow(1, 0, 2 * H) + hp.narrow(1, 0, 2 * H));
  at::tanh_out(n, xt.narrow(1, 2 * H, H) + act.narrow(1, 0, H) * hp.narrow(1, 2 * H, H));
  hOut.copy_((h - n).mul_(act.narrow(1, H, H)).add_(n));
}

// One GRU step backward over contiguous rows: dx <- dL/dxt, dhp <- dL/dhp, dDirect <- dL/dh through
// the z*(h - n) path only (the caller adds dhp W_hh^T).
static void gruStepGrad(int64_t B, int64_t H, const float* act, const float* hp, const float* h, const float* dh,
                        float* dx, float* dhp, float* dDirect) {
  for (int64_t b = 0; b < B; b++) {
    const float *ar = act + b * 3 * H, *hr = hp + b * 3 * H;
    float *dxr = dx + b * 3 * H, *dhr = dhp + b * 3 * H;
    for (int64_t j = 0; j < H; j++) {
      int64_t k = b * H + j;
      float r = ar[j], z = ar[H + j], n = ar[2 * H + j], d = dh[k];
      float dn = d * (1.0f - z) * (1.0f - n * n);   // through tanh
      float dz = d * (h[k] - n) * z * (1.0f - z);
      float dr = dn * hr[2 * H + j] * r * (1.0f - r);
      dxr[j] = dr; dxr[H + j] = dz; dxr[2 * H + j] = dn;
      dhr[j] = dr; dhr[H + j] = dz; dhr[2 * H + j] = dn * r;
      dDirect[k] = d * z;
    }
  }
}

// gruStepGrad on tensors, as lstmStepGradT: dx, dhp ([B,3H], may be views) and dDirect are written.
static void gruStepGradT(const at::Tensor& act, const at::Tensor& hp, const at::Tensor& h, const at::Tensor& dh,
                         at::Tensor dx, at::Tensor dhp, at::Tensor& dDirect) {
  int64_t B = h.size(0), H = h.size(1);
  if (cpuLoops(act)) {
    gruStepGrad(B, H, act.data_ptr<float>(), hp.data_ptr<float>(), h.data_ptr<float>(), dh.data_ptr<float>(), dx.data_ptr<float>(),
                dhp.data_ptr<float>(), dDirect.data_ptr<float>());
    return;
  }
  at::Tensor r = act.narrow(1, 0, H), z = act.narrow(1, H, H), n = act.narrow(1, 2 * H, H);
  at::Tensor dn = dh * (1 - z) * (1 - n * n);
  at::Tensor dz = dh * (h - n) * z * (1 - z);
  at::Tensor dr = dn * hp.narrow(1, 2 * H, H) * r * (1 - r);
  dx.narrow(1, 0, H).copy_(dr); dx.narrow(1, H, H).copy_(dz); dx.narrow(1, 2 * H, H).copy_(dn);
  dhp.narrow(1, 0, H).copy_(dr); dhp.narrow(1, H, H).copy_(dz); dhp.narrow(1, 2 * H, H).copy_(dn * r);
  dDirect.copy_(dh * z);
}


// lstmCell(gates [B,4H] in PyTorch's i,f,g,o order, c [B,H]) -> [h', c', act [B,4H]]
UT_FN(LstmCell) {
  UT_TRY
  Args a(env, info, 2);
  at::Tensor gates = f32(a.t(0)), c = f32(a.t(1));
  int64_t B = c.size(0), H = c.size(1);
  if (gates.numel() != B * 4 * H) throw std::runtime_error("lstmCell: gates must be [B, 4H]");
  at::Tensor act = at::empty({B, 4 * H}, c.options()), c2 = at::empty_like(c), h2 = at::empty_like(c);
  lstmStep(gates.reshape({B, 4 * H}), c, act, c2, h2, H);
  return retMany(env, {h2, c2, act});
  UT_CATCH
}

// lstmCellGrad(dh', dc', act, c, c') -> [dgates, dc]
UT_FN(LstmCellGrad) {
  UT_TRY
  Args a(env, info, 5);
  at::Tensor dh = f32(a.t(0)), act = f32(a.t(2)), c = f32(a.t(3));
  at::Tensor dc = f32(a.t(1)).clone(), tc = at::tanh(f32(a.t(4)));
  at::Tensor dg = at::empty_like(act);
  lstmStepGradT(act, c, tc, dh, dc, dg);
  return retMany(env, {dg, dc});
  UT_CATCH
}

// gruCell(xp [B,3H], hp [B,3H], h [B,H]) -> [h', act [B,3H] = (r, z, n)]
UT_FN(GruCell) {
  UT_TRY
  Args a(env, info, 3);
  at::Tensor xp = f32(a.t(0)), hp = f32(a.t(1)), h = f32(a.t(2));
  int64_t B = h.size(0), H = h.size(1);
  if (xp.numel() != B * 3 * H || hp.numel() != B * 3 * H) throw std::runtime_error("gruCell: projections must be [B, 3H]");
  at::Tensor act = at::empty({B, 3 * H}, xp.options()), h2 = at::empty_like(h);
  gruStep(xp.reshape({B, 3 * H}), hp.reshape({B, 3 * H}), h, act, h2, H);
  return retMany(env, {h2, act});
  UT_CATCH
}

// gruCellGrad(dh', act, hp, h) -> [dxp, dhp, dh]
UT_FN(GruCellGrad) {
  UT_TRY
  Args a(env, info, 4);
  at::Tensor dh2 = f32(a.t(0)), act = f32(a.t(1)), hp = f32(a.t(2)), h = f32(a.t(3));
  at::Tensor dxp = at::empty_like(act), dhp = at::empty_like(act), dh = at::empty_like(h);
  gruStepGradT(act, hp, h, dh2, dxp, dhp, dh);
  return retMany(env, {dxp, dhp, dh});
  UT_CATCH
}

// Whole sequences: the time loop runs here, so a T-step layer is one kernel forward and one
// backward instead of a dozen per step, and the recurrent weight's gradient is one matrix product
// over all steps instead of T products and T-1 accumulating adds. Batch-first like the layers.

// h_{t-1} for every step as [T*B, H] (h0, then hs[:, 0..T-2]).
at::Tensor previousStates(const at::Tensor& h0, const at::Tensor& hs) {
  int64_t B = hs.size(0), T = hs.size(1), H = hs.size(2);
  return at::cat({h0.unsqueeze(0), hs.narrow(1, 0, T - 1).permute({1, 0, 2})}, 0).reshape({T * B, H});
}

// lstmSequence(xp [B,T,4H] = x W_ih + biases, h0 [B,H], c0 [B,H], wh [H,4H])
//   -> [hs [B,T,H], hT, cT, acts [T,B,4H] (activated gates), cs [T+1,B,H] (c0, c1, ..., cT)]
UT_FN(LstmSequence) {
  UT_TRY
  Args a(env, info, 4);
  at::Tensor xp = f32(a.t(0)), h0 = f32(a.t(1)), c0 = f32(a.t(2)), wh = f32(a.t(3));
  int64_t B = xp.size(0), T = xp.size(1), H = h0.size(1);
  if (xp.size(2) != 4 * H || wh.size(0) != H || wh.size(1) != 4 * H) throw std::runtime_error("lstmSequence: shapes do not match");
  at::Tensor acts = at::empty({T, B, 4 * H}, xp.options()), cs = at::empty({T + 1, B, H}, xp.options());
  at::Tensor hs = at::empty({B, T, H}, xp.options());
  cs[0].copy_(c0);
  at::Tensor h = h0;
  for (int64_t t = 0; t < T; t++) {
    at::Tensor act = acts[t], cn = cs[t + 1], ht = hs.select(1, t);
    lstmStep(at::addmm(xp.select(1, t), h, wh), cs[t], act, cn, ht, H);
    h = ht;
  }
  return retMany(env, {hs, hs.select(1, T - 1), cs[T], acts, cs});
  UT_CATCH
}

// lstmSequenceGrad(dhs, dhT, dcT, acts, cs, hs, h0, wh) -> [dxp [B,T,4H], dh0, dc0, dwh [H,4H]]
UT_FN(LstmSequenceGrad) {
  UT_TRY
  Args a(env, info, 8);
  at::Tensor dhs = f32(a.t(0)), acts = f32(a.t(3)), cs = f32(a.t(4)), hs = f32(a.t(5)), h0 = f32(a.t(6)), wh = f32(a.t(7));
  int64_t T = acts.size(0), B = acts.size(1), H = h0.size(1);
  at::Tensor dgAll = at::empty({T, B, 4 * H}, acts.options());
  at::Tensor dh = f32(a.t(1)).clone(), dc = f32(a.t(2)).clone();
  at::Tensor whT = wh.t();
  for (int64_t t = T - 1; t >= 0; t--) {
    dh.add_(dhs.select(1, t));
    at::Tensor tc = at::tanh(cs[t + 1]), dg = dgAll[t];
    lstmStepGradT(acts[t], cs[t], tc, dh, dc, dg);
    dh = at::mm(dg, whT);
  }
  at::Tensor dwh = at::mm(previousStates(h0, hs).t(), dgAll.reshape({T * B, 4 * H}));
  return retMany(env, {dgAll.permute({1, 0, 2}).contiguous(), dh, dc, dwh});
  UT_CATCH
}

// gruSequence(xp [B,T,3H] = x W_ih + b_ih, h0 [B,H], wh [H,3H], bh [3H])
//   -> [hs [B,T,H], hT, acts [T,B,3H] (r, z, n), hps [T,B,3H] (h W_hh + b_hh per step)]
UT_FN(GruSequence) {
  UT_TRY
  Args a(env, info, 4);
  at::Tensor xp = f32(a.t(0)), h0 = f32(a.t(1)), wh = f32(a.t(2)), bh = f32(a.t(3));
  int64_t B = xp.size(0), T = xp.size(1), H = h0.size(1);
  if (xp.size(2) != 3 * H || wh.size(0) != H || wh.size(1) != 3 * H || bh.numel() != 3 * H)
    throw std::runtime_error("gruSequence: shapes do not match");
  at::Tensor acts = at::empty({T, B, 3 * H}, xp.options()), hps = at::empty({T, B, 3 * H}, xp.options());
  at::Tensor hs = at::empty({B, T, H}, xp.options());
  at::Tensor h = h0;
  for (int64_t t = 0; t < T; t++) {
    at::Tensor hp = hps[t], act = acts[t], ht = hs.select(1, t);
    at::addmm_out(hp, bh, h, wh);
    gruStep(xp.select(1, t), hp, h, act, ht, H);
    h = ht;
  }
  return retMany(env, {hs, hs.select(1, T - 1), acts, hps});
  UT_CATCH
}

// gruSequenceGrad(dhs, dhT, acts, hps, hs, h0, wh) -> [dxp [B,T,3H], dh0, dwh [H,3H], dbh [3H]]
UT_FN(GruSequenceGrad) {
  UT_TRY
  Args a(env, info, 7);
  at::Tensor dhs = f32(a.t(0)), acts = f32(a.t(2)), hps = f32(a.t(3)), hs = f32(a.t(4)), h0 = f32(a.t(5)), wh = f32(a.t(6));
  int64_t T = acts.size(0), B = acts.size(1), H = h0.size(1);
  at::Tensor dxAll = at::empty({T, B, 3 * H}, acts.options()), dhpAll = at::empty({T, B, 3 * H}, acts.options());
  at::Tensor dh = f32(a.t(1)).clone();
  at::Tensor whT = wh.t();
  for (int64_t t = T - 1; t >= 0; t--) {
    dh.add_(dhs.select(1, t));
    at::Tensor hPrev = (t == 0 ? h0 : hs.select(1, t - 1)).contiguous();
    at::Tensor dDirect = at::empty_like(dh), dx = dxAll[t], dhp = dhpAll[t];
    gruStepGradT(acts[t], hps[t], hPrev, dh, dx, dhp, dDirect);
    dh = at::addmm(dDirect, dhp, whT);
  }
  at::Tensor dhpFlat = dhpAll.reshape({T * B, 3 * H});
  return retMany(env, {dxAll.permute({1, 0, 2}).contiguous(), dh, at::mm(previousStates(h0, hs).t(), dhpFlat), dhpFlat.sum(0)});
  UT_CATCH
}

// silu(x) -> x*sigmoid(x);  siluGrad(dy, x) -> dy * s * (1 + x*(1-s)), s = sigmoid(x)
UT_FN(Silu) {
  UT_TRY
  Args a(env, info, 1);
  return ret(env, at::silu(f32(a.t(0))));
  UT_CATCH
}
UT_FN(SiluGrad) {
  UT_TRY
  Args a(env, info, 2);
  return ret(env, at::silu_backward(f32(a.t(0)), f32(a.t(1))));
  UT_CATCH
}

void registerFused(napi_env env, napi_value exports) {
  defineFn(env, exports, "adamStep", AdamStep);
  defineFn(env, exports, "adamStepAll", AdamStepAll);
  defineFn(env, exports, "reluGrad", ReluGrad);
  defineFn(env, exports, "groupNorm", GroupNorm);
  defineFn(env, exports, "groupNormGrad", GroupNormGrad);
  defineFn(env, exports, "lstmCell", LstmCell);
  defineFn(env, exports, "lstmCellGrad", LstmCellGrad);
  defineFn(env, exports, "gruCell", GruCell);
  defineFn(env, exports, "gruCellGrad", GruCellGrad);
  defineFn(env, exports, "lstmSequence", LstmSequence);
  defineFn(env, exports, "lstmSequenceGrad", LstmSequenceGrad);
  defineFn(env, exports, "gruSequence", GruSequence);
  defineFn(env, exports, "gruSequenceGrad", GruSequenceGrad);
  defineFn(env, exports, "silu", Silu);
  defineFn(env, exports, "siluGrad", SiluGrad);
}

}  // namespace ut
