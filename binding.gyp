{
  "targets": [
    {
      "target_name": "vrdma",
      "sources": ["<!@(node -p \"require('./native/build.json').sources.join(' ')\")"],
      "include_dirs": [
        "<!(node -p \"require('node-addon-api').include_dir\")"
      ],
      "defines": ["<!@(node -p \"require('./native/build.json').defines.join(' ')\")"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti", "-std=gnu++17", "-std=gnu++20"],
      "cflags": ["<!@(pkg-config --cflags libibverbs)"],
      "cflags_cc": ["-std=c++17", "<!@(node -p \"require('./native/build.json').cflags.join(' ')\")"],
      "ldflags": ["<!@(node -p \"require('./native/build.json').ldflags.join(' ')\")"],
      "libraries": ["<!@(pkg-config --libs libibverbs)", "<!@(node -p \"require('./native/build.json').libraries.join(' ')\")"]
    }
  ]
}
