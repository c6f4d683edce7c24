// More fused kernels (src/fused.ts has the contracts, components/nn/fused/ the composites): a tanh
// RNN over a whole sequence, FiLM modulation from one [N, 2C] projection, and the global L2 norm
// and scaling of a list of tensors (gradient clipping). Each replaces tens to hundreds of tfjs
// kernels a training step, whose fixed cost (tfjs-core's engine, ~10 µs a kernel) dominates at
// these sizes. Same formulas as the composites, so results agree to float32 rounding; ATen
// expressions throughout (device-neutral), with a pointer loop for FiLM on the CPU.
#include "common.h"
#include <ATen/Parallel.h>
#include <cmath>
#include <cstring>

namespace ut {

// rnnTanhSequence(xp [B,T,H] = x W_ih + b_ih + b_hh, h0 [B,H], wh [H,H]) -> [hs [B,T,H], hT [B,H]]
//   h_t = tanh(xp_t + h_{t-1} W_hh), batch-first like the layer.
UT_FN(RnnTanhSequence) {
  UT_TRY
  Args a(env, info, 3);
  at::Tensor xp = f32(a.t(0)), h0 = f32(a.t(1)), wh = f32(a.t(2));
  if (xp.dim() != 3 || h0.dim() != 2) throw std::runtime_error("rnnTanhSequence: xp must be [B, T, H] and h0 [B, H]");
  int64_t B = xp.size(0), T = xp.size(1), H = xp.size(2);
  if (T == 0 || h0.size(0) != B || h0.size(1) != H || wh.size(0) != H || wh.size(1) != H)
    throw std::runtime_error("rnnTanhSequence: shapes do not match (xp [B,T,H], h0 [B,H], wh [H,H], T > 0)");
  at::Tensor hs = at::empty({B, T, H}, xp.options());
  at::Tensor pre = at::empty({B, H}, xp.options());
  at::Tensor h = h0;
  for (int64_t t = 0; t < T; t++) {
    at::addmm_out(pre, xp.select(1, t), h, wh);
    at::Tensor ht = hs.select(1, t);
    at::tanh_out(ht, pre);
    h = ht;
  }
  return retMany(env, {hs, hs.select(1, T - 1)});
  UT_CATCH
}

// rnnTanhSequenceGrad(dhs [B,T,H], dhT [B,H], hs, h0, wh) -> [dxp [B,T,H], dh0 [B,H], dwh [H,H]]
//   da_t = (dh_t) (1 - h_t^2), dh_{t-1} = dhs_{t-1} + da_t W_hh^T; dW_hh = sum_t h_{t-1}^T da_t
//   (one product over all steps).
UT_FN(RnnTanhSequenceGrad) {
  UT_TRY
  Args a(env, info, 5);
  at::Tensor dhs = f32(a.t(0)), hs = f32(a.t(2)), h0 = f32(a.t(3)), wh = f32(a.t(4));
  int64_t B = hs.size(0), T = hs.size(1), H = hs.size(2);
  at::Tensor daAll = at::empty({T, B, H}, hs.options());
  at::Tensor dh = f32(a.t(1)).clone();
  at::Tensor whT = wh.t();
  for (int64_t t = T - 1; t >= 0; t--) {
    dh.add_(dhs.select(1, t));
    at::Tensor da = daAll[t];
    at::tanh_backward_out(da, dh, hs.select(1, t));
    dh = at::mm(da, whT);
  }
  at::Tensor dwh = at::mm(previousStates(h0, hs).t(), daAll.reshape({T * B, H}));
  return retMany(env, {daAll.permute({1, 0, 2}).contiguous(), dh, dwh});
  UT_CATCH
}

// The [N, C] rows of x and [N, 2C] of ss (scale in the first C columns, shift in the last C).
static void filmShapes(const at::Tensor& x, const at::Tensor& ss, int64_t& N, int64_t& C) {
  C = x.size(x.dim() - 1);
  N = C == 0 ? 0 : x.numel() / C;
  if (ss.numel() != N * 2 * C || ss.size(ss.dim() - 1) != 2 * C)
    throw std::runtime_error("film: ss must be [..., 2C] with the rows of x [..., C]");
}

// film(x [..., C], ss [..., 2C]) -> x * (1 + ss[..., :C]) + ss[..., C:]
UT_FN(Film) {
  UT_TRY
  Args a(env, info, 2);
  at::Tensor x = f32(a.t(0)), ss = f32(a.t(1));
  int64_t N, C;
  filmShapes(x, ss, N, C);
  if (!cpuLoops(x)) {
    at::Tensor s2 = ss.reshape({N, 2 * C});
    return ret(env, (x.reshape({N, C}) * (s2.narrow(1, 0, C) + 1) + s2.narrow(1, C, C)).reshape(x.sizes()));
  }
  at::Tensor y = at::empty_like(x);
  const float* __restrict__ xp = x.data_ptr<float>();
  const float* __restrict__ sp = ss.data_ptr<float>();
  float* __restrict__ yp = y.data_ptr<float>();
  at::parallel_for(0, N, std::max<int64_t>(1, 32768 / std::max<int64_t>(C, 1)), [&](int64_t s, int64_t e) {
    for (int64_t r = s; r < e; r++) {
      const float* xr = xp + r * C; const float* sr = sp + r * 2 * C; float* yr = yp + r * C;
      for (int64_t j = 0; j < C; j++) yr[j] = xr[j] * (1.0f + sr[j]) + sr[C + j];
    }
  });
  return ret(env, y);
  UT_CATCH
}

// filmGrad(dy, x, ss) -> [dx = dy (1 + scale), dss = [dy x, dy]]
UT_FN(FilmGrad) {
  UT_TRY
  Args a(env, info, 3);
  at::Tensor dy = f32(a.t(0)), x = f32(a.t(1)), ss = f32(a.t(2));
  int64_t N, C;
  filmShapes(x, ss, N, C);
  if (dy.numel() != x.numel()) throw std::runtime_error("filmGrad: dy and x differ in size");
  if (!cpuLoops(x)) {
    at::Tensor d2 = dy.reshape({N, C});
    at::Tensor dx = (d2 * (ss.reshape({N, 2 * C}).narrow(1, 0, C) + 1)).reshape(x.sizes());
    return retMany(env, {dx, at::cat({d2 * x.reshape({N, C}), d2}, 1).reshape(ss.sizes())});
  }
  at::Tensor dx = at::empty_like(x), dss = at::empty_like(ss);
  const float* __restrict__ dp = dy.data_ptr<float>();
  const float* __restrict__ xp = x.data_ptr<float>();
  const float* __restrict__ sp = ss.data_ptr<float>();
  float* __restrict__ dxp = dx.data_ptr<float>();
  float* __restrict__ dsp = dss.data_ptr<float>();
  at::parallel_for(0, N, std::max<int64_t>(1, 32768 / std::max<int64_t>(C, 1)), [&](int64_t s, int64_t e) {
    for (int64_t r = s; r < e; r++) {
      const float* dr = dp + r * C; const float* xr = xp + r * C; const float* sr = sp + r * 2 * C;
      float* dxr = dxp + r * C; float* dsr = dsp + r * 2 * C;
      // Three plain loops (each vectorises; the interleaved one did not).
      for (int64_t j = 0; j < C; j++) dxr[j] = dr[j] * (1.0f + sr[j]);
      for (int64_t j = 0; j < C; j++) dsr[j] = dr[j] * xr[j];
      std::memcpy(dsr + C, dr, sizeof(float) * C);
    }
  });
  return retMany(env, {dx, dss});
  UT_CATCH
}

// globalNorm([xs]) -> scalar sqrt(sum over every element of every tensor of x^2), float32 like the
// composite (the per-tensor norms are ATen's foreach kernel, as torch's clip_grad_norm_ takes them).
UT_FN(GlobalNorm) {
  UT_TRY
  Args a(env, info, 1);
  std::vector<at::Tensor> xs = a.tensors(0);
  if (xs.empty()) throw std::runtime_error("globalNorm: no tensors");
  for (auto& x : xs) x = f32(x);
  std::vector<at::Tensor> norms = at::_foreach_norm(xs, 2);
  return ret(env, at::linalg_vector_norm(at::stack(norms), 2));
  UT_CATCH
}

// scaleAll([xs], c) -> [x * c for each x]: one call for every gradient of a clipped step.
UT_FN(ScaleAll) {
  UT_TRY
  Args a(env, info, 2);
  std::vector<at::Tensor> xs = a.tensors(0);
  for (auto& x : xs) x = f32(x);
  return retMany(env, at::_foreach_mul(xs, at::Scalar((float)a.d(1))));
  UT_CATCH
}

// keepMask(shape, p, keep, s0, s1, s2, s3) -> [mask float32 `shape`, state int32 [4]]
//   mask[i] = (u_i >= p ? keep : 0) with u_i the i-th uniform of the xoshiro128** generator in
//   state (s0..s3): u = ((a >> 5)·2^26 + (b >> 6)) / 2^53 from two consecutive 32-bit outputs a, b
//   (53 bits, as untangle's JS Rng.uniform draws it). The state after the last draw comes back, so
//   a JS generator can continue exactly where this left off. Drawn sequentially on the CPU (the
//   stream is serial) and moved to the target device.
static inline uint32_t rotl32(uint32_t x, int k) { return (x << k) | (x >> (32 - k)); }
UT_FN(KeepMask) {
  UT_TRY
  Args a(env, info, 7);
  std::vector<int64_t> shape = a.ints(0);
  const double p = a.d(1);
  const float keep = (float)a.d(2);
  uint32_t s0 = (uint32_t)(int64_t)a.d(3), s1 = (uint32_t)(int64_t)a.d(4), s2 = (uint32_t)(int64_t)a.d(5), s3 = (uint32_t)(int64_t)a.d(6);
  if (!(p >= 0.0 && p < 1.0)) throw std::runtime_error("keepMask: p must be in [0, 1)");
  // u >= p exactly when the 53-bit integer behind u is >= ceil(p·2^53) (p·2^53 is exact in double).
  const uint64_t thr = (uint64_t)std::ceil(p * 9007199254740992.0);
  at::Tensor m = at::empty(shape, at::TensorOptions().dtype(at::kFloat));
  float* __restrict__ mp = m.data_ptr<float>();
  const int64_t n = m.numel();
  for (int64_t i = 0; i < n; i++) {
    uint32_t r[2];
    for (int k = 0; k < 2; k++) {
      r[k] = rotl32(s1 * 5u, 7) * 9u;
      const uint32_t t = s1 << 9;
      s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3; s2 ^= t; s3 = rotl32(s3, 11);
    }
    const uint64_t v = ((uint64_t)(r[0] >> 5) << 26) | (uint64_t)(r[1] >> 6);
    mp[i] = v >= thr ? keep : 0.0f;
  }
  at::Tensor st = at::empty({4}, at::TensorOptions().dtype(at::kInt));
  int32_t* sp = st.data_ptr<int32_t>();
  sp[0] = (int32_t)s0; sp[1] = (int32_t)s1; sp[2] = (int32_t)s2; sp[3] = (int32_t)s3;
  const c10::Device& dev = targetDevice();
  if (!dev.is_cpu()) { m = m.to(dev); st = st.to(dev); }
  return retMany(env, {m, st});
  UT_CATCH
}

void registerFusedTrain(napi_env env, napi_value exports) {
  defineFn(env, exports, "keepMask", KeepMask);
  defineFn(env, exports, "rnnTanhSequence", RnnTanhSequence);
  defineFn(env, exports, "rnnTanhSequenceGrad", RnnTanhSequenceGrad);
  defineFn(env, exports, "film", Film);
  defineFn(env, exports, "filmGrad", FilmGrad);
  defineFn(env, exports, "globalNorm", GlobalNorm);
  defineFn(env, exports, "scaleAll", ScaleAll);
}

}  // namespace ut
