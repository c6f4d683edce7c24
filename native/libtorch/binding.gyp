# Built by build.mjs, which finds libtorch and passes its location through the environment.
{
  "variables": {
    "torch_include%": "<!(node -p \"process.env.UT_TORCH_INCLUDE || '/usr/include'\")",
    "torch_lib%": "<!(node -p \"process.env.UT_TORCH_LIB || '/usr/lib/x86_64-linux-gnu'\")",
    "cxx_abi%": "<!(node -p \"process.env.UT_CXX11_ABI || '1'\")",
    "cxx_std%": "<!(node -p \"process.env.UT_CXX_STD || 'c++17'\")"
  },
  "targets": [{
    "target_name": "untangle_torch",
    "sources": ["src/core.cc", "src/elementwise.cc", "src/nn.cc", "src/shape.cc", "src/fused.cc"],
    "include_dirs": ["<(torch_include)", "<(torch_include)/torch/csrc/api/include"],
    "cflags!": ["-fno-exceptions"],
    "cflags_cc!": ["-fno-exceptions", "-fno-rtti", "-std=gnu++17", "-std=gnu++14", "-std=gnu++20"],
    "cflags_cc": ["-std=<(cxx_std)", "-fexceptions", "-frtti", "-O3", "-fno-math-errno", "-Wno-unused-parameter",
                  "-Wno-deprecated-declarations", "-Wno-unused-variable", "-Wno-cast-function-type"],
    "defines": ["NAPI_VERSION=8", "_GLIBCXX_USE_CXX11_ABI=<(cxx_abi)"],
    "libraries": ["-L<(torch_lib)", "-Wl,-rpath,<(torch_lib)", "-ltorch", "-ltorch_cpu", "-lc10"]
  }]
}
