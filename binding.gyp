{
  "targets": [
    {
      "target_name": "vrdma",
      "sources": [
        "native/addon.cc",
        "native/errors.cc",
        "native/fd_watcher.cc",
        "native/wr_layout.cc",
        "native/device_list.cc",
        "native/context.cc",
        "native/pd.cc",
        "native/mr.cc",
        "native/cq.cc",
        "native/qp.cc",
        "native/srq.cc",
        "native/ah.cc"
      ],
      "include_dirs": [
        "<!(node -p \"require('node-addon-api').include_dir\")"
      ],
      "defines": [
        "NAPI_VERSION=8",
        "NAPI_CPP_EXCEPTIONS",
        "NODE_ADDON_API_DISABLE_DEPRECATED"
      ],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti", "-std=gnu++17", "-std=gnu++20"],
      "cflags": ["<!@(pkg-config --cflags libibverbs)"],
      "cflags_cc": ["-std=c++17", "-fexceptions", "-fvisibility=hidden", "-Wall", "-Wextra", "-Wno-unused-parameter"],
      "libraries": ["<!@(pkg-config --libs libibverbs)"]
    }
  ]
}
