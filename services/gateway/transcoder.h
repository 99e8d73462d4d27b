#pragma once

// HTTP/JSON ⇄ gRPC transcoding driven by the protos' google.api.http
// annotations (no hand-written routes, no hand-written JSON codec: JSON goes
// through protobuf's own proto3 JSON mapping). No gRPC here: the HTTP
// transport (http_gateway.h) calls through the gRPC gateway.

#include <map>
#include <regex>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/api/field_behavior.pb.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"

namespace chitieu::gateway {

// Whether the field is annotated with the google.api.field_behavior.
bool HasFieldBehavior(const google::protobuf::FieldDescriptor* field,
                      google::api::FieldBehavior behavior);

// Whether the message is google.protobuf.FieldMask.
bool IsFieldMask(const google::protobuf::Descriptor* message);

// The full names of the services the gateway serves, over gRPC and
// HTTP/JSON: registry, quota, reporting and its own.
const std::vector<std::string>& PublicServices();

struct Route {
  std::string verb;           // "GET", "POST", "PATCH", "DELETE", "PUT".
  std::string path_template;  // As annotated, e.g. "/v1/{name=enterprises/*}:changeStatus".
  std::regex pattern;
  std::vector<std::string> variables;  // Field paths bound by the template, in order.
  std::string body;                    // "", "*" or a field name.
  const google::protobuf::MethodDescriptor* method = nullptr;
  // "/chitieu.registry.v1.RegistryService/ChangeEnterpriseStatus".
  std::string grpc_path;
};

class Transcoder {
 public:
  // Reads the google.api.http rule of every method of `services` (full
  // names), from the generated descriptor pool.
  static absl::StatusOr<Transcoder> Build(const std::vector<std::string>& services);
  // Build over the public API (PublicServices), whose descriptors it also
  // makes sure are linked in.
  static absl::StatusOr<Transcoder> BuildPublic();

  // The route for a request; NOT_FOUND if none matches (with the path
  // variables' values in `bindings`).
  absl::StatusOr<const Route*> Match(const std::string& verb, const std::string& path,
                                     std::vector<std::string>* bindings) const;

  // Builds the request message: the JSON body per the rule's `body`, the
  // path bindings, and the query parameters (field paths in proto or JSON
  // names; repeated fields repeat the parameter; an update mask's paths in
  // either spelling). A PATCH with no mask takes the fields present in its
  // body as the mask (AIP-134). INVALID_ARGUMENT for bad JSON, an unknown
  // field, an unknown query parameter, one that would set what the path or
  // the body sets, or a PATCH body that names nothing to change.
  absl::Status BuildRequest(const Route& route, const std::vector<std::string>& bindings,
                            const std::string& body,
                            const std::multimap<std::string, std::string>& query,
                            google::protobuf::Message* request) const;

  const std::vector<Route>& routes() const { return routes_; }

 private:
  std::vector<Route> routes_;
};

// Whether a request field (a dotted path of proto names) is bound by the
// route's path or filled from its body, so that no query parameter may set
// it.
bool SetByPathOrBody(const Route& route, absl::string_view field_path);

// A URL path percent-decoded; INVALID_ARGUMENT for a malformed escape.
absl::StatusOr<std::string> DecodeUrlPath(absl::string_view path);

// A query string's parameters ("a=1&b=x+y"), percent-decoded, '+' as a
// space; INVALID_ARGUMENT for a malformed escape.
absl::StatusOr<std::multimap<std::string, std::string>> ParseQueryString(absl::string_view query);

// The HTTP status for a gRPC status code (google/rpc/code.proto).
int HttpStatusFor(int grpc_code);

// The message as proto3 JSON, printing fields with default values too.
std::string ToJson(const google::protobuf::Message& message);

}  // namespace chitieu::gateway
