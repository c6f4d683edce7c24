// Layout and indexing ops: reshape, transpose, slicing, concat/stack/split, padding, tiling,
// gathers and scatters, one-hot, top-k. Views are returned where libtorch gives them for free.
#include "common.h"

namespace ut {

UT_FN(Reshape) {
  UT_TRY
  Args a(env, info, 2);
  return ret(env, a.t(0).reshape(a.ints(1)));
  UT_CATCH
}
UT_FN(Transpose) {
  UT_TRY
  Args a(env, info, 2);
  return ret(env, a.t(0).permute(a.ints(1)));
  UT_CATCH
}
// contiguous(x): a compact copy when x is a strided view, else x itself (shared storage).
UT_FN(Contiguous) {
  UT_TRY
  Args a(env, info, 1);
  return ret(env, a.t(0).contiguous());
  UT_CATCH
}
// slice(x, begin, size)
UT_FN(Slice) {
  UT_TRY
  Args a(env, info, 3);
  at::Tensor x = a.t(0);
  auto begin = a.ints(1), size = a.ints(2);
  for (size_t d = 0; d < begin.size(); d++) {
    int64_t n = size[d] < 0 ? x.size(d) - begin[d] : size[d];
    if (begin[d] != 0 || n != x.size(d)) x = x.narrow((int64_t)d, begin[d], n);
  }
  return ret(env, x);
  UT_CATCH
}
// strided(x, begin, end, strides, outShape): per-dimension strided ranges (negative strides walk
// backwards) followed by a reshape to tfjs' final shape (shrink/new axes).
UT_FN(Strided) {
  UT_TRY
  Args a(env, info, 5);
  at::Tensor x = a.t(0);
  auto begin = a.ints(1), end = a.ints(2), strides = a.ints(3);
  for (size_t d = 0; d < begin.size(); d++) {
    int64_t s = strides[d], b = begin[d], e = end[d];
    if (s > 0) {
      x = x.slice((int64_t)d, b, std::max(b, e), s);
    } else {
      std::vector<int64_t> idx;
      for (int64_t i = b; i > e; i += s) idx.push_back(i);
      auto it = at::tensor(idx, at::TensorOptions().dtype(at::kLong)).to(x.device());
      x = x.index_select((int64_t)d, it);
    }
  }
  return ret(env, x.reshape(a.ints(4)));
  UT_CATCH
}
UT_FN(Concat) {
  UT_TRY
  Args a(env, info, 2);
  return ret(env, at::cat(a.tensors(0), a.i(1)));
  UT_CATCH
}
UT_FN(Stack) {
  UT_TRY
  Args a(env, info, 2);
  return ret(env, at::stack(a.tensors(0), a.i(1)));
  UT_CATCH
}
UT_FN(Unstack) {
  UT_TRY
  Args a(env, info, 2);
  auto parts = at::unbind(a.t(0), a.i(1));
  return retMany(env, std::vector<at::Tensor>(parts.begin(), parts.end()));
  UT_CATCH
}
UT_FN(Split) {
  UT_TRY
  Args a(env, info, 3);
  return retMany(env, at::split_with_sizes(a.t(0), a.ints(1), a.i(2)));
  UT_CATCH
}
// pad(x, paddings [[before, after] per dim] flattened, value)
UT_FN(Pad) {
  UT_TRY
  Args a(env, info, 3);
  auto p = a.ints(1);
  std::vector<int64_t> torchPad;  // last dimension first
  for (int64_t d = (int64_t)p.size() / 2 - 1; d >= 0; d--) { torchPad.push_back(p[2 * d]); torchPad.push_back(p[2 * d + 1]); }
  return ret(env, at::constant_pad_nd(a.t(0), torchPad, a.d(2)));
  UT_CATCH
}
// mirrorPad(x, paddings, symmetric): reflect (edge excluded) or symmetric (edge repeated).
UT_FN(MirrorPad) {
  UT_TRY
  Args a(env, info, 3);
  at::Tensor x = a.t(0);
  auto p = a.ints(1);
  int64_t off = a.b(2) ? 0 : 1;
  for (int64_t d = 0; d < x.dim(); d++) {
    int64_t before = p[2 * d], after = p[2 * d + 1], n = x.size(d);
    if (!before && !after) continue;
    std::vector<int64_t> idx;
    for (int64_t i = before; i > 0; i--) idx.push_back(i - 1 + off);
    for (int64_t i = 0; i < n; i++) idx.push_back(i);
    for (int64_t i = 0; i < after; i++) idx.push_back(n - 1 - i - off);
    x = x.index_select(d, at::tensor(idx, at::TensorOptions().dtype(at::kLong)).to(x.device()));
  }
  return ret(env, x);
  UT_CATCH
}
UT_FN(Tile) {
  UT_TRY
  Args a(env, info, 2);
  return ret(env, a.t(0).repeat(a.ints(1)));
  UT_CATCH
}
UT_FN(Reverse) {
  UT_TRY
  Args a(env, info, 2);
  auto dims = a.ints(1);
  return ret(env, dims.empty() ? a.t(0).clone() : a.t(0).flip(dims));
  UT_CATCH
}
UT_FN(BroadcastTo) {
  UT_TRY
  Args a(env, info, 2);
  return ret(env, a.t(0).expand(a.ints(1)).contiguous());
  UT_CATCH
}
// gather(x, indices, axis, batchDims): tfjs GatherV2.
UT_FN(Gather) {
  UT_TRY
  Args a(env, info, 4);
  at::Tensor x = a.t(0), idx = a.t(1).to(at::kLong);
  int64_t axis = a.i(2), bd = a.i(3);
  if (bd == 0) {
    std::vector<int64_t> out(x.sizes().begin(), x.sizes().begin() + axis);
    for (auto s : idx.sizes()) out.push_back(s);
    for (int64_t d = axis + 1; d < x.dim(); d++) out.push_back(x.size(d));
    return ret(env, x.index_select(axis, idx.reshape({-1})).reshape(out));
  }
  // Batched: flatten the leading batch dims and gather per batch row.
  std::vector<int64_t> lead(x.sizes().begin(), x.sizes().begin() + bd);
  int64_t B = 1;
  for (auto s : lead) B *= s;
  std::vector<at::Tensor> rows;
  auto xb = x.reshape([&] { std::vector<int64_t> s{B}; for (int64_t d = bd; d < x.dim(); d++) s.push_back(x.size(d)); return s; }());
  auto ib = idx.reshape([&] { std::vector<int64_t> s{B}; for (int64_t d = bd; d < idx.dim(); d++) s.push_back(idx.size(d)); return s; }());
  for (int64_t b = 0; b < B; b++) {
    auto xr = xb[b], ir = ib[b];
    int64_t ax = axis - bd;
    std::vector<int64_t> out(xr.sizes().begin(), xr.sizes().begin() + ax);
    for (auto s : ir.sizes()) out.push_back(s);
    for (int64_t d = ax + 1; d < xr.dim(); d++) out.push_back(xr.size(d));
    rows.push_back(xr.index_select(ax, ir.reshape({-1})).reshape(out));
  }
  auto st = at::stack(rows, 0);
  std::vector<int64_t> out = lead;
  for (int64_t d = 1; d < st.dim(); d++) out.push_back(st.size(d));
  return ret(env, st.reshape(out));
  UT_CATCH
}
// Linear row indices for gatherNd/scatterNd: indices [..., K] into the first K dims of shape.
static at::Tensor linearIndex(const at::Tensor& indices, const std::vector<int64_t>& shape) {
  int64_t K = indices.size(-1);
  std::vector<int64_t> strides(K);
  int64_t s = 1;
  for (int64_t d = K - 1; d >= 0; d--) { strides[d] = s; s *= shape[d]; }
  auto st = at::tensor(strides, at::TensorOptions().dtype(at::kLong)).to(indices.device());
  return (indices.to(at::kLong) * st).sum(-1).reshape({-1});
}
UT_FN(GatherNd) {
  UT_TRY
  Args a(env, info, 2);
  at::Tensor x = a.t(0), idx = a.t(1);
  int64_t K = idx.size(-1);
  std::vector<int64_t> shape(x.sizes().begin(), x.sizes().end());
  std::vector<int64_t> flat{-1}, out(idx.sizes().begin(), idx.sizes().end() - 1);
  for (int64_t d = K; d < x.dim(); d++) { flat.push_back(x.size(d)); out.push_back(x.size(d)); }
  return ret(env, x.reshape(flat).index_select(0, linearIndex(idx, shape)).reshape(out));
  UT_CATCH
}
// scatterNd(indices, updates, shape): sums duplicates, like tfjs.
UT_FN(ScatterNd) {
  UT_TRY
  Args a(env, info, 3);
  at::Tensor idx = a.t(0), upd = a.t(1);
  auto shape = a.ints(2);
  int64_t K = idx.size(-1), rows = 1;
  std::vector<int64_t> flat;
  for (int64_t d = 0; d < K; d++) rows *= shape[d];
  flat.push_back(rows);
  for (size_t d = K; d < shape.size(); d++) flat.push_back(shape[d]);
  std::vector<int64_t> updFlat{-1};
  for (size_t d = K; d < shape.size(); d++) updFlat.push_back(shape[d]);
  auto out = at::zeros(flat, upd.options());
  out.index_add_(0, linearIndex(idx, shape), upd.reshape(updFlat));
  return ret(env, out.reshape(shape));
  UT_CATCH
}
// segmentSum(x, segmentIds, numSegments): tfjs UnsortedSegmentSum (ids index x's leading dims).
UT_FN(SegmentSum) {
  UT_TRY
  Args a(env, info, 3);
  at::Tensor x = a.t(0), ids = a.t(1).to(at::kLong).reshape({-1});
  int64_t n = a.i(2), lead = a.t(1).dim();
  std::vector<int64_t> rest{-1}, out{n};
  for (int64_t d = lead; d < x.dim(); d++) { rest.push_back(x.size(d)); out.push_back(x.size(d)); }
  auto xs = x.reshape(rest);
  // Ids outside [0, n) are dropped, as in tfjs.
  auto keep = (ids >= 0).logical_and(ids < n);
  auto res = at::zeros(out, x.options());
  res.index_add_(0, ids.masked_select(keep), xs.index_select(0, keep.nonzero().reshape({-1})));
  return ret(env, res);
  UT_CATCH
}
// oneHot(indices, depth, on, off, dtype)
UT_FN(OneHot) {
  UT_TRY
  Args a(env, info, 5);
  auto idx = a.t(0).to(at::kLong).unsqueeze(-1);
  auto hot = idx.eq(at::arange(a.i(1), optionsOn(idx, at::kLong)));
  auto dt = toScalar((int32_t)a.i(4));
  auto opts = optionsOn(idx, dt);
  return ret(env, at::where(hot, at::scalar_tensor(a.d(2), opts), at::scalar_tensor(a.d(3), opts)));
  UT_CATCH
}
// topk(x, k, sorted) -> [values, indices int32]
UT_FN(TopK) {
  UT_TRY
  Args a(env, info, 3);
  auto r = at::topk(a.t(0), a.i(1), -1, true, a.b(2));
  return retMany(env, {std::get<0>(r), std::get<1>(r)});
  UT_CATCH
}
// nonzero(cond) -> int32 coordinates [n, rank] (tfjs Where with one input).
UT_FN(Nonzero) {
  UT_TRY
  Args a(env, info, 1);
  return ret(env, at::nonzero(a.t(0)));
  UT_CATCH
}

void registerShape(napi_env env, napi_value exports) {
  defineFn(env, exports, "reshape", Reshape);
  defineFn(env, exports, "transpose", Transpose);
  defineFn(env, exports, "contiguous", Contiguous);
  defineFn(env, exports, "slice", Slice);
  defineFn(env, exports, "strided", Strided);
  defineFn(env, exports, "concat", Concat);
  defineFn(env, exports, "stack", Stack);
  defineFn(env, exports, "unstack", Unstack);
  defineFn(env, exports, "split", Split);
  defineFn(env, exports, "pad", Pad);
  defineFn(env, exports, "mirrorPad", MirrorPad);
  defineFn(env, exports, "tile", Tile);
  defineFn(env, exports, "reverse", Reverse);
  defineFn(env, exports, "broadcastTo", BroadcastTo);
  defineFn(env, exports, "gather", Gather);
  defineFn(env, exports, "gatherNd", GatherNd);
  defineFn(env, exports, "scatterNd", ScatterNd);
  defineFn(env, exports, "segmentSum", SegmentSum);
  defineFn(env, exports, "oneHot", OneHot);
  defineFn(env, exports, "topk", TopK);
  defineFn(env, exports, "nonzero", Nonzero);
}

}  // namespace ut
