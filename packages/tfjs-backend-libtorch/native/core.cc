// Handle table, argument readers, data transfer (typed arrays in and out), threads, version.
#include "common.h"
#include <ATen/Parallel.h>
#include <c10/core/InferenceMode.h>
#include <cstring>
#include <torch/version.h>
#include <cstdlib>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace ut {

// Training allocates and frees the same activation-sized buffers (MBs) every step. glibc serves
// those with mmap and returns them with munmap (or trims the heap top), so every step page-faults
// its working set in again: thousands of faults per step, each zeroing a page. Serving up to 32 MB
// from the heap and never trimming it keeps freed pages mapped for reuse (the process keeps its
// peak footprint). UNTANGLE_MALLOC_KEEP=0 leaves glibc's defaults.
static void keepFreedMemory() {
#if defined(__GLIBC__)
  const char* env = std::getenv("UNTANGLE_MALLOC_KEEP");
  if (env && std::string(env) == "0") return;
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
  mallopt(M_TOP_PAD, 64 << 20);
#endif
}

static std::vector<at::Tensor> slots;
static std::vector<int64_t> slotBytes;
static std::vector<int32_t> freeSlots;
static int64_t bytesLive = 0, countLive = 0;
static int32_t* resultBuf = nullptr;
static size_t resultLen = 0;

at::ScalarType toScalar(int32_t code) {
  switch (code) {
    case kF32: return at::kFloat;
    case kI32: return at::kInt;
    case kBool: return at::kBool;
  }
  throw std::runtime_error("unknown dtype code " + std::to_string(code));
}
int32_t fromScalar(at::ScalarType t) {
  switch (t) {
    case at::kFloat: return kF32;
    case at::kInt: return kI32;
    case at::kBool: return kBool;
    default: throw std::runtime_error(std::string("unsupported result dtype ") + c10::toString(t));
  }
}

int32_t put(at::Tensor t) {
  int64_t nb = (int64_t)t.nbytes();
  int32_t h;
  if (!freeSlots.empty()) {
    h = freeSlots.back();
    freeSlots.pop_back();
    slots[h] = std::move(t);
    slotBytes[h] = nb;
  } else {
    h = (int32_t)slots.size();
    slots.push_back(std::move(t));
    slotBytes.push_back(nb);
  }
  bytesLive += nb;
  countLive++;
  return h;
}
at::Tensor& get(int32_t h) {
  if (h < 0 || (size_t)h >= slots.size() || !slots[h].defined())
    throw std::runtime_error("invalid tensor handle " + std::to_string(h));
  return slots[h];
}
void release(int32_t h) {
  get(h);
  slots[h] = at::Tensor();
  bytesLive -= slotBytes[h];
  countLive--;
  freeSlots.push_back(h);
}
int64_t liveBytes() { return bytesLive; }
int64_t liveCount() { return countLive; }

void setResultBuffer(int32_t* buf, size_t len) { resultBuf = buf; resultLen = len; }
void writeShape(const at::Tensor& t) {
  if (!resultBuf) throw std::runtime_error("result buffer not set: call init() first");
  if ((size_t)t.dim() + 2 > resultLen) throw std::runtime_error("rank too large");
  resultBuf[0] = fromScalar(t.scalar_type());
  resultBuf[1] = (int32_t)t.dim();
  for (int64_t i = 0; i < t.dim(); i++) resultBuf[2 + i] = (int32_t)t.size(i);
}

static at::Tensor normalise(at::Tensor t) {
  auto st = t.scalar_type();
  if (st == at::kLong || st == at::kShort || st == at::kByte || st == at::kChar) return t.to(at::kInt);
  if (st == at::kDouble || st == at::kHalf || st == at::kBFloat16) return t.to(at::kFloat);
  return t;
}
napi_value num(napi_env env, double x) { napi_value v; napi_create_double(env, x, &v); return v; }
napi_value ret(napi_env env, at::Tensor t) {
  t = normalise(std::move(t));
  writeShape(t);
  napi_value v;
  napi_create_int32(env, put(std::move(t)), &v);
  return v;
}
napi_value retMany(napi_env env, const std::vector<at::Tensor>& ts) {
  napi_value arr;
  napi_create_array_with_length(env, ts.size(), &arr);
  for (size_t i = 0; i < ts.size(); i++) {
    napi_value v;
    napi_create_int32(env, put(normalise(ts[i])), &v);
    napi_set_element(env, arr, (uint32_t)i, v);
  }
  return arr;
}

Args::Args(napi_env env, napi_callback_info info, size_t n) : env(env), v(n) {
  size_t argc = n;
  void* data = nullptr;
  napi_get_cb_info(env, info, &argc, v.data(), nullptr, &data);
  if (data) fn = static_cast<const char*>(data);
  if (argc < n) throw std::runtime_error(std::string(fn) + ": expected " + std::to_string(n) + " arguments, got " + std::to_string(argc));
}
void Args::sameDevice(const at::Tensor& t, size_t k) const {
  if (!device) { device = t.device(); return; }
  if (t.device() != *device)
    throw std::runtime_error(std::string("mixed devices in ") + fn + ": argument " + std::to_string(k) + " is on " +
                             t.device().str() + ", an earlier tensor argument on " + device->str());
}
at::Tensor& Args::t(size_t k) const {
  at::Tensor& x = get((int32_t)i(k));
  sameDevice(x, k);
  return x;
}
bool Args::isNull(size_t k) const {
  napi_valuetype ty;
  napi_typeof(env, v[k], &ty);
  return ty == napi_undefined || ty == napi_null;
}
c10::optional<at::Tensor> Args::optT(size_t k) const {
  if (isNull(k)) return c10::nullopt;
  return t(k);
}
int64_t Args::i(size_t k) const {
  int64_t x;
  if (napi_get_value_int64(env, v[k], &x) != napi_ok) throw std::runtime_error("argument " + std::to_string(k) + " must be a number");
  return x;
}
double Args::d(size_t k) const {
  double x;
  if (napi_get_value_double(env, v[k], &x) != napi_ok) throw std::runtime_error("argument " + std::to_string(k) + " must be a number");
  return x;
}
bool Args::b(size_t k) const {
  bool x = false;
  napi_get_value_bool(env, v[k], &x);
  return x;
}
std::string Args::s(size_t k) const {
  size_t len = 0;
  napi_get_value_string_utf8(env, v[k], nullptr, 0, &len);
  std::string out(len, '\0');
  napi_get_value_string_utf8(env, v[k], out.data(), len + 1, &len);
  return out;
}
std::vector<int64_t> Args::ints(size_t k) const {
  std::vector<int64_t> out;
  bool isTyped = false;
  napi_is_typedarray(env, v[k], &isTyped);
  if (isTyped) {
    napi_typedarray_type ty; size_t len; void* data; napi_value ab; size_t off;
    napi_get_typedarray_info(env, v[k], &ty, &len, &data, &ab, &off);
    if (ty != napi_int32_array) throw std::runtime_error("integer list must be an Int32Array");
    auto* p = static_cast<int32_t*>(data);
    out.assign(p, p + len);
    return out;
  }
  uint32_t n = 0;
  if (napi_get_array_length(env, v[k], &n) != napi_ok) throw std::runtime_error("argument " + std::to_string(k) + " must be an integer list");
  out.reserve(n);
  for (uint32_t j = 0; j < n; j++) {
    napi_value e; int64_t x;
    napi_get_element(env, v[k], j, &e);
    napi_get_value_int64(env, e, &x);
    out.push_back(x);
  }
  return out;
}
std::vector<at::Tensor> Args::tensors(size_t k) const {
  auto hs = ints(k);
  std::vector<at::Tensor> out;
  out.reserve(hs.size());
  for (auto h : hs) {
    out.push_back(get((int32_t)h));
    sameDevice(out.back(), k);
  }
  return out;
}

napi_value str(napi_env env, const std::string& x) {
  napi_value v;
  napi_create_string_utf8(env, x.c_str(), x.size(), &v);
  return v;
}

// The function's name travels as its callback data, so Args can name it in errors.
void defineFn(napi_env env, napi_value exports, const char* name, napi_callback fn) {
  napi_value f;
  napi_create_function(env, name, NAPI_AUTO_LENGTH, fn, const_cast<char*>(name), &f);
  napi_set_named_property(env, exports, name, f);
}

// init(resultBuffer: Int32Array, threads): remembers the shared result buffer, disables autograd
// bookkeeping for the whole process (we never ask libtorch for gradients: tfjs does autodiff).
UT_FN(Init) {
  UT_TRY
  Args a(env, info, 2);
  napi_typedarray_type ty; size_t len; void* data; napi_value ab; size_t off;
  napi_get_typedarray_info(env, a.v[0], &ty, &len, &data, &ab, &off);
  if (ty != napi_int32_array) throw std::runtime_error("result buffer must be an Int32Array");
  // Keep the buffer alive for the life of the process.
  napi_ref ref;
  napi_create_reference(env, a.v[0], 1, &ref);
  setResultBuffer(static_cast<int32_t*>(data), len);
  static c10::InferenceMode* guard = new c10::InferenceMode(true);
  (void)guard;
  keepFreedMemory();
  at::set_num_threads((int)a.i(1));
  napi_value out;
  napi_create_object(env, &out);
  napi_value s;
  std::string version = std::to_string(TORCH_VERSION_MAJOR) + "." + std::to_string(TORCH_VERSION_MINOR) + "." +
                        std::to_string(TORCH_VERSION_PATCH);
  napi_create_string_utf8(env, version.c_str(), NAPI_AUTO_LENGTH, &s);
  napi_set_named_property(env, out, "torch", s);
  napi_create_string_utf8(env, at::get_parallel_info().c_str(), NAPI_AUTO_LENGTH, &s);
  napi_set_named_property(env, out, "parallel", s);
  napi_set_named_property(env, out, "threads", num(env, at::get_num_threads()));
  return out;
  UT_CATCH
}

UT_FN(SetThreads) {
  UT_TRY
  Args a(env, info, 1);
  at::set_num_threads((int)a.i(0));
  return num(env, at::get_num_threads());
  UT_CATCH
}

// fromArray(typedArray, shape, dtype): copies the values into a new libtorch tensor on the target
// device. Off the CPU this is the one host-to-device copy of an upload (a batch, a parameter).
UT_FN(FromArray) {
  UT_TRY
  Args a(env, info, 3);
  napi_typedarray_type ty; size_t len; void* data; napi_value ab; size_t off;
  if (napi_get_typedarray_info(env, a.v[0], &ty, &len, &data, &ab, &off) != napi_ok)
    throw std::runtime_error("values must be a typed array");
  auto shape = a.ints(1);
  auto dt = toScalar((int32_t)a.i(2));
  int64_t n = 1;
  for (auto d : shape) n *= d;
  if ((int64_t)len != n) throw std::runtime_error("values length " + std::to_string(len) + " does not match shape size " + std::to_string(n));
  at::ScalarType src;
  switch (ty) {
    case napi_float32_array: src = at::kFloat; break;
    case napi_int32_array: src = at::kInt; break;
    case napi_uint8_array: src = at::kByte; break;
    case napi_int8_array: src = at::kChar; break;
    case napi_float64_array: src = at::kDouble; break;
    default: throw std::runtime_error("unsupported typed array type");
  }
  at::Tensor t = at::empty(shape, at::TensorOptions().dtype(dt));
  if (n > 0) {
    auto view = at::from_blob(data, shape, at::TensorOptions().dtype(src));
    if (src == dt) std::memcpy(t.data_ptr(), data, n * t.element_size());
    else if (dt == at::kBool) t.copy_(view.ne(0));
    else t.copy_(view);
  }
  if (!targetDevice().is_cpu()) t = t.to(targetDevice());
  return ret(env, t);
  UT_CATCH
}

// toArray(h): a fresh typed array (Float32Array, Int32Array or Uint8Array for bool). A tensor on
// another device is copied to the host explicitly here (tfjs dataSync, logging, checkpoints).
UT_FN(ToArray) {
  UT_TRY
  Args a(env, info, 1);
  at::Tensor t = a.t(0);
  if (!t.is_cpu()) t = t.to(at::kCPU);
  t = t.contiguous();
  napi_typedarray_type ty;
  switch (t.scalar_type()) {
    case at::kFloat: ty = napi_float32_array; break;
    case at::kInt: ty = napi_int32_array; break;
    case at::kBool: ty = napi_uint8_array; break;
    default: throw std::runtime_error("unsupported dtype for read");
  }
  size_t nb = t.nbytes();
  napi_value ab, out;
  void* dst;
  napi_create_arraybuffer(env, nb, &dst, &ab);
  if (nb) std::memcpy(dst, t.data_ptr(), nb);
  napi_create_typedarray(env, ty, t.numel(), ab, 0, &out);
  return out;
  UT_CATCH
}

UT_FN(Free) {
  UT_TRY
  Args a(env, info, 1);
  release((int32_t)a.i(0));
  return nullptr;
  UT_CATCH
}

UT_FN(Memory) {
  UT_TRY
  napi_value out;
  napi_create_object(env, &out);
  napi_set_named_property(env, out, "bytes", num(env, (double)liveBytes()));
  napi_set_named_property(env, out, "tensors", num(env, (double)liveCount()));
  return out;
  UT_CATCH
}

// shapeOf(h): writes dtype and shape of a live tensor into the result buffer.
UT_FN(ShapeOf) {
  UT_TRY
  Args a(env, info, 1);
  writeShape(a.t(0));
  return nullptr;
  UT_CATCH
}

void registerCore(napi_env env, napi_value exports) {
  defineFn(env, exports, "init", Init);
  defineFn(env, exports, "setThreads", SetThreads);
  defineFn(env, exports, "fromArray", FromArray);
  defineFn(env, exports, "toArray", ToArray);
  defineFn(env, exports, "free", Free);
  defineFn(env, exports, "memory", Memory);
  defineFn(env, exports, "shapeOf", ShapeOf);
}

}  // namespace ut

static napi_value InitModule(napi_env env, napi_value exports) {
  ut::registerCore(env, exports);
  ut::registerElementwise(env, exports);
  ut::registerNN(env, exports);
  ut::registerShape(env, exports);
  ut::registerFused(env, exports);
  ut::registerFusedTrain(env, exports);
  ut::registerDevice(env, exports);
  return exports;
}
NAPI_MODULE(NODE_GYP_MODULE_NAME, InitModule)
