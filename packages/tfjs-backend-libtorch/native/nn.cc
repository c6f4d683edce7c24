// Convolutions, pooling, batch norm, separable resampling and einsum, all on NHWC tensors.
// NHWC storage permuted to NCHW is exactly libtorch's channels_last layout, so convolutions see
// channels_last inputs with no copies, and their channels_last outputs permute back to NHWC views.
#include "common.h"

namespace ut {

static at::Tensor toNCHW(const at::Tensor& x) { return x.permute({0, 3, 1, 2}); }
static at::Tensor toNHWC(const at::Tensor& x) { return x.permute({0, 2, 3, 1}); }

// tfjs filters are [kh, kw, in, out] (depthwise: [kh, kw, C, multiplier]); libtorch wants OIHW.
static at::Tensor weightOIHW(const at::Tensor& w, bool depthwise) {
  // A compact OIHW copy (kilobytes) lets oneDNN take its usual weight path.
  if (!depthwise) return w.permute({3, 2, 0, 1}).contiguous();
  return w.reshape({w.size(0), w.size(1), w.size(2) * w.size(3), 1}).permute({2, 3, 0, 1});
}
static at::Tensor weightTfjs(const at::Tensor& w, bool depthwise, const std::vector<int64_t>& tfShape) {
  if (!depthwise) return w.permute({2, 3, 1, 0}).contiguous();
  return w.permute({2, 3, 0, 1}).reshape(tfShape).contiguous();
}

struct Pads {
  int64_t t, b, l, r;
  bool symmetric() const { return t == b && l == r; }
};
static Pads pads4(const Args& a, size_t k) {
  auto p = a.ints(k);
  if (p.size() != 4) throw std::runtime_error("pads must be [top, bottom, left, right]");
  return {p[0], p[1], p[2], p[3]};
}
// Explicit zero (or value) padding of an NCHW tensor, for asymmetric 'same' padding.
static at::Tensor padNCHW(const at::Tensor& x, const Pads& p, double value = 0) {
  return at::constant_pad_nd(x, {p.l, p.r, p.t, p.b}, value);
}

// conv2d(x, filter, bias|null, strides, pads, dilations, depthwise)
UT_FN(Conv2d) {
  UT_TRY
  Args a(env, info, 7);
  at::Tensor x = toNCHW(a.t(0));
  bool dw = a.b(6);
  at::Tensor w = weightOIHW(a.t(1), dw);
  auto p = pads4(a, 4);
  std::vector<int64_t> pad = {p.t, p.l};
  if (!p.symmetric()) { x = padNCHW(x, p); pad = {0, 0}; }
  int64_t groups = dw ? x.size(1) : 1;
  auto y = at::convolution(x, w, a.optT(2), a.ints(3), pad, a.ints(5), false, {0, 0}, groups);
  return ret(env, toNHWC(y));
  UT_CATCH
}

// convBackpropInput(dy, filter, inputShape NHWC, strides, pads, dilations, depthwise)
UT_FN(ConvBackpropInput) {
  UT_TRY
  Args a(env, info, 7);
  at::Tensor dy = toNCHW(a.t(0));
  bool dw = a.b(6);
  at::Tensor w = weightOIHW(a.t(1), dw);
  auto s = a.ints(2);
  auto p = pads4(a, 4);
  int64_t N = s[0], H = s[1], W = s[2], C = s[3];
  auto st = a.ints(3), dl = a.ints(5);
  int64_t groups = dw ? C : 1;
  if (p.symmetric()) {
    // The input gradient of a convolution is the transposed convolution with the same weight;
    // libtorch's conv_transpose2d (oneDNN deconvolution) is faster than convolution_backward.
    // output_padding restores rows the strided forward never reached.
    int64_t oph = H - ((dy.size(2) - 1) * st[0] - 2 * p.t + dl[0] * (w.size(2) - 1) + 1);
    int64_t opw = W - ((dy.size(3) - 1) * st[1] - 2 * p.l + dl[1] * (w.size(3) - 1) + 1);
    if (oph >= 0 && opw >= 0 && oph < std::max(st[0], dl[0]) && opw < std::max(st[1], dl[1])) {
      auto dx = at::conv_transpose2d(dy, w, {}, st, {p.t, p.l}, {oph, opw}, groups, dl);
      return ret(env, toNHWC(dx));
    }
  }
  std::vector<int64_t> pad = {p.t, p.l};
  int64_t Hp = H, Wp = W;
  if (!p.symmetric()) { Hp += p.t + p.b; Wp += p.l + p.r; pad = {0, 0}; }
  // Only the input's sizes and layout matter for the input gradient: an uninitialised stand-in.
  auto standIn = at::empty({N, C, Hp, Wp}, dy.options().memory_format(at::MemoryFormat::ChannelsLast));
  auto res = at::convolution_backward(dy, standIn, w, c10::nullopt, st, pad, dl, false, {0, 0}, groups,
                                      {true, false, false});
  at::Tensor dx = std::get<0>(res);
  if (!p.symmetric()) dx = dx.slice(2, p.t, p.t + H).slice(3, p.l, p.l + W);
  return ret(env, toNHWC(dx));
  UT_CATCH
}

// convBackpropFilter(x, dy, filterShape tfjs, strides, pads, dilations, depthwise)
UT_FN(ConvBackpropFilter) {
  UT_TRY
  Args a(env, info, 7);
  at::Tensor x = toNCHW(a.t(0));
  at::Tensor dy = toNCHW(a.t(1));
  bool dw = a.b(6);
  auto fs = a.ints(2);
  auto p = pads4(a, 4);
  std::vector<int64_t> pad = {p.t, p.l};
  if (!p.symmetric()) { x = padNCHW(x, p); pad = {0, 0}; }
  if (!dw && fs[0] == 1 && fs[1] == 1) {
    // A 1x1 filter's gradient is one matmul over the strided input positions. Besides being
    // cheaper, this keeps away from libtorch 2.13's CPU weight gradient for strided 1x1
    // convolutions on channels_last tensors with few channels, which writes past its buffers
    // (a heap corruption reproduced in plain PyTorch: N=48, 4 channels, 32x64, stride 1x2).
    if (p.symmetric() && (p.t || p.l)) x = padNCHW(x, p);  // asymmetric pads were applied above
    auto st = a.ints(3);
    const int64_t oh = dy.size(2), ow = dy.size(3);
    at::Tensor xs = x.slice(2, 0, (oh - 1) * st[0] + 1, st[0]).slice(3, 0, (ow - 1) * st[1] + 1, st[1]);
    at::Tensor xm = toNHWC(xs).reshape({-1, fs[2]});
    at::Tensor dym = toNHWC(dy).reshape({-1, fs[3]});
    return ret(env, at::mm(xm.t(), dym).reshape({1, 1, fs[2], fs[3]}));
  }
  std::vector<int64_t> oihw = dw ? std::vector<int64_t>{fs[2] * fs[3], 1, fs[0], fs[1]}
                                 : std::vector<int64_t>{fs[3], fs[2], fs[0], fs[1]};
  // Only the weight's sizes matter for the weight gradient.
  auto standIn = at::empty(oihw, x.options());
  auto res = at::convolution_backward(dy, x, standIn, c10::nullopt, a.ints(3), pad, a.ints(5), false, {0, 0},
                                      dw ? x.size(1) : 1, {false, true, false});
  return ret(env, weightTfjs(std::get<1>(res), dw, fs));
  UT_CATCH
}

// Pool geometry shared by forward and backward.
struct PoolSpec {
  std::vector<int64_t> k, s;
  Pads p;
  bool direct() const { return p.symmetric() && p.t <= k[0] / 2 && p.l <= k[1] / 2; }
};
static PoolSpec poolSpec(const Args& a, size_t at) { return {a.ints(at), a.ints(at + 1), pads4(a, at + 2)}; }

// Per-output count of real (unpadded) elements, [1,1,oh,ow], for tfjs' exclusive average.
static at::Tensor avgCounts(const at::Tensor& x, const PoolSpec& ps) {
  auto ones = at::ones({1, 1, x.size(2), x.size(3)}, x.options());
  return at::avg_pool2d(padNCHW(ones, ps.p), ps.k, ps.s, {0, 0}, false, true) * double(ps.k[0] * ps.k[1]);
}

// pool(isMax, x, k, strides, pads)
UT_FN(Pool) {
  UT_TRY
  Args a(env, info, 5);
  bool isMax = a.b(0);
  at::Tensor x = toNCHW(a.t(1));
  auto ps = poolSpec(a, 2);
  at::Tensor y;
  if (isMax) {
    y = ps.direct() ? at::max_pool2d(x, ps.k, ps.s, {ps.p.t, ps.p.l})
                    : at::max_pool2d(padNCHW(x, ps.p, -INFINITY), ps.k, ps.s);
  } else if (ps.direct()) {
    y = at::avg_pool2d(x, ps.k, ps.s, {ps.p.t, ps.p.l}, false, false);
  } else {
    auto sums = at::avg_pool2d(padNCHW(x, ps.p), ps.k, ps.s, {0, 0}, false, true) * double(ps.k[0] * ps.k[1]);
    y = sums / avgCounts(x, ps);
  }
  return ret(env, toNHWC(y));
  UT_CATCH
}

// poolGrad(isMax, dy, x, k, strides, pads)
UT_FN(PoolGrad) {
  UT_TRY
  Args a(env, info, 6);
  bool isMax = a.b(0);
  at::Tensor dy = toNCHW(a.t(1));
  at::Tensor x = toNCHW(a.t(2));
  auto ps = poolSpec(a, 3);
  at::Tensor dx;
  if (isMax) {
    if (ps.direct()) {
      std::vector<int64_t> pad = {ps.p.t, ps.p.l};
      auto r = at::max_pool2d_with_indices(x, ps.k, ps.s, pad);
      dx = at::max_pool2d_with_indices_backward(dy, x, ps.k, ps.s, pad, {1, 1}, false, std::get<1>(r));
    } else {
      auto xp = padNCHW(x, ps.p, -INFINITY);
      auto r = at::max_pool2d_with_indices(xp, ps.k, ps.s);
      dx = at::max_pool2d_with_indices_backward(dy, xp, ps.k, ps.s, {0, 0}, {1, 1}, false, std::get<1>(r));
      dx = dx.slice(2, ps.p.t, ps.p.t + x.size(2)).slice(3, ps.p.l, ps.p.l + x.size(3));
    }
  } else {
    // tfjs' AvgPoolGrad spreads dy / (kh*kw) over every window, padding included, although its
    // forward averages real elements only; we follow tfjs so all backends train identically.
    if (ps.direct()) {
      dx = at::avg_pool2d_backward(dy, x, ps.k, ps.s, {ps.p.t, ps.p.l}, false, true, c10::nullopt);
    } else {
      dx = at::avg_pool2d_backward(dy, padNCHW(x, ps.p), ps.k, ps.s, {0, 0}, false, true, c10::nullopt);
      dx = dx.slice(2, ps.p.t, ps.p.t + x.size(2)).slice(3, ps.p.l, ps.p.l + x.size(3));
    }
  }
  return ret(env, toNHWC(dx));
  UT_CATCH
}

// batchNorm(x, mean, variance, offset|null, scale|null, eps): tfjs FusedBatchNorm.
UT_FN(BatchNorm) {
  UT_TRY
  Args a(env, info, 6);
  at::Tensor y = (a.t(0) - a.t(1)) * at::rsqrt(a.t(2) + a.d(5));
  if (auto s = a.optT(4)) y = y * *s;
  if (auto o = a.optT(3)) y = y + *o;
  return ret(env, y);
  UT_CATCH
}

// separable(x NHWC, A [oh,H], B [ow,W], transposed): y[n,i,j,c] = sum A[i,h] B[j,w] x[n,h,w,c].
// Resize kernels pass interpolation matrices; their gradients pass the same with transposed=true.
UT_FN(Separable) {
  UT_TRY
  Args a(env, info, 4);
  at::Tensor x = a.t(0), A = a.t(1), B = a.t(2);
  if (a.b(3)) { A = A.t(); B = B.t(); }
  int64_t N = x.size(0), H = x.size(1), W = x.size(2), C = x.size(3);
  int64_t oh = A.size(0), ow = B.size(0);
  if (A.size(1) != H || B.size(1) != W) throw std::runtime_error("separable: matrix sizes do not match the image");
  auto t = at::matmul(A, x.reshape({N, H, W * C}));           // [N, oh, W*C]
  auto y = at::matmul(B, t.reshape({N * oh, W, C}));           // [N*oh, ow, C]
  return ret(env, y.reshape({N, oh, ow, C}));
  UT_CATCH
}

// einsum(equation, [tensors])
UT_FN(Einsum) {
  UT_TRY
  Args a(env, info, 2);
  return ret(env, at::einsum(a.s(0), a.tensors(1)));
  UT_CATCH
}

void registerNN(napi_env env, napi_value exports) {
  defineFn(env, exports, "conv2d", Conv2d);
  defineFn(env, exports, "convBackpropInput", ConvBackpropInput);
  defineFn(env, exports, "convBackpropFilter", ConvBackpropFilter);
  defineFn(env, exports, "pool", Pool);
  defineFn(env, exports, "poolGrad", PoolGrad);
  defineFn(env, exports, "batchNorm", BatchNorm);
  defineFn(env, exports, "separable", Separable);
  defineFn(env, exports, "einsum", Einsum);
}

}  // namespace ut
