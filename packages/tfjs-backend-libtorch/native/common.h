// Shared plumbing for the untangle libtorch addon: a table of live tensors addressed by small
// integer handles (tfjs owns lifetimes through disposeData, so no GC finalizers are involved),
// argument readers for N-API values, and the single exit point that normalises dtypes and
// reports the result's dtype and shape through a buffer shared with JS.
#pragma once
#include <node_api.h>
#include <ATen/ATen.h>
#include <stdexcept>
#include <string>
#include <vector>

namespace ut {

// tfjs dtypes the backend stores natively. Codes are shared with backend.ts.
enum DType : int32_t { kF32 = 0, kI32 = 1, kBool = 2 };
at::ScalarType toScalar(int32_t code);
int32_t fromScalar(at::ScalarType t);

// Handle table.
int32_t put(at::Tensor t);
at::Tensor& get(int32_t h);
void release(int32_t h);
int64_t liveBytes();
int64_t liveCount();

// Result buffer shared with JS: [dtype, rank, d0, d1, ...].
void setResultBuffer(int32_t* buf, size_t len);
void writeShape(const at::Tensor& t);

// Normalise (int64 -> int32, double -> float), store, write its shape, return the handle.
napi_value ret(napi_env env, at::Tensor t);
napi_value retMany(napi_env env, const std::vector<at::Tensor>& ts);

// Arguments of one addon call. Every tensor argument must live on the same device: the first
// tensor read fixes it and a later one elsewhere is an error naming the addon function (set
// through defineFn), so a stray CPU tensor never meets a CUDA one inside ATen.
struct Args {
  napi_env env;
  std::vector<napi_value> v;
  const char* fn = "?";
  mutable c10::optional<c10::Device> device;
  Args(napi_env env, napi_callback_info info, size_t n);
  void sameDevice(const at::Tensor& t, size_t k) const;
  at::Tensor& t(size_t i) const;            // tensor by handle
  bool isNull(size_t i) const;
  c10::optional<at::Tensor> optT(size_t i) const;
  std::vector<at::Tensor> tensors(size_t i) const;  // array of handles
  int64_t i(size_t i) const;
  double d(size_t i) const;
  bool b(size_t i) const;
  std::string s(size_t i) const;
  std::vector<int64_t> ints(size_t i) const;      // JS array or Int32Array
};

napi_value num(napi_env env, double x);
napi_value str(napi_env env, const std::string& x);
void defineFn(napi_env env, napi_value exports, const char* name, napi_callback fn);

// The device new tensors are created on (device.cc): cpu unless setDevice chose another.
const c10::Device& targetDevice();
// True when UNTANGLE_LIBTORCH_GENERIC=1: the kernels with a CPU pointer loop then take their
// device-neutral ATen path on the CPU too, so the code CUDA runs is tested without a GPU.
bool genericKernels();
// The CPU pointer-loop fast path applies: every operand on the CPU and generic code not forced.
inline bool cpuLoops(const at::Tensor& x) { return x.is_cpu() && !genericKernels(); }
// Options for small helper tensors (index lists, ranges) on the device of `like`.
inline at::TensorOptions optionsOn(const at::Tensor& like, at::ScalarType dt) {
  return at::TensorOptions().dtype(dt).device(like.device());
}

// Shared by the fused kernels (fused.cc): a float32 contiguous view of t (else an error), and
// h_{t-1} of every step of a batch-first sequence hs [B,T,H] as [T*B, H] (h0, then hs[:, 0..T-2]).
at::Tensor f32(const at::Tensor& t);
at::Tensor previousStates(const at::Tensor& h0, const at::Tensor& hs);

// Registration hooks of the op groups (one translation unit each).
void registerCore(napi_env env, napi_value exports);
void registerElementwise(napi_env env, napi_value exports);
void registerNN(napi_env env, napi_value exports);
void registerShape(napi_env env, napi_value exports);
void registerFused(napi_env env, napi_value exports);
void registerFusedTrain(napi_env env, napi_value exports);
void registerDevice(napi_env env, napi_value exports);

}  // namespace ut

#define UT_FN(name) static napi_value name(napi_env env, napi_callback_info info)
#define UT_TRY try {
#define UT_CATCH                                                    \
  }                                                                 \
  catch (const std::exception& e) {                                 \
    napi_throw_error(env, "LIBTORCH", e.what());                    \
    return nullptr;                                                 \
  }
