#pragma once

// The HTTP/JSON face of the gateway: every google.api.http route of the
// protos, transcoded by transcoder.h and sent through the gateway's own gRPC
// server (over a local socket), so HTTP callers get exactly the same
// authentication, authorization, audit and forwarding. The listener itself
// (limits, deadlines, keep-alive, TLS) is http_front.h.
// Server streams answer newline-delimited JSON; a client stream takes one
// JSON message a line. Errors are google.rpc.Status JSON with the HTTP code
// of google/rpc/code.proto. GET /openapi.json serves the OpenAPI document;
// with a dashboard folder (dashboard/dist, built from dashboard/), GET /
// serves the web dashboard from it, on the same origin as the API it calls.

#include <grpcpp/grpcpp.h>

#include <memory>
#include <set>
#include <string>

#include "absl/synchronization/mutex.h"
#include "services/gateway/cors.h"
#include "services/gateway/http_front.h"
#include "services/gateway/transcoder.h"

namespace chitieu::gateway {

class HttpGateway {
 public:
  // `grpc` is a channel to the gateway's own gRPC server; `options` the
  // listener's limits (with a certificate and key it speaks HTTPS only).
  // `cors`: the origins whose browsers may call (none by default).
  HttpGateway(const Transcoder* transcoder, std::shared_ptr<grpc::Channel> grpc,
              HttpFrontOptions options, const std::string& dashboard_dir = "",
              CorsPolicy cors = CorsPolicy());
  ~HttpGateway();

  // Binds "host:port" (port 0: any free port). Returns the bound port, or
  // -1 (also if the certificate or key cannot be loaded).
  int Start(const std::string& listen);
  // Cancels the calls in flight (a followed feed included) and closes
  // every connection.
  void Stop();

  // One request, as the listener hands it over (public for the fuzzer).
  void Handle(const HttpRequest& request, HttpResponder& responder);

 private:
  // The answer, CORS aside.
  void Answer(const HttpRequest& request, HttpResponder& responder);
  // A dashboard file for the path, if it names one.
  bool ServeFile(const HttpRequest& request, const std::string& path, HttpResponder& responder);

  const Transcoder* transcoder_;
  const std::string openapi_;  // The document, made once.
  std::shared_ptr<grpc::Channel> grpc_;
  std::string dashboard_dir_;
  const CorsPolicy cors_;
  HttpFront front_;

  absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::set<grpc::ClientContext*> calls_ ABSL_GUARDED_BY(mu_);
};

}  // namespace chitieu::gateway
