#include "services/gateway/http_gateway.h"

#include <httplib.h>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "google/protobuf/dynamic_message.h"
#include "google/rpc/status.pb.h"
#include "libs/common/byte_buffer.h"
#include "libs/common/errors.h"
#include "libs/common/grpc_status.h"
#include "libs/common/idempotency.h"
#include "libs/common/log.h"
#include "libs/common/principal.h"
#include "services/gateway/edge.h"
#include "services/gateway/proxy.h"

namespace chitieu::gateway {
namespace {

// google.rpc.Status JSON for a gRPC status, its details included.
std::string StatusJson(const grpc::Status& status) {
  google::rpc::Status rpc;
  if (status.error_details().empty() || !rpc.ParseFromString(status.error_details())) {
    rpc.set_code(status.error_code());
    rpc.set_message(status.error_message());
  }
  return ToJson(rpc);
}

void SendError(httplib::Response& res, const grpc::Status& status) {
  res.status = HttpStatusFor(status.error_code());
  // RESOURCE_EXHAUSTED says when to retry (google.rpc.RetryInfo).
  if (auto delay = GetRetryDelay(FromGrpcStatus(status)); delay.has_value()) {
    res.set_header("Retry-After",
                   std::to_string(std::max<int64_t>(1, absl::ToInt64Seconds(absl::Ceil(
                                                           *delay, absl::Seconds(1))))));
  }
  res.set_content(StatusJson(status), "application/json");
}

// One call through the gateway's gRPC server, driven step by step on its
// own completion queue (any shape: unary, client, server or bidi stream).
class Call {
 public:
  Call(grpc::GenericStub* stub, const std::string& path, const httplib::Request& req)
      : call_(stub->PrepareCall(&ctx_, path, &cq_)) {
    // Header values become metadata only if gRPC accepts them: a
    // credential with other bytes is no credential (UNAUTHENTICATED), a
    // request id of another shape is replaced by the gateway's own.
    if (req.has_header("Authorization") &&
        SafeMetadataValue(req.get_header_value("Authorization"))) {
      ctx_.AddMetadata("authorization", req.get_header_value("Authorization"));
    }
    // The client's address, for its budget of failed sign-ins (trusted by
    // the gateway over this local socket only).
    if (SafeMetadataValue(req.remote_addr)) {
      ctx_.AddMetadata(kHttpClientMetadata, req.remote_addr);
    }
    if (req.has_header("X-Request-Id") && AuditableRequestId(req.get_header_value("X-Request-Id"))) {
      ctx_.AddMetadata("x-request-id", req.get_header_value("X-Request-Id"));
    }
    call_->StartCall(Tag(1));
    Wait();
  }
  ~Call() {
    ctx_.TryCancel();
    cq_.Shutdown();
    void* tag;
    bool ok;
    while (cq_.Next(&tag, &ok)) {
    }
  }

  bool Write(const std::string& bytes, bool last) {
    grpc::ByteBuffer buffer = StringToByteBuffer(bytes);
    if (last) {
      call_->WriteLast(buffer, grpc::WriteOptions(), Tag(2));
    } else {
      call_->Write(buffer, Tag(2));
    }
    return Wait();
  }
  void WritesDone() {
    call_->WritesDone(Tag(3));
    Wait();
  }
  // The next response's bytes, or false at the end.
  bool Read(std::string* out) {
    grpc::ByteBuffer buffer;
    call_->Read(&buffer, Tag(4));
    if (!Wait()) return false;
    return ByteBufferToString(buffer, out);
  }
  grpc::Status Finish() {
    grpc::Status status;
    call_->Finish(&status, Tag(5));
    Wait();
    return status;
  }

 private:
  static void* Tag(intptr_t n) { return reinterpret_cast<void*>(n); }
  bool Wait() {
    void* tag;
    bool ok = false;
    cq_.Next(&tag, &ok);
    return ok;
  }
  grpc::ClientContext ctx_;
  grpc::CompletionQueue cq_;
  std::unique_ptr<grpc::GenericClientAsyncReaderWriter> call_;
};

}  // namespace

HttpGateway::HttpGateway(const Transcoder* transcoder, std::shared_ptr<grpc::Channel> grpc,
                         size_t max_body_bytes, const std::string& tls_cert,
                         const std::string& tls_key, const std::string& dashboard_dir)
    : transcoder_(transcoder),
      grpc_(std::move(grpc)),
      server_(tls_cert.empty() ? new httplib::Server
                               : new httplib::SSLServer(tls_cert.c_str(), tls_key.c_str())) {
  server_->set_payload_max_length(max_body_bytes);
  if (!dashboard_dir.empty()) {
    // Static files first (httplib tries them before the routes below); a
    // path that names no file falls through to the API.
    if (!server_->set_mount_point("/", dashboard_dir)) {
      LogError("the dashboard folder cannot be served", {{"folder", dashboard_dir}});
    }
    server_->set_file_request_handler([](const httplib::Request&, httplib::Response& res) {
      // The dashboard loads only its own files and calls only this origin.
      res.set_header("Content-Security-Policy",
                     "default-src 'self'; img-src 'self' data:; object-src 'none'; "
                     "frame-ancestors 'none'; base-uri 'self'; form-action 'self'");
      res.set_header("X-Content-Type-Options", "nosniff");
      res.set_header("Referrer-Policy", "no-referrer");
    });
  }
  server_->Get("/openapi.json", [this](const httplib::Request&, httplib::Response& res) {
    res.set_content(OpenApiJson(*transcoder_), "application/json");
  });
  auto handle = [this](const httplib::Request& req, httplib::Response& res) {
    std::vector<std::string> bindings;
    auto route = transcoder_->Match(req.method, req.path, &bindings);
    if (!route.ok()) {
      SendError(res, ToGrpcStatus(route.status()));
      return;
    }
    const Route& r = **route;
    // Only the URL's query string: httplib also files form-encoded bodies
    // under params, and a body here is always JSON.
    httplib::Params query;
    if (const size_t q = req.target.find('?'); q != std::string::npos) {
      httplib::detail::parse_query_text(req.target.substr(q + 1), query);
    }
    google::protobuf::DynamicMessageFactory factory;
    std::vector<std::string> requests;
    if (r.method->client_streaming()) {
      // One JSON message a line.
      for (absl::string_view line : absl::StrSplit(req.body, '\n', absl::SkipWhitespace())) {
        std::unique_ptr<google::protobuf::Message> m(
            factory.GetPrototype(r.method->input_type())->New());
        if (auto s = transcoder_->BuildRequest(r, bindings, std::string(line), query, m.get());
            !s.ok()) {
          SendError(res, ToGrpcStatus(s));
          return;
        }
        requests.push_back(m->SerializeAsString());
      }
    } else {
      std::unique_ptr<google::protobuf::Message> m(
          factory.GetPrototype(r.method->input_type())->New());
      if (auto s = transcoder_->BuildRequest(r, bindings, req.body, query, m.get()); !s.ok()) {
        SendError(res, ToGrpcStatus(s));
        return;
      }
      requests.push_back(m->SerializeAsString());
    }
    grpc::GenericStub stub(grpc_);
    auto call = std::make_shared<Call>(&stub, r.grpc_path, req);
    for (size_t i = 0; i < requests.size(); ++i) {
      if (!call->Write(requests[i], i + 1 == requests.size() && !r.method->client_streaming())) {
        break;
      }
    }
    if (r.method->client_streaming()) call->WritesDone();
    const auto* output = factory.GetPrototype(r.method->output_type());
    if (!r.method->server_streaming()) {
      std::string bytes;
      const bool got = call->Read(&bytes);
      grpc::Status status = call->Finish();
      if (!status.ok()) {
        SendError(res, status);
        return;
      }
      std::unique_ptr<google::protobuf::Message> m(output->New());
      if (got) m->ParseFromString(bytes);
      res.set_content(ToJson(*m), "application/json");
      return;
    }
    // A server stream: the first message decides between 200 and an error.
    std::string first;
    if (!call->Read(&first)) {
      grpc::Status status = call->Finish();
      if (!status.ok()) {
        SendError(res, status);
        return;
      }
      res.set_content("", "application/x-ndjson");
      return;
    }
    auto factory_keep = std::make_shared<google::protobuf::DynamicMessageFactory>();
    const auto* prototype = factory_keep->GetPrototype(r.method->output_type());
    auto pending = std::make_shared<std::string>(std::move(first));
    res.set_chunked_content_provider(
        "application/x-ndjson",
        [call, prototype, pending, factory_keep](size_t, httplib::DataSink& sink) {
          std::string bytes;
          if (!pending->empty()) {
            bytes.swap(*pending);
          } else if (!call->Read(&bytes)) {
            grpc::Status status = call->Finish();
            if (!status.ok()) {
              const std::string line = "{\"error\":" + StatusJson(status) + "}\n";
              sink.write(line.data(), line.size());
            }
            sink.done();
            return true;
          }
          std::unique_ptr<google::protobuf::Message> m(prototype->New());
          m->ParseFromString(bytes);
          const std::string line = ToJson(*m) + "\n";
          return sink.write(line.data(), line.size());
        });
  };
  server_->Get(".*", handle);
  server_->Post(".*", handle);
  server_->Patch(".*", handle);
  server_->Put(".*", handle);
  server_->Delete(".*", handle);
}

HttpGateway::~HttpGateway() { Stop(); }

int HttpGateway::Start(const std::string& listen) {
  if (!server_->is_valid()) return -1;
  const size_t colon = listen.rfind(':');
  int port = 0;
  if (colon == std::string::npos || !absl::SimpleAtoi(listen.substr(colon + 1), &port)) return -1;
  const std::string host = listen.substr(0, colon);
  if (port == 0) {
    port = server_->bind_to_any_port(host);
  } else if (!server_->bind_to_port(host, port)) {
    port = -1;
  }
  if (port <= 0) return -1;
  thread_ = std::thread([this] { server_->listen_after_bind(); });
  return port;
}

void HttpGateway::Stop() {
  if (server_) server_->stop();
  if (thread_.joinable()) thread_.join();
}

}  // namespace chitieu::gateway
