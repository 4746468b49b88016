# Every dependency comes from a Debian package installed by tools/setup.sh.
find_package(Threads REQUIRED)
find_package(PkgConfig REQUIRED)
find_package(OpenSSL REQUIRED)          # SHA-256, HMAC, MD5 for SigV4, ETags, model checks
find_package(SQLite3 REQUIRED)
find_package(nlohmann_json 3.11 REQUIRED)
find_package(EXPAT REQUIRED)
find_package(CURL REQUIRED)
find_package(Boost 1.81 EXACT REQUIRED)  # Beast/Asio: header-only parts
find_package(GTest REQUIRED)
find_package(benchmark REQUIRED)
pkg_check_modules(FFMPEG REQUIRED IMPORTED_TARGET libavformat libavcodec libavutil libswscale)
pkg_check_modules(DLIB REQUIRED IMPORTED_TARGET dlib-1)
pkg_check_modules(IMAGE REQUIRED IMPORTED_TARGET libturbojpeg libpng libwebp)
pkg_check_modules(YAML REQUIRED IMPORTED_TARGET yaml-0.1)  # libyaml: the stack template reader
find_library(OPENBLAS_LIB openblas REQUIRED)
find_library(DNNL_LIB dnnl)
find_library(MIMALLOC_LIB mimalloc)
