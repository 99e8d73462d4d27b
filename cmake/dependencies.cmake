# Every dependency comes from a Debian 12 package; ./scripts/up installs them.
find_package(Threads REQUIRED)
find_package(Protobuf REQUIRED)
find_package(gRPC CONFIG REQUIRED)
find_package(absl CONFIG REQUIRED)
find_package(GTest CONFIG REQUIRED)
find_package(spdlog CONFIG REQUIRED)
find_package(nlohmann_json CONFIG REQUIRED)
find_package(PkgConfig REQUIRED)
pkg_check_modules(SQLITE3 REQUIRED IMPORTED_TARGET sqlite3)
pkg_check_modules(HTTPLIB REQUIRED IMPORTED_TARGET cpp-httplib)
pkg_check_modules(LIBJWT REQUIRED IMPORTED_TARGET libjwt)
pkg_check_modules(LIBPQ REQUIRED IMPORTED_TARGET libpq)
# The report files: workbooks (libxlsxwriter-dev), PDFs (libcairo2-dev and
# libpango1.0-dev).
pkg_check_modules(XLSXWRITER REQUIRED IMPORTED_TARGET xlsxwriter)
pkg_check_modules(PANGOCAIRO REQUIRED IMPORTED_TARGET pangocairo cairo-pdf)
find_package(OpenSSL REQUIRED)
# Boost.Beast/Asio: header-only (libboost-dev), for the gateway's HTTP listener.
find_package(Boost 1.74 REQUIRED)

find_program(GRPC_CPP_PLUGIN grpc_cpp_plugin REQUIRED)

# The googleapis protos (google.api, google.rpc) come from the npm package
# google-proto-files, installed by the scripts into node_modules/.
set(GOOGLEAPIS_PROTO_DIR ${CMAKE_SOURCE_DIR}/node_modules/google-proto-files
    CACHE PATH "Folder holding google/api and google/rpc protos")
if(NOT EXISTS ${GOOGLEAPIS_PROTO_DIR}/google/api/annotations.proto)
  message(FATAL_ERROR "googleapis protos not found in ${GOOGLEAPIS_PROTO_DIR}: run `npm ci` (./scripts/up does)")
endif()

# tcmalloc (libgoogle-perftools-dev), for the services whose measured work
# it speeds up (docs/PERFORMANCE.md, "Rebuilding the read model"; what it
# costs: "Memory"): linked though nothing calls it by name, so that it
# replaces glibc's malloc. Never in the sanitizer builds, which bring
# allocators of their own.
if(CHITIEU_TCMALLOC AND NOT CHITIEU_SANITIZE)
  find_library(TCMALLOC_MINIMAL_LIBRARY tcmalloc_minimal)
  if(NOT TCMALLOC_MINIMAL_LIBRARY)
    message(FATAL_ERROR "tcmalloc not found: install libgoogle-perftools-dev (./scripts/up does) "
                        "or configure with -DCHITIEU_TCMALLOC=OFF")
  endif()
endif()
# A library kept on the link line whether or not the linker drops those
# nothing refers to (--as-needed).
set(CMAKE_LINK_LIBRARY_USING_chitieu_kept "LINKER:--push-state,--no-as-needed" "<LINK_ITEM>"
    "LINKER:--pop-state")
set(CMAKE_LINK_LIBRARY_USING_chitieu_kept_SUPPORTED TRUE)
function(chitieu_link_tcmalloc target)
  if(CHITIEU_TCMALLOC AND NOT CHITIEU_SANITIZE)
    target_link_libraries(${target} PRIVATE "$<LINK_LIBRARY:chitieu_kept,${TCMALLOC_MINIMAL_LIBRARY}>")
  endif()
endfunction()
