// chitieu-call: calls any Chỉ tiêu gRPC method with a JSON request and
// prints the JSON answer (one object a line for server streams). A small
// stand-in for grpcurl, which Debian does not package; the `chitieu` CLI is
// the day-to-day tool.
//   chitieu-call [--addr=127.0.0.1:7401] chitieu.registry.v1.RegistryService/GetUnit
//   '{"name":"units/002"}'

#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>

#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_replace.h"
#include "chitieu/gateway/v1/gateway.pb.h"
#include "chitieu/quota/v1/quota.pb.h"
#include "chitieu/registry/v1/registry.pb.h"
#include "chitieu/reporting/v1/reporting.pb.h"
#include "google/protobuf/dynamic_message.h"
#include "google/protobuf/util/json_util.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "libs/common/byte_buffer.h"
#include "libs/common/channel.h"
#include "libs/common/grpc_status.h"
#include "libs/common/principal.h"

ABSL_FLAG(std::string, addr, "127.0.0.1:7401", "host:port to call");
ABSL_FLAG(std::string, api_key, "", "API key for the gateway (else CHITIEU_API_KEY)");
ABSL_FLAG(int, timeout_ms, 10000, "Deadline of the call (0: none, for following streams)");

namespace {

using google::protobuf::util::JsonParseOptions;
using google::protobuf::util::JsonPrintOptions;

void PrintStatus(const grpc::Status& status) {
  std::cerr << "error: code " << status.error_code() << ": " << status.error_message() << "\n";
  google::rpc::Status rpc;
  if (rpc.ParseFromString(status.error_details())) {
    std::string json;
    JsonPrintOptions options;
    (void)google::protobuf::util::MessageToJsonString(rpc, &json, options);
    std::cerr << json << "\n";
  }
}

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage("chitieu-call [--addr=host:port] package.Service/Method '{json}'");
  auto args = absl::ParseCommandLine(argc, argv);
  if (args.size() < 2 || args.size() > 3) {
    std::cerr << "usage: chitieu-call [--addr=host:port] package.Service/Method '{json}'\n";
    return 2;
  }
  // Referencing one message of each file links its descriptors in.
  (void)chitieu::registry::v1::Unit::descriptor();
  (void)chitieu::quota::v1::Target::descriptor();
  (void)chitieu::reporting::v1::Progress::descriptor();
  (void)chitieu::gateway::v1::Scorecard::descriptor();
  (void)google::rpc::BadRequest::descriptor();

  const std::string method_path = args[1];
  const auto* method = google::protobuf::DescriptorPool::generated_pool()->FindMethodByName(
      absl::StrReplaceAll(method_path, {{"/", "."}}));
  if (method == nullptr || method->client_streaming()) {
    std::cerr << "unknown (or client-streaming) method " << method_path << "\n";
    return 2;
  }
  google::protobuf::DynamicMessageFactory factory;
  std::unique_ptr<google::protobuf::Message> request(
      factory.GetPrototype(method->input_type())->New());
  const std::string json = args.size() == 3 ? args[2] : "{}";
  if (auto s = google::protobuf::util::JsonStringToMessage(json, request.get(), JsonParseOptions());
      !s.ok()) {
    std::cerr << "bad request JSON: " << s.ToString() << "\n";
    return 2;
  }
  auto channel = chitieu::PeerChannel(absl::GetFlag(FLAGS_addr));
  grpc::GenericStub stub(channel);
  grpc::ClientContext ctx;
  if (absl::GetFlag(FLAGS_timeout_ms) > 0) {
    ctx.set_deadline(std::chrono::system_clock::now() +
                     std::chrono::milliseconds(absl::GetFlag(FLAGS_timeout_ms)));
  }
  std::string api_key = absl::GetFlag(FLAGS_api_key);
  if (api_key.empty() && std::getenv("CHITIEU_API_KEY") != nullptr) {
    api_key = std::getenv("CHITIEU_API_KEY");
  }
  if (!api_key.empty()) {
    ctx.AddMetadata("authorization", "Bearer " + api_key);
  }
  chitieu::AddServiceSecret(&ctx);  // For direct calls to a service that requires it.
  const std::string path = "/" + method_path;
  std::unique_ptr<google::protobuf::Message> response(
      factory.GetPrototype(method->output_type())->New());
  JsonPrintOptions print;
  print.preserve_proto_field_names = false;
  auto print_response = [&](const grpc::ByteBuffer& buffer) {
    response->Clear();
    std::string bytes;
    chitieu::ByteBufferToString(buffer, &bytes);
    response->ParseFromString(bytes);
    std::string out;
    (void)google::protobuf::util::MessageToJsonString(*response, &out, print);
    std::cout << out << "\n";
  };
  grpc::CompletionQueue cq;
  auto call = stub.PrepareCall(&ctx, path, &cq);
  void* tag;
  bool ok;
  call->StartCall(reinterpret_cast<void*>(1));
  cq.Next(&tag, &ok);
  grpc::ByteBuffer request_buffer = chitieu::StringToByteBuffer(request->SerializeAsString());
  call->WriteLast(request_buffer, grpc::WriteOptions(), reinterpret_cast<void*>(2));
  cq.Next(&tag, &ok);
  grpc::ByteBuffer buffer;
  while (true) {
    call->Read(&buffer, reinterpret_cast<void*>(3));
    cq.Next(&tag, &ok);
    if (!ok) {
      break;
    }
    print_response(buffer);
  }
  grpc::Status status;
  call->Finish(&status, reinterpret_cast<void*>(4));
  cq.Next(&tag, &ok);
  if (!status.ok()) {
    PrintStatus(status);
    return 1;
  }
  return 0;
}
