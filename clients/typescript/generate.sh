#!/bin/sh
# Generates src/gen/ (never committed) from proto/ with Debian's protoc and
# the ts-proto plugin: typed messages and @grpc/grpc-js clients.
set -eu
cd "$(dirname "$0")"
ROOT=../..
rm -rf src/gen
mkdir -p src/gen
protoc -I "$ROOT/proto" -I /usr/include -I "$ROOT/node_modules/google-proto-files" \
  --plugin=protoc-gen-ts_proto=./node_modules/.bin/protoc-gen-ts_proto \
  --ts_proto_out=src/gen \
  --ts_proto_opt=outputServices=grpc-js,esModuleInterop=true,env=node,useDate=false \
  chitieu/type/v1/authorization.proto chitieu/type/v1/types.proto chitieu/registry/v1/registry.proto chitieu/quota/v1/quota.proto \
  chitieu/reporting/v1/reporting.proto chitieu/gateway/v1/gateway.proto \
  google/rpc/status.proto google/rpc/error_details.proto
