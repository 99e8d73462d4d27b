# chitieu-registry in a container: run in a slim Debian stage as a non-root user,
# with a health check through grpc.health.v1. Two ways to its binaries:
#   from-source (the default, last stage): compiled in the build stage, from
#     the repository root as the context:
#       podman build --format docker -f deploy/docker/registry.Dockerfile -t chitieu/registry .
#     The build stage is the same in the four files and builds every
#     service, so the other three images reuse it from the cache.
#   prebuilt: the binaries ./scripts/test has built, from a context that
#     ./scripts/containers stages (bin/, and dashboard/ for the gateway):
#       podman build --format docker --target prebuilt -f deploy/docker/registry.Dockerfile CTX
# `--format docker` keeps the HEALTHCHECK (OCI images have none). Then:
#   podman run -p 7401:7401 -v chitieu-registry:/var/lib/chitieu chitieu/registry

# What the service needs at run time. The first RUN is the same in the four
# files, so that a build of the four runs apt once.
FROM debian:bookworm-slim AS runtime
RUN apt-get update \
 && apt-get install -y --no-install-recommends libgrpc++1.51 libprotobuf32 libabsl20220623 \
      libspdlog1.10 libsqlite3-0 libssl3 libcpp-httplib0.11 libjwt0 libpq5 \
      libtcmalloc-minimal4 ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --gid 10001 chitieu \
 && useradd --uid 10001 --gid chitieu --home-dir /var/lib/chitieu --shell /usr/sbin/nologin chitieu \
 && install -d -o chitieu -g chitieu -m 0700 /var/lib/chitieu
USER 10001:10001
# Every flag can be set as CHITIEU_<FLAG> (see the README's Operations section).
ENV CHITIEU_LISTEN=0.0.0.0:7401 \
    CHITIEU_DATA_DIR=/var/lib/chitieu \
    CHITIEU_METRICS_LISTEN=0.0.0.0:9090
VOLUME /var/lib/chitieu
EXPOSE 7401 9090
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
  CMD ["/usr/local/bin/chitieu-probe", "--wait_ms=1500"]
# The probe checks CHITIEU_LISTEN, wherever the service is put, within the
# check's 3 s (1.5 s of retries, then at most a 1 s call).
# SIGTERM drains in-flight calls (10 s) before exiting 0.
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/chitieu-registry"]

# Every service, the probe and the dashboard, compiled from the sources.
FROM debian:bookworm-slim AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends cmake g++ make pkg-config ca-certificates \
      libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler libabsl-dev \
      libgtest-dev libgmock-dev libsqlite3-dev libspdlog-dev nlohmann-json3-dev libssl-dev \
      libcpp-httplib-dev libboost-dev libjwt-dev libpq-dev libxlsxwriter-dev libcairo2-dev \
      libpango1.0-dev libgoogle-perftools-dev nodejs npm \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# npm (Node.js has its own CA list) trusts what the system does: the base
# image may carry a local CA (scripts/containers_lib.sh).
ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt
# The googleapis protos come from npm (google-proto-files), pinned by the lock.
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error
# The web dashboard's build tooling (Vite), pinned by its lock.
COPY dashboard/package.json dashboard/package-lock.json dashboard/
RUN npm --prefix dashboard ci --no-audit --no-fund --loglevel=error
COPY . .
RUN cmake -S . -B build -DCMAKE_BUILD_TYPE=Release \
 && cmake --build build -j"$(nproc)" --target chitieu-registry chitieu-quota chitieu-reporting \
      chitieu-gateway chitieu-probe chitieu_dashboard

# The binaries ./scripts/test has built, staged by ./scripts/containers.
FROM runtime AS prebuilt
COPY bin/chitieu-registry bin/chitieu-probe /usr/local/bin/

FROM runtime AS from-source
COPY --from=build /src/build/bin/chitieu-registry /src/build/bin/chitieu-probe /usr/local/bin/
