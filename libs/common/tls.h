#pragma once

// Transport security from the flags every process shares (flags.h):
//   --tls_cert/--tls_key   this process's certificate: its listeners use TLS;
//   --tls_client_ca        the gRPC listener requires client certificates
//                          signed by this CA (mTLS between services);
//   --peer_ca              calls to other services use TLS verified against
//                          it, presenting --peer_cert/--peer_key (default: the
//                          process's own) as the client certificate.
// Without them everything is plaintext, for loopback and private networks.
// Files are read once at start-up; a missing or unreadable one is an error.

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

#include "absl/status/statusor.h"

namespace chitieu {

absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> ListenerCredentials();
absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> PeerCredentials();

// True if the listener verifies client certificates (--tls_client_ca).
bool ClientCertificatesRequired();

}  // namespace chitieu
