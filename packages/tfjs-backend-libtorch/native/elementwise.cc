// Elementwise maths, comparisons, reductions, matmul, softmax, cumulative ops and casts.
// Unary and binary ops are tables: JS looks names up once (unaryOps/binaryOps) and then calls by
// index, so adding an op is one line here and one line in kernel-table.ts.
#include "common.h"
#include <functional>

namespace ut {

using Unary = at::Tensor (*)(const at::Tensor&);
using Binary = at::Tensor (*)(const at::Tensor&, const at::Tensor&);
struct UnaryOp { const char* name; Unary fn; };
struct BinaryOp { const char* name; Binary fn; };

static at::Tensor asFloat(const at::Tensor& x) { return at::isFloatingType(x.scalar_type()) ? x : x.to(at::kFloat); }

static const UnaryOp kUnary[] = {
  {"abs", [](const at::Tensor& x) { return at::abs(x); }},
  {"acos", [](const at::Tensor& x) { return at::acos(x); }},
  {"acosh", [](const at::Tensor& x) { return at::acosh(x); }},
  {"asin", [](const at::Tensor& x) { return at::asin(x); }},
  {"asinh", [](const at::Tensor& x) { return at::asinh(x); }},
  {"atan", [](const at::Tensor& x) { return at::atan(x); }},
  {"atanh", [](const at::Tensor& x) { return at::atanh(x); }},
  {"ceil", [](const at::Tensor& x) { return at::ceil(x); }},
  {"cos", [](const at::Tensor& x) { return at::cos(x); }},
  {"cosh", [](const at::Tensor& x) { return at::cosh(x); }},
  {"erf", [](const at::Tensor& x) { return at::erf(x); }},
  {"exp", [](const at::Tensor& x) { return at::exp(x); }},
  {"expm1", [](const at::Tensor& x) { return at::expm1(x); }},
  {"floor", [](const at::Tensor& x) { return at::floor(x); }},
  {"log", [](const at::Tensor& x) { return at::log(x); }},
  {"log1p", [](const at::Tensor& x) { return at::log1p(x); }},
  {"neg", [](const at::Tensor& x) { return at::neg(x); }},
  {"reciprocal", [](const at::Tensor& x) { return at::reciprocal(x); }},
  {"round", [](const at::Tensor& x) { return at::round(x); }},
  {"rsqrt", [](const at::Tensor& x) { return at::rsqrt(x); }},
  {"sigmoid", [](const at::Tensor& x) { return at::sigmoid(x); }},
  {"sign", [](const at::Tensor& x) { return at::sign(x); }},
  {"sin", [](const at::Tensor& x) { return at::sin(x); }},
  {"sinh", [](const at::Tensor& x) { return at::sinh(x); }},
  {"sqrt", [](const at::Tensor& x) { return at::sqrt(x); }},
  {"square", [](const at::Tensor& x) { return at::square(x); }},
  {"tan", [](const at::Tensor& x) { return at::tan(x); }},
  {"tanh", [](const at::Tensor& x) { return at::tanh(x); }},
  {"relu", [](const at::Tensor& x) { return at::relu(x); }},
  {"relu6", [](const at::Tensor& x) { return at::clamp(x, 0, 6); }},
  {"elu", [](const at::Tensor& x) { return at::elu(asFloat(x)); }},
  {"selu", [](const at::Tensor& x) { return at::selu(asFloat(x)); }},
  {"softplus", [](const at::Tensor& x) { return at::softplus(asFloat(x)); }},
  {"isnan", [](const at::Tensor& x) { return at::isnan(x); }},
  {"isinf", [](const at::Tensor& x) { return at::isinf(x); }},
  {"isfinite", [](const at::Tensor& x) { return at::isfinite(x); }},
  {"logical_not", [](const at::Tensor& x) { return at::logical_not(x); }},
  {"clone", [](const at::Tensor& x) { return x.clone(); }},
  {"zeros_like", [](const at::Tensor& x) { return at::zeros_like(x, at::MemoryFormat::Contiguous); }},
  {"ones_like", [](const at::Tensor& x) { return at::ones_like(x, at::MemoryFormat::Contiguous); }},
};

static const BinaryOp kBinary[] = {
  {"add", [](const at::Tensor& a, const at::Tensor& b) { return at::add(a, b); }},
  {"sub", [](const at::Tensor& a, const at::Tensor& b) { return at::sub(a, b); }},
  {"mul", [](const at::Tensor& a, const at::Tensor& b) { return at::mul(a, b); }},
  {"div", [](const at::Tensor& a, const at::Tensor& b) { return at::div(a, b); }},
  // tfjs FloorDiv always yields int32.
  {"floor_div", [](const at::Tensor& a, const at::Tensor& b) { return at::floor_divide(a, b).to(at::kInt); }},
  {"mod", [](const at::Tensor& a, const at::Tensor& b) { return at::remainder(a, b); }},
  {"pow", [](const at::Tensor& a, const at::Tensor& b) { return at::pow(a, b); }},
  {"maximum", [](const at::Tensor& a, const at::Tensor& b) { return at::maximum(a, b); }},
  {"minimum", [](const at::Tensor& a, const at::Tensor& b) { return at::minimum(a, b); }},
  {"squared_difference", [](const at::Tensor& a, const at::Tensor& b) { return at::square(at::sub(a, b)); }},
  {"atan2", [](const at::Tensor& a, const at::Tensor& b) { return at::atan2(a, b); }},
  {"equal", [](const at::Tensor& a, const at::Tensor& b) { return at::eq(a, b); }},
  {"not_equal", [](const at::Tensor& a, const at::Tensor& b) { return at::ne(a, b); }},
  {"less", [](const at::Tensor& a, const at::Tensor& b) { return at::lt(a, b); }},
  {"less_equal", [](const at::Tensor& a, const at::Tensor& b) { return at::le(a, b); }},
  {"greater", [](const at::Tensor& a, const at::Tensor& b) { return at::gt(a, b); }},
  {"greater_equal", [](const at::Tensor& a, const at::Tensor& b) { return at::ge(a, b); }},
  {"logical_and", [](const at::Tensor& a, const at::Tensor& b) { return at::logical_and(a, b); }},
  {"logical_or", [](const at::Tensor& a, const at::Tensor& b) { return at::logical_or(a, b); }},
  {"logical_xor", [](const at::Tensor& a, const at::Tensor& b) { return at::logical_xor(a, b); }},
  {"bitwise_and", [](const at::Tensor& a, const at::Tensor& b) { return at::bitwise_and(a, b); }},
  // tfjs EluGrad(dy, y): dy where y >= 0, dy * (y + 1) where y < 0.
  {"elu_grad", [](const at::Tensor& dy, const at::Tensor& y) { return at::where(y < 0, dy * (y + 1), dy); }},
  // tfjs Prelu(x, alpha): x where x >= 0, alpha * x otherwise.
  {"prelu", [](const at::Tensor& x, const at::Tensor& alpha) { return at::where(x < 0, alpha * x, x); }},
};

static napi_value nameList(napi_env env, size_t n, const char* (*name)(size_t)) {
  napi_value arr;
  napi_create_array_with_length(env, n, &arr);
  for (size_t i = 0; i < n; i++) {
    napi_value s;
    napi_create_string_utf8(env, name(i), NAPI_AUTO_LENGTH, &s);
    napi_set_element(env, arr, (uint32_t)i, s);
  }
  return arr;
}

constexpr size_t kNumUnary = sizeof(kUnary) / sizeof(kUnary[0]);
constexpr size_t kNumBinary = sizeof(kBinary) / sizeof(kBinary[0]);

// unary(op, x)
UT_FN(UnaryFn) {
  UT_TRY
  Args a(env, info, 2);
  auto op = a.i(0);
  if (op < 0 || (size_t)op >= kNumUnary) throw std::runtime_error("bad unary op");
  return ret(env, kUnary[op].fn(a.t(1)));
  UT_CATCH
}
// binary(op, a, b)
UT_FN(BinaryFn) {
  UT_TRY
  Args a(env, info, 3);
  auto op = a.i(0);
  if (op < 0 || (size_t)op >= kNumBinary) throw std::runtime_error("bad binary op");
  return ret(env, kBinary[op].fn(a.t(1), a.t(2)));
  UT_CATCH
}

// leakyRelu(x, alpha)
UT_FN(LeakyRelu) {
  UT_TRY
  Args a(env, info, 2);
  auto& x = a.t(0);
  return ret(env, at::where(x < 0, x * a.d(1), x));
  UT_CATCH
}
// step(x, alpha): 1 where x > 0, alpha elsewhere, NaN stays NaN (tfjs Step). ReLU-type gradients
// (fused conv/matmul with relu) call it on every activation: float32 input is one pass.
UT_FN(Step) {
  UT_TRY
  Args a(env, info, 2);
  auto x = asFloat(a.t(0));
  const float alpha = (float)a.d(1);
  if (x.scalar_type() == at::kFloat && cpuLoops(x)) {
    x = x.contiguous();
    at::Tensor y = at::empty_like(x);
    const float* __restrict__ xp = x.data_ptr<float>();
    float* __restrict__ yp = y.data_ptr<float>();
    const int64_t n = x.numel();
    for (int64_t i = 0; i < n; i++) {
      float v = xp[i];
      yp[i] = v > 0.0f ? 1.0f : (v != v ? v : alpha);
    }
    return ret(env, y);
  }
  at::Tensor y = at::where(x > 0, at::ones_like(x), at::full_like(x, alpha));
  return ret(env, at::where(at::isnan(x), x, y));
  UT_CATCH
}
// clip(x, lo, hi)
UT_FN(Clip) {
  UT_TRY
  Args a(env, info, 3);
  return ret(env, at::clamp(a.t(0), a.d(1), a.d(2)));
  UT_CATCH
}
// select(cond, a, b)
UT_FN(Select) {
  UT_TRY
  Args a(env, info, 3);
  return ret(env, at::where(a.t(0).to(at::kBool), a.t(1), a.t(2)));
  UT_CATCH
}
// cast(x, dtype)
UT_FN(Cast) {
  UT_TRY
  Args a(env, info, 2);
  auto dt = toScalar((int32_t)a.i(1));
  auto& x = a.t(0);
  return ret(env, x.scalar_type() == dt ? x.clone() : x.to(dt));
  UT_CATCH
}
// addN([xs])
UT_FN(AddN) {
  UT_TRY
  Args a(env, info, 1);
  auto ts = a.tensors(0);
  if (ts.empty()) throw std::runtime_error("AddN needs at least one input");
  at::Tensor acc = ts[0].clone();
  for (size_t i = 1; i < ts.size(); i++) acc.add_(ts[i]);
  return ret(env, acc);
  UT_CATCH
}

// reduce(kind, x, axes, keepDims). kind: sum mean max min prod all any.
UT_FN(Reduce) {
  UT_TRY
  Args a(env, info, 4);
  auto kind = a.s(0);
  at::Tensor x = a.t(1);
  auto axes = a.ints(2);
  bool keep = a.b(3);
  if (axes.empty()) {
    if (kind == "sum" || kind == "prod") return ret(env, x.scalar_type() == at::kBool ? x.to(at::kInt) : x.clone());
    if (kind == "mean") return ret(env, asFloat(x).clone());
    return ret(env, x.clone());
  }
  if (kind == "sum") return ret(env, at::sum(x, axes, keep));
  if (kind == "mean") return ret(env, at::mean(asFloat(x), axes, keep));
  if (kind == "max") return ret(env, at::amax(x, axes, keep));
  if (kind == "min") return ret(env, at::amin(x, axes, keep));
  if (kind == "prod" || kind == "all" || kind == "any") {
    std::vector<int64_t> sorted = axes;
    for (auto& d : sorted) if (d < 0) d += x.dim();
    std::sort(sorted.rbegin(), sorted.rend());
    at::Tensor y = x;
    for (auto d : sorted) {
      if (kind == "prod") y = at::prod(y, d, keep);
      else if (kind == "all") y = at::all(y, d, keep);
      else y = at::any(y, d, keep);
    }
    return ret(env, y);
  }
  throw std::runtime_error("unknown reduction " + kind);
  UT_CATCH
}
// argReduce(isMax, x, axis)
UT_FN(ArgReduce) {
  UT_TRY
  Args a(env, info, 3);
  auto& x = a.t(1);
  return ret(env, a.b(0) ? at::argmax(x, a.i(2)) : at::argmin(x, a.i(2)));
  UT_CATCH
}

// matmul(a, b, bias|null, transA, transB): tfjs BatchMatMul/_FusedMatMul on rank-3 operands with
// broadcast batch. Transposes are views: BLAS reads them in place.
UT_FN(Matmul) {
  UT_TRY
  Args a(env, info, 5);
  at::Tensor x = a.t(0), y = a.t(1);
  auto bias = a.optT(2);
  if (a.b(3)) x = x.transpose(-1, -2);
  if (a.b(4)) y = y.transpose(-1, -2);
  // Rank-2 operands (UntangleLinear): one addmm, bias included.
  if (x.dim() == 2 && y.dim() == 2) {
    if (bias && bias->dim() <= 1) return ret(env, at::addmm(*bias, x, y));
    at::Tensor r = at::mm(x, y);
    return ret(env, bias ? r.add_(*bias) : r);
  }
  if (x.dim() == 3 && y.dim() == 3 && x.size(0) == 1 && y.size(0) == 1) {
    at::Tensor x2 = x.select(0, 0), y2 = y.select(0, 0);
    if (bias && bias->dim() <= 1) return ret(env, at::addmm(*bias, x2, y2).unsqueeze(0));
    at::Tensor r = at::mm(x2, y2).unsqueeze(0);
    return ret(env, bias ? r.add_(*bias) : r);
  }
  at::Tensor r = at::matmul(x, y);
  return ret(env, bias ? r.add_(*bias) : r);
  UT_CATCH
}

// softmax(x, dim, log)
UT_FN(Softmax) {
  UT_TRY
  Args a(env, info, 3);
  auto& x = a.t(0);
  return ret(env, a.b(2) ? at::log_softmax(x, a.i(1)) : at::softmax(x, a.i(1)));
  UT_CATCH
}

// cumulative(isProd, x, axis, exclusive, reverse)
UT_FN(Cumulative) {
  UT_TRY
  Args a(env, info, 5);
  bool prod = a.b(0), exclusive = a.b(3), reverse = a.b(4);
  at::Tensor x = a.t(1);
  int64_t ax = a.i(2);
  if (ax < 0) ax += x.dim();
  if (reverse) x = x.flip(ax);
  at::Tensor y = prod ? at::cumprod(x, ax) : at::cumsum(x, ax);
  if (exclusive) {
    auto n = y.size(ax);
    auto first = prod ? at::ones_like(y.narrow(ax, 0, 1)) : at::zeros_like(y.narrow(ax, 0, 1));
    y = at::cat({first, y.narrow(ax, 0, n - 1)}, ax);
  }
  if (reverse) y = y.flip(ax);
  return ret(env, y.scalar_type() == a.t(1).scalar_type() ? y : y.to(a.t(1).scalar_type()));
  UT_CATCH
}

void registerElementwise(napi_env env, napi_value exports) {
  napi_set_named_property(env, exports, "unaryOps", nameList(env, kNumUnary, [](size_t i) { return kUnary[i].name; }));
  napi_set_named_property(env, exports, "binaryOps", nameList(env, kNumBinary, [](size_t i) { return kBinary[i].name; }));
  defineFn(env, exports, "unary", UnaryFn);
  defineFn(env, exports, "binary", BinaryFn);
  defineFn(env, exports, "leakyRelu", LeakyRelu);
  defineFn(env, exports, "step", Step);
  defineFn(env, exports, "clip", Clip);
  defineFn(env, exports, "select", Select);
  defineFn(env, exports, "cast", Cast);
  defineFn(env, exports, "addN", AddN);
  defineFn(env, exports, "reduce", Reduce);
  defineFn(env, exports, "argReduce", ArgReduce);
  defineFn(env, exports, "matmul", Matmul);
  defineFn(env, exports, "softmax", Softmax);
  defineFn(env, exports, "cumulative", Cumulative);
}

}  // namespace ut
