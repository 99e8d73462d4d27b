# chitieu-gateway in a container: built in one stage, run in a slim one as a
# non-root user, with a health check through grpc.health.v1. No Docker engine
# runs where this project is built and tested, so this file is kept plain
# enough to check by reading. From the repository root:
#   docker build -f deploy/docker/gateway.Dockerfile -t chitieu/gateway .
#   docker run -p 7400:7400 -v chitieu-gateway:/var/lib/chitieu chitieu/gateway

FROM debian:bookworm-slim AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends cmake g++ make pkg-config ca-certificates \
      libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler libabsl-dev \
      libgtest-dev libgmock-dev libsqlite3-dev libspdlog-dev nlohmann-json3-dev libssl-dev \
      libcpp-httplib-dev libjwt-dev libpq-dev nodejs npm \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# The googleapis protos come from npm (google-proto-files), pinned by the lock.
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error
# The web dashboard's build tooling (Vite), pinned by its lock.
COPY dashboard/package.json dashboard/package-lock.json dashboard/
RUN npm --prefix dashboard ci --no-audit --no-fund --loglevel=error
COPY . .
RUN cmake -S . -B build -DCMAKE_BUILD_TYPE=Release \
 && cmake --build build -j"$(nproc)" --target chitieu-gateway chitieu-probe chitieu_dashboard

FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends libgrpc++1.51 libprotobuf32 libabsl20220623 \
      libspdlog1.10 libsqlite3-0 libssl3 libcpp-httplib0.11 libjwt0 libpq5 ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --gid 10001 chitieu \
 && useradd --uid 10001 --gid chitieu --home-dir /var/lib/chitieu --shell /usr/sbin/nologin chitieu \
 && install -d -o chitieu -g chitieu -m 0700 /var/lib/chitieu
COPY --from=build /src/build/bin/chitieu-gateway /src/build/bin/chitieu-probe /usr/local/bin/
COPY --from=build /src/dashboard/dist /usr/share/chitieu/dashboard
USER 10001:10001
# Every flag can be set as CHITIEU_<FLAG> (see the README's Operations section).
ENV CHITIEU_LISTEN=0.0.0.0:7400 \
    CHITIEU_DATA_DIR=/var/lib/chitieu \
    CHITIEU_METRICS_LISTEN=0.0.0.0:9090 \
    CHITIEU_DASHBOARD_DIR=/usr/share/chitieu/dashboard
VOLUME /var/lib/chitieu
EXPOSE 7400 9090 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
  CMD ["/usr/local/bin/chitieu-probe", "--addr=127.0.0.1:7400", "--wait_ms=2000"]
# SIGTERM drains in-flight calls (10 s) before exiting 0.
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/chitieu-gateway"]
