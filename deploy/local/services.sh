# The local deployment, as ./scripts/up runs it: every service on this
# machine, on loopback, a process and a data folder ($VAR_DIR/<service>) a
# service, logs in $VAR_DIR/log. Sourced by scripts/lib.sh; override an
# address with CHITIEU_<SERVICE>_ADDR in the environment.
# Services that exist, with their default addresses.
SERVICES=(registry quota reporting gateway)
declare -A SERVICE_ADDR=(
  [registry]=${CHITIEU_REGISTRY_ADDR:-127.0.0.1:7401}
  [quota]=${CHITIEU_QUOTA_ADDR:-127.0.0.1:7402}
  [reporting]=${CHITIEU_REPORTING_ADDR:-127.0.0.1:7403}
  [gateway]=${CHITIEU_GATEWAY_ADDR:-127.0.0.1:7400}
)
# Flags each service needs to find its peers.
declare -A SERVICE_ARGS=(
  [registry]=""
  [quota]="--registry_addr=${SERVICE_ADDR[registry]}"
  [reporting]="--registry_addr=${SERVICE_ADDR[registry]} --quota_addr=${SERVICE_ADDR[quota]} --report_acceptance"
  [gateway]="--registry_addr=${SERVICE_ADDR[registry]} --quota_addr=${SERVICE_ADDR[quota]} --reporting_addr=${SERVICE_ADDR[reporting]} --api_keys=$VAR_DIR/gateway/api-keys --jwks_file=$VAR_DIR/gateway/jwks.json --jwt_issuer=chitieu-demo-idp --dashboard_dir=$ROOT/dashboard/dist"
)

