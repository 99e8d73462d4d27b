#!/bin/sh
# The Go client, built offline against Debian's Go packages (golang-go,
# golang-google-grpc-dev, golang-google-protobuf-dev, golang-google-genproto-dev,
# protoc-gen-go, protoc-gen-go-grpc) in GOPATH mode: no module proxy is
# needed or reachable. Everything generated goes under $CHITIEU_BUILD_DIR/go.
#   clients/go/go.sh generate   protoc → $CHITIEU_BUILD_DIR/go/src/chitieu.local/gen
#   clients/go/go.sh build      generate, then compile the library and example
#   clients/go/go.sh test       go test (the conformance scenario needs a stack)
#   clients/go/go.sh example    print Hoàn Kiếm's 2013 progress
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BUILD=${CHITIEU_BUILD_DIR:-$ROOT/build}
GO_ROOT=$BUILD/go
export GO111MODULE=off GOPATH="$GO_ROOT:/usr/share/gocode" GOCACHE="$BUILD/go-cache" GOFLAGS=
PKG=$GO_ROOT/src/chitieu.local

generate() {
  rm -rf "$PKG/gen"
  mkdir -p "$PKG/gen"
  # The hand-written code stays in clients/go; GOPATH sees it through a link.
  ln -sfn "$HERE" "$PKG/client"
  M=""
  for p in type registry quota reporting gateway; do
    for file in $(ls "$ROOT/proto/chitieu/$p/v1/"*.proto | xargs -n1 basename); do
      M="$M,Mchitieu/$p/v1/$file=chitieu.local/gen/chitieu/$p/v1;${p}v1"
    done
  done
  M=${M#,}
  protoc -I "$ROOT/proto" -I /usr/include -I "$ROOT/node_modules/google-proto-files" \
    --go_out="$PKG/gen" --go_opt=paths=source_relative,"$M" \
    --go-grpc_out="$PKG/gen" --go-grpc_opt=paths=source_relative,"$M" \
    chitieu/type/v1/authorization.proto chitieu/type/v1/types.proto chitieu/registry/v1/registry.proto chitieu/quota/v1/quota.proto \
    chitieu/reporting/v1/reporting.proto chitieu/gateway/v1/gateway.proto
}

case "${1:-}" in
  generate) generate ;;
  build)
    generate
    cd "$PKG/client"
    go vet ./chitieu ./examples/...
    go build -o "$GO_ROOT/bin/chitieu-progress-example" ./examples/progress
    go test -c -o "$GO_ROOT/bin/chitieu-go-test" ./chitieu
    ;;
  test) cd "$PKG/client" && go test -count=1 -v ./chitieu ;;
  example) "$GO_ROOT/bin/chitieu-progress-example" ;;
  *) echo "usage: $0 generate|build|test|example" >&2; exit 2 ;;
esac
