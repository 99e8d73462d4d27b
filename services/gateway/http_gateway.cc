// HTTP/JSON routing: a request matched to its method and bridged to gRPC
// (http_gateway.h).

#include "services/gateway/http_gateway.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "google/api/httpbody.pb.h"
#include "google/protobuf/message.h"
#include "google/rpc/status.pb.h"
#include "libs/common/byte_buffer.h"
#include "libs/common/errors.h"
#include "libs/common/grpc_status.h"
#include "libs/common/idempotency.h"
#include "libs/common/log.h"
#include "libs/common/principal.h"
#include "services/gateway/edge.h"
#include "services/gateway/file_answer.h"
#include "services/gateway/openapi.h"
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

void SendError(HttpResponder& responder, const grpc::Status& status) {
  HttpHeaders headers;
  // RESOURCE_EXHAUSTED says when to retry (google.rpc.RetryInfo).
  if (auto delay = GetRetryDelay(FromGrpcStatus(status)); delay.has_value()) {
    headers.emplace_back("Retry-After",
                         std::to_string(std::max<int64_t>(
                             1, absl::ToInt64Seconds(absl::Ceil(*delay, absl::Seconds(1))))));
  }
  responder.Send(HttpStatusFor(status.error_code()), "application/json", StatusJson(status),
                 headers);
}

void SendError(HttpResponder& responder, const absl::Status& status) {
  SendError(responder, ToGrpcStatus(status));
}

// The content type of a dashboard file, by its extension.
std::string ContentTypeOf(const std::string& path) {
  static const std::pair<const char*, const char*> kTypes[] = {
      {".html", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".json", "application/json"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".ico", "image/x-icon"},
      {".woff2", "font/woff2"},
      {".map", "application/json"},
      {".txt", "text/plain; charset=utf-8"}};
  for (const auto& [ext, type] : kTypes) {
    if (absl::EndsWith(path, ext)) {
      return type;
    }
  }
  return "application/octet-stream";
}

// One call through the gateway's gRPC server, driven step by step on its
// own completion queue (any shape: unary, client, server or bidi stream).
class Call {
 public:
  Call(grpc::GenericStub* stub, const std::string& path, const HttpRequest& req)
      : call_(stub->PrepareCall(&ctx_, path, &cq_)) {
    // Header values become metadata only if gRPC accepts them: a
    // credential with other bytes is no credential (UNAUTHENTICATED), a
    // request id of another shape is replaced by the gateway's own.
    if (const std::string* auth = req.Header("Authorization");
        auth != nullptr && SafeMetadataValue(*auth)) {
      ctx_.AddMetadata("authorization", *auth);
    }
    // The client's address, for its budget of failed sign-ins (trusted by
    // the gateway over this local socket only).
    if (SafeMetadataValue(req.remote_address)) {
      ctx_.AddMetadata(kHttpClientMetadata, req.remote_address);
    }
    if (const std::string* id = req.Header("X-Request-Id");
        id != nullptr && AuditableRequestId(*id)) {
      ctx_.AddMetadata("x-request-id", *id);
    }
  }
  // Starts the call; after Cancel, nothing more is sent or read.
  void Start() {
    call_->StartCall(Tag(1));
    Wait();
  }
  void Cancel() { ctx_.TryCancel(); }
  grpc::ClientContext* context() { return &ctx_; }
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
    if (!Wait()) {
      return false;
    }
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
                         HttpFrontOptions options, const std::string& dashboard_dir,
                         CorsPolicy cors)
    : transcoder_(transcoder),
      openapi_(OpenApiJson(*transcoder)),
      grpc_(std::move(grpc)),
      dashboard_dir_(dashboard_dir),
      cors_(std::move(cors)),
      front_(std::move(options), [this](const HttpRequest& request, HttpResponder& responder) {
        Handle(request, responder);
      }) {
  while (dashboard_dir_.size() > 1 && dashboard_dir_.back() == '/') {
    dashboard_dir_.pop_back();
  }
  if (!dashboard_dir_.empty()) {
    struct stat st;
    if (stat(dashboard_dir_.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
      LogError("the dashboard folder cannot be served", {{"folder", dashboard_dir_}});
      dashboard_dir_.clear();
    }
  }
}

HttpGateway::~HttpGateway() { Stop(); }

int HttpGateway::Start(const std::string& listen) { return front_.Start(listen); }

void HttpGateway::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
    for (grpc::ClientContext* c : calls_) {
      c->TryCancel();
    }
  }
  front_.Stop();
}

bool HttpGateway::ServeFile(const HttpRequest& request, const std::string& path,
                            HttpResponder& responder) {
  if (dashboard_dir_.empty() || request.method != "GET" || path.empty() || path[0] != '/') {
    return false;
  }
  // Only plain names: no "..", no hidden files, no escapes left.
  std::string relative = path == "/" ? "/index.html" : path;
  for (absl::string_view segment : absl::StrSplit(relative.substr(1), '/')) {
    if (segment.empty() || segment.front() == '.') {
      return false;
    }
    for (char c : segment) {
      if (!absl::ascii_isalnum(c) && c != '.' && c != '-' && c != '_') {
        return false;
      }
    }
  }
  const std::string file = dashboard_dir_ + relative;
  const int fd = open(file.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) {
    return false;
  }
  struct stat st;
  std::string content;
  const bool regular = fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
  if (regular) {
    content.resize(st.st_size);
    size_t got = 0;
    while (got < content.size()) {
      const ssize_t n = read(fd, content.data() + got, content.size() - got);
      if (n <= 0) {
        break;
      }
      got += n;
    }
    content.resize(got);
  }
  close(fd);
  if (!regular) {
    return false;
  }
  // The dashboard loads only its own files and calls only this origin.
  responder.Send(200, ContentTypeOf(file), std::move(content),
                 {{"Content-Security-Policy",
                   "default-src 'self'; img-src 'self' data:; object-src 'none'; "
                   "frame-ancestors 'none'; base-uri 'self'; form-action 'self'"},
                  {"X-Content-Type-Options", "nosniff"},
                  {"Referrer-Policy", "no-referrer"}});
  return true;
}

void HttpGateway::Handle(const HttpRequest& request, HttpResponder& responder) {
  if (!cors_.empty() && CorsPolicy::IsPreflight(request)) {
    return cors_.AnswerPreflight(request, responder);
  }
  HttpHeaders cors = cors_.ResponseHeaders(request);
  if (cors.empty()) {
    return Answer(request, responder);
  }
  HeadersAddingResponder with_cors(responder, std::move(cors));
  Answer(request, with_cors);
}

void HttpGateway::Answer(const HttpRequest& request, HttpResponder& responder) {
  const size_t q = request.target.find('?');
  auto path = DecodeUrlPath(request.target.substr(0, q));
  if (!path.ok()) {
    return SendError(responder, path.status());
  }
  if (ServeFile(request, *path, responder)) {
    return;
  }
  if (request.method == "GET" && *path == "/openapi.json") {
    return responder.Send(200, "application/json", openapi_);
  }
  std::vector<std::string> bindings;
  auto route = transcoder_->Match(request.method, *path, &bindings);
  if (!route.ok()) {
    return SendError(responder, route.status());
  }
  const Route& r = **route;
  // Only the URL's query string: a body here is always JSON.
  auto query = ParseQueryString(q == std::string::npos ? "" : request.target.substr(q + 1));
  if (!query.ok()) {
    return SendError(responder, query.status());
  }
  // The routes are the generated pool's methods (Transcoder::BuildPublic):
  // their messages' own classes, made once, not dynamic ones per request.
  auto* factory = google::protobuf::MessageFactory::generated_factory();
  const google::protobuf::Message* input = factory->GetPrototype(r.method->input_type());
  const google::protobuf::Message* output = factory->GetPrototype(r.method->output_type());
  if (input == nullptr || output == nullptr) {
    return SendError(responder, grpc::Status(grpc::StatusCode::INTERNAL,
                                             "the route's messages are not compiled in"));
  }
  std::vector<std::string> requests;
  if (r.method->client_streaming()) {
    // One JSON message a line.
    for (absl::string_view line : absl::StrSplit(request.body, '\n', absl::SkipWhitespace())) {
      std::unique_ptr<google::protobuf::Message> m(input->New());
      if (auto s = transcoder_->BuildRequest(r, bindings, std::string(line), *query, m.get());
          !s.ok()) {
        return SendError(responder, s);
      }
      requests.push_back(m->SerializeAsString());
    }
  } else {
    std::unique_ptr<google::protobuf::Message> m(input->New());
    if (auto s = transcoder_->BuildRequest(r, bindings, request.body, *query, m.get()); !s.ok()) {
      return SendError(responder, s);
    }
    requests.push_back(m->SerializeAsString());
  }
  grpc::GenericStub stub(grpc_);
  Call call(&stub, r.grpc_path, request);
  {
    // Registered so that Stop can cancel it; none starts once stopping.
    absl::MutexLock lock(&mu_);
    if (stopping_) {
      return SendError(responder,
                       grpc::Status(grpc::StatusCode::UNAVAILABLE, "the gateway is shutting down"));
    }
    calls_.insert(call.context());
  }
  absl::Cleanup unregister = [&] {
    absl::MutexLock lock(&mu_);
    calls_.erase(call.context());
  };
  call.Start();
  for (size_t i = 0; i < requests.size(); ++i) {
    if (!call.Write(requests[i], i + 1 == requests.size() && !r.method->client_streaming())) {
      break;
    }
  }
  if (r.method->client_streaming()) {
    call.WritesDone();
  }
  if (!r.method->server_streaming()) {
    std::string bytes;
    const bool got = call.Read(&bytes);
    grpc::Status status = call.Finish();
    if (!status.ok()) {
      return SendError(responder, status);
    }
    // A file (google.api.HttpBody) is answered as itself.
    if (r.method->output_type() == google::api::HttpBody::descriptor()) {
      google::api::HttpBody file;
      if (got) {
        file.ParseFromString(bytes);
      }
      auto answer = FileAnswerOf(file);
      if (!answer.ok()) {
        LogError("a file answer the gateway does not serve",
                 {{"method", r.grpc_path}, {"content_type", file.content_type().substr(0, 100)}});
        return SendError(responder, answer.status());
      }
      return responder.Send(200, answer->content_type, std::move(*file.mutable_data()),
                            answer->headers);
    }
    std::unique_ptr<google::protobuf::Message> m(output->New());
    if (got) {
      m->ParseFromString(bytes);
    }
    return responder.Send(200, "application/json", ToJson(*m));
  }
  // A server stream: the first message decides between 200 and an error;
  // then one JSON line a message, until the stream or the client ends.
  std::string bytes;
  if (!call.Read(&bytes)) {
    grpc::Status status = call.Finish();
    if (!status.ok()) {
      return SendError(responder, status);
    }
    return responder.Send(200, "application/x-ndjson", "");
  }
  if (!responder.StartStream(200, "application/x-ndjson", {})) {
    return;
  }
  do {
    std::unique_ptr<google::protobuf::Message> m(output->New());
    m->ParseFromString(bytes);
    if (!responder.Write(ToJson(*m) + "\n")) {
      return;  // The client is gone: cancelled.
    }
  } while (call.Read(&bytes));
  if (grpc::Status status = call.Finish(); !status.ok()) {
    responder.Write("{\"error\":" + StatusJson(status) + "}\n");
  }
  responder.EndStream();
}

}  // namespace chitieu::gateway
