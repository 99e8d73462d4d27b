// libFuzzer target: the gateway's HTTP/JSON request path without the
// network — route matching on the verb and path, then the request message
// built from path bindings, query parameters and the JSON body by
// protobuf's JSON mapping. Input: "VERB PATH[?QUERY]\nBODY". A request
// that is accepted must serialise and map back to JSON.
#include <cstdint>
#include <cstdlib>
#include <map>
#include <memory>
#include <string>

#include "absl/strings/str_split.h"
#include "chitieu/gateway/v1/gateway.grpc.pb.h"
#include "chitieu/quota/v1/quota.grpc.pb.h"
#include "chitieu/registry/v1/registry.grpc.pb.h"
#include "chitieu/reporting/v1/reporting.grpc.pb.h"
#include "google/protobuf/dynamic_message.h"
#include "services/gateway/transcoder.h"

namespace {

const chitieu::gateway::Transcoder& TheTranscoder() {
  static const auto* transcoder = [] {
    auto built = chitieu::gateway::Transcoder::BuildPublic();
    if (!built.ok()) {
      std::abort();
    }
    return new chitieu::gateway::Transcoder(std::move(*built));
  }();
  return *transcoder;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string input(reinterpret_cast<const char*>(data), size);
  const size_t eol = input.find('\n');
  const std::string line = input.substr(0, eol);
  const std::string body = eol == std::string::npos ? "" : input.substr(eol + 1);
  const size_t space = line.find(' ');
  if (space == std::string::npos) {
    return 0;
  }
  const std::string verb = line.substr(0, space);
  std::string path = line.substr(space + 1);
  std::multimap<std::string, std::string> query;
  if (const size_t q = path.find('?'); q != std::string::npos) {
    for (absl::string_view pair : absl::StrSplit(path.substr(q + 1), '&', absl::SkipEmpty())) {
      std::pair<std::string, std::string> kv = absl::StrSplit(pair, absl::MaxSplits('=', 1));
      query.emplace(kv.first, kv.second);
    }
    path.resize(q);
  }
  const auto& transcoder = TheTranscoder();
  std::vector<std::string> bindings;
  auto route = transcoder.Match(verb, path, &bindings);
  if (!route.ok()) {
    return 0;
  }
  google::protobuf::DynamicMessageFactory factory;
  std::unique_ptr<google::protobuf::Message> request(
      factory.GetPrototype((*route)->method->input_type())->New());
  if (!transcoder.BuildRequest(**route, bindings, body, query, request.get()).ok()) {
    return 0;
  }
  std::string bytes;
  if (!request->SerializeToString(&bytes)) {
    std::abort();
  }
  (void)chitieu::gateway::ToJson(*request);
  return 0;
}
