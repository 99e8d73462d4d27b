// TLS and mTLS credentials from the shared flags (tls.h).

#include "libs/common/tls.h"

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "libs/common/files.h"
#include "libs/common/flags.h"
#include "libs/common/status_macros.h"

namespace chitieu {

absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> ListenerCredentials() {
  const std::string cert = absl::GetFlag(FLAGS_tls_cert);
  if (cert.empty()) {
    if (ClientCertificatesRequired()) {
      return absl::InvalidArgumentError("--tls_client_ca needs --tls_cert and --tls_key");
    }
    return grpc::InsecureServerCredentials();
  }
  ASSIGN_OR_RETURN(auto chain, ReadTextFile(cert));
  ASSIGN_OR_RETURN(auto key, ReadTextFile(absl::GetFlag(FLAGS_tls_key)));
  grpc::SslServerCredentialsOptions options;
  options.pem_key_cert_pairs.push_back({key, chain});
  if (ClientCertificatesRequired()) {
    ASSIGN_OR_RETURN(auto ca, ReadTextFile(absl::GetFlag(FLAGS_tls_client_ca)));
    options.pem_root_certs = ca;
    options.client_certificate_request = GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY;
  }
  return grpc::SslServerCredentials(options);
}

absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> PeerCredentials() {
  const std::string ca_path = absl::GetFlag(FLAGS_peer_ca);
  if (ca_path.empty()) {
    return grpc::InsecureChannelCredentials();
  }
  ASSIGN_OR_RETURN(auto ca, ReadTextFile(ca_path));
  grpc::SslCredentialsOptions options;
  options.pem_root_certs = ca;
  std::string cert = absl::GetFlag(FLAGS_peer_cert);
  std::string key = absl::GetFlag(FLAGS_peer_key);
  if (cert.empty()) {
    cert = absl::GetFlag(FLAGS_tls_cert);
    key = absl::GetFlag(FLAGS_tls_key);
  }
  if (!cert.empty()) {
    ASSIGN_OR_RETURN(auto chain, ReadTextFile(cert));
    ASSIGN_OR_RETURN(auto private_key, ReadTextFile(key));
    options.pem_cert_chain = chain;
    options.pem_private_key = private_key;
  }
  return grpc::SslCredentials(options);
}

bool ClientCertificatesRequired() { return !absl::GetFlag(FLAGS_tls_client_ca).empty(); }

}  // namespace chitieu
