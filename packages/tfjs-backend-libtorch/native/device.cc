// Devices: which device new tensors are created on, what this libtorch can run on (CUDA compiled
// in, GPUs visible, their names and the driver), moving a tensor between devices, and the
// determinism switches. Everything here compiles against a CPU-only libtorch unchanged: CUDA is
// reached through ATen's CUDA hooks (which a CPU build answers with "no CUDA"), and the GPU name
// and driver version come from the driver library (libcuda.so.1) opened at run time, so no CUDA
// header is needed at build time.
#include "common.h"
#include <ATen/Context.h>
#include <ATen/Version.h>
#include <cstdlib>
#include <dlfcn.h>
#include <torch/version.h>

namespace ut {

static c10::Device gDevice(c10::kCPU);
static int gForceGeneric = -1;

const c10::Device& targetDevice() { return gDevice; }

bool genericKernels() {
  if (gForceGeneric < 0) {
    const char* env = std::getenv("UNTANGLE_LIBTORCH_GENERIC");
    gForceGeneric = env && std::string(env) == "1" ? 1 : 0;
  }
  return gForceGeneric == 1;
}

static bool cudaCompiled() {
#if defined(UT_WITH_CUDA)
  return true;  // linked against torch_cuda (build.mjs found it): compiled in, with or without a GPU
#else
  return false;
#endif
}
static int64_t cudaDevices() { return at::hasCUDA() ? (int64_t)at::getNumGPUs() : 0; }

// The CUDA driver API, looked up by name in libcuda.so.1. These four entry points have had the
// same C signatures since CUDA 4 (CUdevice is an int, CUresult an int).
struct Driver {
  void* lib = nullptr;
  int (*init)(unsigned) = nullptr;
  int (*version)(int*) = nullptr;
  int (*deviceGet)(int*, int) = nullptr;
  int (*deviceName)(char*, int, int) = nullptr;
  int (*totalMem)(size_t*, int) = nullptr;
  std::string error;
};
static Driver& driver() {
  static Driver d;
  static bool tried = false;
  if (tried) return d;
  tried = true;
  d.lib = dlopen("libcuda.so.1", RTLD_LAZY | RTLD_LOCAL);
  if (!d.lib) { d.error = std::string("libcuda.so.1 not loadable: ") + dlerror(); return d; }
  d.init = reinterpret_cast<int (*)(unsigned)>(dlsym(d.lib, "cuInit"));
  d.version = reinterpret_cast<int (*)(int*)>(dlsym(d.lib, "cuDriverGetVersion"));
  d.deviceGet = reinterpret_cast<int (*)(int*, int)>(dlsym(d.lib, "cuDeviceGet"));
  d.deviceName = reinterpret_cast<int (*)(char*, int, int)>(dlsym(d.lib, "cuDeviceGetName"));
  d.totalMem = reinterpret_cast<int (*)(size_t*, int)>(dlsym(d.lib, "cuDeviceTotalMem_v2"));
  if (!d.init || !d.version || !d.deviceGet || !d.deviceName) { d.error = "libcuda.so.1 lacks the driver entry points"; return d; }
  int rc = d.init(0);
  if (rc != 0) d.error = "cuInit failed with CUresult " + std::to_string(rc);
  return d;
}

// deviceInfo() -> { torch, cudaCompiled, cudaDevices, driver, driverError, gpus: [{index, name, memoryMiB}],
//                   buildConfig, device }
UT_FN(DeviceInfo) {
  UT_TRY
  napi_value out;
  napi_create_object(env, &out);
  std::string version = std::to_string(TORCH_VERSION_MAJOR) + "." + std::to_string(TORCH_VERSION_MINOR) + "." +
                        std::to_string(TORCH_VERSION_PATCH);
  napi_set_named_property(env, out, "torch", str(env, version));
  napi_value b;
  napi_get_boolean(env, cudaCompiled(), &b);
  napi_set_named_property(env, out, "cudaCompiled", b);
  int64_t n = cudaDevices();
  napi_set_named_property(env, out, "cudaDevices", num(env, (double)n));
  napi_set_named_property(env, out, "buildConfig", str(env, at::show_config()));
  napi_set_named_property(env, out, "device", str(env, gDevice.str()));
  napi_value gpus;
  napi_create_array(env, &gpus);
  std::string driverVersion, driverError;
  if (cudaCompiled()) {
    Driver& d = driver();
    driverError = d.error;
    if (d.error.empty()) {
      int v = 0;
      if (d.version(&v) == 0) driverVersion = std::to_string(v / 1000) + "." + std::to_string((v % 1000) / 10);
      for (int i = 0; i < (int)n; i++) {
        int dev = 0;
        char name[256] = {0};
        if (d.deviceGet(&dev, i) != 0 || d.deviceName(name, sizeof(name) - 1, dev) != 0) continue;
        size_t mem = 0;
        if (d.totalMem) d.totalMem(&mem, dev);
        napi_value g;
        napi_create_object(env, &g);
        napi_set_named_property(env, g, "index", num(env, i));
        napi_set_named_property(env, g, "name", str(env, name));
        napi_set_named_property(env, g, "memoryMiB", num(env, (double)(mem >> 20)));
        napi_set_element(env, gpus, (uint32_t)i, g);
      }
    }
  } else {
    driverError = "libtorch compiled without CUDA";
  }
  napi_set_named_property(env, out, "driver", str(env, driverVersion));
  napi_set_named_property(env, out, "driverError", str(env, driverError));
  napi_set_named_property(env, out, "gpus", gpus);
  return out;
  UT_CATCH
}

// setDevice("cpu" | "cuda" | "cuda:N"): where fromArray puts new tensors. Checked here, so a bad
// request is one clear error before any tensor exists, never a failure deep inside a kernel.
UT_FN(SetDevice) {
  UT_TRY
  Args a(env, info, 1);
  std::string want = a.s(0);
  c10::Device dev(c10::kCPU);
  try {
    dev = c10::Device(want);
  } catch (const std::exception&) {
    throw std::runtime_error("unknown device '" + want + "' (expected cpu, cuda or cuda:N)");
  }
  if (dev.is_cuda()) {
    if (!cudaCompiled()) throw std::runtime_error("device " + want + " requested but this libtorch was compiled without CUDA");
    int64_t n = cudaDevices();
    if (n == 0) throw std::runtime_error("device " + want + " requested but CUDA sees no GPU");
    if (!dev.has_index()) dev = c10::Device(c10::kCUDA, 0);
    if (dev.index() >= n) throw std::runtime_error("device " + want + " requested but CUDA sees " + std::to_string(n) + " GPU(s)");
  } else if (!dev.is_cpu()) {
    throw std::runtime_error("device " + want + " is not supported (cpu or cuda only)");
  }
  if (liveCount() > 0 && dev != gDevice)
    throw std::runtime_error("cannot move the backend to " + dev.str() + ": " + std::to_string(liveCount()) + " tensors already live on " + gDevice.str());
  gDevice = dev;
  return str(env, gDevice.str());
  UT_CATCH
}

// toDevice(h, "cpu" | "cuda:N" | "meta"): a copy of the tensor on another device (an explicit move;
// "meta" holds shapes only and lets tests build mixed-device calls on a machine without a GPU).
UT_FN(ToDevice) {
  UT_TRY
  Args a(env, info, 2);
  return ret(env, a.t(0).to(c10::Device(a.s(1))));
  UT_CATCH
}

// deviceOf(h) -> "cpu", "cuda:0", ...
UT_FN(DeviceOf) {
  UT_TRY
  Args a(env, info, 1);
  return str(env, a.t(0).device().str());
  UT_CATCH
}

// setDeterministic(on): ATen's deterministic-algorithms switch (ops without a deterministic CUDA
// kernel then raise instead of silently using atomics) plus cuDNN's deterministic, non-benchmark
// mode. cuBLAS needs CUBLAS_WORKSPACE_CONFIG before its first handle: set here unless the user did.
UT_FN(SetDeterministic) {
  UT_TRY
  Args a(env, info, 1);
  bool on = a.b(0);
  if (on) setenv("CUBLAS_WORKSPACE_CONFIG", ":4096:8", 0);
  at::globalContext().setDeterministicAlgorithms(on, false);
  at::globalContext().setDeterministicCuDNN(on);
  at::globalContext().setBenchmarkCuDNN(false);
  napi_value b;
  napi_get_boolean(env, at::globalContext().deterministicAlgorithms(), &b);
  return b;
  UT_CATCH
}

// setGenericKernels(on): the device-neutral ATen paths of the fused kernels on the CPU too (what
// UNTANGLE_LIBTORCH_GENERIC=1 does at start), so tests compare them with the CPU loops.
UT_FN(SetGenericKernels) {
  UT_TRY
  Args a(env, info, 1);
  gForceGeneric = a.b(0) ? 1 : 0;
  napi_value b;
  napi_get_boolean(env, gForceGeneric == 1, &b);
  return b;
  UT_CATCH
}

void registerDevice(napi_env env, napi_value exports) {
  defineFn(env, exports, "setGenericKernels", SetGenericKernels);
  defineFn(env, exports, "deviceInfo", DeviceInfo);
  defineFn(env, exports, "setDevice", SetDevice);
  defineFn(env, exports, "toDevice", ToDevice);
  defineFn(env, exports, "deviceOf", DeviceOf);
  defineFn(env, exports, "setDeterministic", SetDeterministic);
}

}  // namespace ut
