# Built by build.mjs, which finds libtorch (CPU or CUDA) and passes its location through the environment.
{
  "variables": {
    "torch_include%": "<!(node -p \"process.env.UT_TORCH_INCLUDE || '/usr/include'\")",
    "torch_lib%": "<!(node -p \"process.env.UT_TORCH_LIB || '/usr/lib/x86_64-linux-gnu'\")",
    "cxx_abi%": "<!(node -p \"process.env.UT_CXX11_ABI || '1'\")",
    "cxx_std%": "<!(node -p \"process.env.UT_CXX_STD || 'c++17'\")",
    "with_cuda%": "<!(node -p \"process.env.UT_WITH_CUDA || '0'\")"
  },
  "targets": [{
    "target_name": "untangle_torch",
    "sources": ["native/core.cc", "native/elementwise.cc", "native/nn.cc", "native/shape.cc", "native/fused.cc", "native/fused-train.cc", "native/device.cc"],
    "include_dirs": ["<(torch_include)", "<(torch_include)/torch/csrc/api/include"],
    "cflags!": ["-fno-exceptions"],
    "cflags_cc!": ["-fno-exceptions", "-fno-rtti", "-std=gnu++17", "-std=gnu++14", "-std=gnu++20"],
    "cflags_cc": ["-std=<(cxx_std)", "-fexceptions", "-frtti", "-O3", "-fno-math-errno", "-Wno-unused-parameter",
                  "-Wno-deprecated-declarations", "-Wno-unused-variable", "-Wno-cast-function-type"],
    "defines": ["NAPI_VERSION=8", "_GLIBCXX_USE_CXX11_ABI=<(cxx_abi)"],
    "libraries": ["-L<(torch_lib)", "-Wl,-rpath,<(torch_lib)", "-ltorch", "-ltorch_cpu", "-lc10", "-ldl"],
    "conditions": [
      # A CUDA libtorch: link its CUDA halves even though no symbol of theirs is named (their static
      # initialisers register ATen's CUDA hooks), so --as-needed must not drop them.
      ["with_cuda==1", {
        "defines": ["UT_WITH_CUDA=1"],
        "libraries": ["-Wl,--no-as-needed", "-ltorch_cuda", "-lc10_cuda", "-Wl,--as-needed"]
      }]
    ]
  }]
}
