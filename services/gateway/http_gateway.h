#pragma once

// The HTTP/JSON face of the gateway (cpp-httplib, a Debian package): every
// google.api.http route of the protos, transcoded by transcoder.h and sent
// through the gateway's own gRPC server (over a local socket), so HTTP callers get
// exactly the same authentication, authorization, audit and forwarding.
// Server streams answer newline-delimited JSON; a client stream takes one
// JSON message a line. Errors are google.rpc.Status JSON with the HTTP code
// of google/rpc/code.proto. GET /openapi.json serves the OpenAPI document;
// with a dashboard folder (dashboard/dist, built from dashboard/), GET /
// serves the web dashboard from it, on the same origin as the API it calls.

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>
#include <thread>

#include "services/gateway/transcoder.h"

namespace httplib {
class Server;
}

namespace chitieu::gateway {

class HttpGateway {
 public:
  // `grpc` is a channel to the gateway's own gRPC server. With a
  // certificate and key (PEM files) the listener speaks HTTPS only.
  HttpGateway(const Transcoder* transcoder, std::shared_ptr<grpc::Channel> grpc,
              size_t max_body_bytes, const std::string& tls_cert = "",
              const std::string& tls_key = "", const std::string& dashboard_dir = "");
  ~HttpGateway();

  // Binds "host:port" (port 0: any free port) and serves on a thread of its
  // own. Returns the bound port, or -1 (also if the certificate or key
  // cannot be loaded).
  int Start(const std::string& listen);
  void Stop();

 private:
  const Transcoder* transcoder_;
  std::shared_ptr<grpc::Channel> grpc_;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
};

}  // namespace chitieu::gateway
