// HTTP/JSON to gRPC and back, from the google.api.http annotations
// (transcoder.h).

#include "services/gateway/transcoder.h"

#include <nlohmann/json.hpp>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "chitieu/gateway/v1/gateway.pb.h"
#include "chitieu/quota/v1/quota.pb.h"
#include "chitieu/registry/v1/registry.pb.h"
#include "chitieu/reporting/v1/reporting.pb.h"
#include "google/api/annotations.pb.h"
#include "google/protobuf/util/json_util.h"
#include "libs/common/errors.h"
#include "libs/common/percent_encoding.h"
#include "libs/common/status_macros.h"

namespace chitieu::gateway {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;

std::string RegexEscape(const std::string& literal) {
  static const std::regex kSpecial(R"([.^$|()\[\]{}*+?\\])");
  return std::regex_replace(literal, kSpecial, R"(\$&)");
}

// Compiles "/v1/{name=enterprises/*}:changeStatus" into a regex and the
// variables' field paths.
absl::Status Compile(Route& route) {
  std::string regex = "^";
  const std::string& t = route.path_template;
  size_t i = 0;
  while (i < t.size()) {
    if (t[i] == '{') {
      const size_t end = t.find('}', i);
      if (end == std::string::npos) {
        return absl::InvalidArgumentError("unclosed { in " + t);
      }
      const std::string var = t.substr(i + 1, end - i - 1);
      const size_t eq = var.find('=');
      route.variables.push_back(var.substr(0, eq));
      std::string segment_regex = "[^/]+";
      if (eq != std::string::npos) {
        segment_regex.clear();
        for (absl::string_view part : absl::StrSplit(var.substr(eq + 1), '/')) {
          if (!segment_regex.empty()) {
            segment_regex += "/";
          }
          if (part == "*") {
            segment_regex += "[^/:]+";
          } else if (part == "**") {
            segment_regex += ".+";
          } else {
            segment_regex += RegexEscape(std::string(part));
          }
        }
      }
      regex += "(" + segment_regex + ")";
      i = end + 1;
    } else {
      const size_t next = t.find('{', i);
      regex += RegexEscape(t.substr(i, next == std::string::npos ? std::string::npos : next - i));
      i = next == std::string::npos ? t.size() : next;
    }
  }
  route.pattern = std::regex(regex + "$");
  return absl::OkStatus();
}

// The field a (dotted, proto or JSON name) path leads to, creating the
// messages on the way.
absl::StatusOr<std::pair<Message*, const FieldDescriptor*>> Resolve(Message* message,
                                                                    const std::string& path) {
  std::vector<std::string> parts = absl::StrSplit(path, '.');
  Message* current = message;
  for (size_t i = 0; i < parts.size(); ++i) {
    const Descriptor* d = current->GetDescriptor();
    const FieldDescriptor* f = d->FindFieldByName(parts[i]);
    if (f == nullptr) {
      f = d->FindFieldByCamelcaseName(parts[i]);
    }
    if (f == nullptr) {
      return InvalidField(path, "is not a field of this request");
    }
    if (i + 1 == parts.size()) {
      return std::make_pair(current, f);
    }
    if (f->type() != FieldDescriptor::TYPE_MESSAGE || f->is_repeated()) {
      return InvalidField(path, "is not a field of this request");
    }
    current = current->GetReflection()->MutableMessage(current, f);
  }
  return InvalidField(path, "is empty");
}

// Sets a scalar field from its text form (as in a path or a query string).
absl::Status SetScalar(Message* m, const FieldDescriptor* f, const std::string& value,
                       const std::string& path) {
  const auto* r = m->GetReflection();
  auto bad = [&] {
    return InvalidField(path, absl::StrCat("cannot take the value \"", value, "\""));
  };
  switch (f->cpp_type()) {
    case FieldDescriptor::CPPTYPE_STRING:
      f->is_repeated() ? r->AddString(m, f, value) : r->SetString(m, f, value);
      return absl::OkStatus();
    case FieldDescriptor::CPPTYPE_INT32: {
      int32_t v;
      if (!absl::SimpleAtoi(value, &v)) {
        return bad();
      }
      f->is_repeated() ? r->AddInt32(m, f, v) : r->SetInt32(m, f, v);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_INT64: {
      int64_t v;
      if (!absl::SimpleAtoi(value, &v)) {
        return bad();
      }
      f->is_repeated() ? r->AddInt64(m, f, v) : r->SetInt64(m, f, v);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_BOOL: {
      if (value != "true" && value != "false") {
        return bad();
      }
      f->is_repeated() ? r->AddBool(m, f, value == "true") : r->SetBool(m, f, value == "true");
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_ENUM: {
      const auto* e = f->enum_type()->FindValueByName(value);
      int number = 0;
      if (e == nullptr && absl::SimpleAtoi(value, &number)) {
        e = f->enum_type()->FindValueByNumber(number);
      }
      if (e == nullptr) {
        return bad();
      }
      f->is_repeated() ? r->AddEnum(m, f, e) : r->SetEnum(m, f, e);
      return absl::OkStatus();
    }
    default:
      return InvalidField(path, "cannot be set from a query parameter");
  }
}

}  // namespace

const std::vector<std::string>& PublicServices() {
  static const auto* kServices = new std::vector<std::string>{
      registry::v1::Unit::descriptor()->file()->service(0)->full_name(),
      quota::v1::Target::descriptor()->file()->service(0)->full_name(),
      reporting::v1::Progress::descriptor()->file()->service(0)->full_name(),
      gateway::v1::AuditEntry::descriptor()->file()->service(0)->full_name()};
  return *kServices;
}

absl::StatusOr<Transcoder> Transcoder::BuildPublic() { return Build(PublicServices()); }

absl::StatusOr<Transcoder> Transcoder::Build(const std::vector<std::string>& services) {
  Transcoder out;
  (void)google::api::HttpRule::descriptor();  // Links the annotation in.
  for (const auto& name : services) {
    const auto* service =
        google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(name);
    if (service == nullptr) {
      return absl::NotFoundError(absl::StrCat("no service ", name));
    }
    for (int i = 0; i < service->method_count(); ++i) {
      const auto* method = service->method(i);
      if (!method->options().HasExtension(google::api::http)) {
        continue;
      }
      const auto& rule = method->options().GetExtension(google::api::http);
      Route route;
      route.method = method;
      route.grpc_path = absl::StrCat("/", name, "/", method->name());
      route.body = rule.body();
      switch (rule.pattern_case()) {
        case google::api::HttpRule::kGet:
          route.verb = "GET";
          route.path_template = rule.get();
          break;
        case google::api::HttpRule::kPost:
          route.verb = "POST";
          route.path_template = rule.post();
          break;
        case google::api::HttpRule::kPatch:
          route.verb = "PATCH";
          route.path_template = rule.patch();
          break;
        case google::api::HttpRule::kPut:
          route.verb = "PUT";
          route.path_template = rule.put();
          break;
        case google::api::HttpRule::kDelete:
          route.verb = "DELETE";
          route.path_template = rule.delete_();
          break;
        default:
          continue;
      }
      RETURN_IF_ERROR(Compile(route));
      out.routes_.push_back(std::move(route));
    }
  }
  return out;
}

absl::StatusOr<const Route*> Transcoder::Match(const std::string& verb, const std::string& path,
                                               std::vector<std::string>* bindings) const {
  for (const auto& route : routes_) {
    if (route.verb != verb) {
      continue;
    }
    std::smatch m;
    if (std::regex_match(path, m, route.pattern)) {
      bindings->clear();
      for (size_t i = 1; i < m.size(); ++i) {
        bindings->push_back(m[i].str());
      }
      return &route;
    }
  }
  return absl::NotFoundError(absl::StrCat("no route for ", verb, " ", path));
}

absl::Status Transcoder::BuildRequest(const Route& route, const std::vector<std::string>& bindings,
                                      const std::string& body,
                                      const std::multimap<std::string, std::string>& query,
                                      Message* request) const {
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  if (!route.body.empty() && !body.empty()) {
    Message* target = request;
    if (route.body != "*") {
      ASSIGN_OR_RETURN(auto field, Resolve(request, route.body));
      target = field.first->GetReflection()->MutableMessage(field.first, field.second);
    }
    if (auto s = google::protobuf::util::JsonStringToMessage(body, target, options); !s.ok()) {
      return InvalidField("body", absl::StrCat("is not valid JSON for this request: ",
                                               s.message().substr(0, 200).ToString()));
    }
  } else if (route.body.empty() && !body.empty()) {
    return InvalidField("body", "this route takes no body");
  }
  for (size_t i = 0; i < route.variables.size() && i < bindings.size(); ++i) {
    ASSIGN_OR_RETURN(auto field, Resolve(request, route.variables[i]));
    RETURN_IF_ERROR(SetScalar(field.first, field.second, bindings[i], route.variables[i]));
  }
  for (const auto& [key, value] : query) {
    if (!route.body.empty() && route.body == "*") {
      return InvalidField(key, "this route takes its fields in the body, not the query");
    }
    auto field = Resolve(request, key);
    if (!field.ok()) {
      return InvalidField(key, "is not a query parameter of this route");
    }
    if (field->second->type() == FieldDescriptor::TYPE_MESSAGE) {
      // A FieldMask travels as a comma-separated list of paths.
      if (field->second->message_type()->full_name() == "google.protobuf.FieldMask") {
        Message* mask = field->first->GetReflection()->MutableMessage(field->first, field->second);
        const auto* paths = mask->GetDescriptor()->FindFieldByName("paths");
        for (absl::string_view p : absl::StrSplit(value, ',', absl::SkipEmpty())) {
          mask->GetReflection()->AddString(mask, paths, std::string(p));
        }
        continue;
      }
      return InvalidField(key, "cannot be set from a query parameter");
    }
    RETURN_IF_ERROR(SetScalar(field->first, field->second, value, key));
  }
  return absl::OkStatus();
}

int HttpStatusFor(int code) {
  static const int kMap[] = {200, 499, 500, 400, 504, 404, 409, 403, 429,
                             400, 409, 400, 501, 500, 503, 500, 401};
  return code >= 0 && code < 17 ? kMap[code] : 500;
}

std::string ToJson(const Message& message) {
  google::protobuf::util::JsonPrintOptions options;
  options.always_print_primitive_fields = true;
  std::string out;
  if (!google::protobuf::util::MessageToJsonString(message, &out, options).ok()) {
    return "{}";
  }
  return out;
}

namespace {

nlohmann::json SchemaOf(const FieldDescriptor* f) {
  nlohmann::json s;
  switch (f->cpp_type()) {
    case FieldDescriptor::CPPTYPE_STRING:
      s = {{"type", "string"}};
      break;
    case FieldDescriptor::CPPTYPE_INT32:
    case FieldDescriptor::CPPTYPE_UINT32:
      s = {{"type", "integer"}, {"format", "int32"}};
      break;
    case FieldDescriptor::CPPTYPE_INT64:
    case FieldDescriptor::CPPTYPE_UINT64:
      s = {{"type", "string"}, {"format", "int64"}};
      break;
    case FieldDescriptor::CPPTYPE_DOUBLE:
    case FieldDescriptor::CPPTYPE_FLOAT:
      s = {{"type", "number"}};
      break;
    case FieldDescriptor::CPPTYPE_BOOL:
      s = {{"type", "boolean"}};
      break;
    case FieldDescriptor::CPPTYPE_ENUM: {
      nlohmann::json values = nlohmann::json::array();
      for (int i = 0; i < f->enum_type()->value_count(); ++i) {
        values.push_back(f->enum_type()->value(i)->name());
      }
      s = {{"type", "string"}, {"enum", values}};
      break;
    }
    case FieldDescriptor::CPPTYPE_MESSAGE: {
      const std::string name = f->message_type()->full_name();
      if (name == "google.protobuf.Timestamp") {
        s = {{"type", "string"}, {"format", "date-time"}};
      } else if (name == "google.protobuf.FieldMask") {
        s = {{"type", "string"}};
      } else {
        s = {{"$ref", "#/components/schemas/" + name}};
      }
      break;
    }
  }
  if (f->is_repeated()) {
    s = {{"type", "array"}, {"items", s}};
  }
  return s;
}

void AddSchema(const Descriptor* d, nlohmann::json& schemas) {
  if (schemas.contains(d->full_name())) {
    return;
  }
  nlohmann::json props = nlohmann::json::object();
  schemas[d->full_name()] = {{"type", "object"}};
  for (int i = 0; i < d->field_count(); ++i) {
    const auto* f = d->field(i);
    props[f->json_name()] = SchemaOf(f);
    if (f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
      const std::string n = f->message_type()->full_name();
      if (n != "google.protobuf.Timestamp" && n != "google.protobuf.FieldMask") {
        AddSchema(f->message_type(), schemas);
      }
    }
  }
  schemas[d->full_name()]["properties"] = props;
}

}  // namespace

std::string OpenApiJson(const Transcoder& transcoder) {
  nlohmann::json doc = {
      {"openapi", "3.0.3"},
      {"info",
       {{"title", "Chỉ tiêu API"},
        {"version", "v1"},
        {"description",
         "Resolution 09 targets and results. Generated from the protos' google.api.http rules. "
         "Authenticate with Authorization: Bearer <API key>. Errors are google.rpc.Status JSON."}}},
      {"components",
       {{"securitySchemes", {{"bearer", {{"type", "http"}, {"scheme", "bearer"}}}}},
        {"schemas", nlohmann::json::object()}}},
      {"security", nlohmann::json::array({{{"bearer", nlohmann::json::array()}}})},
      {"paths", nlohmann::json::object()}};
  auto& schemas = doc["components"]["schemas"];
  for (const auto& route : transcoder.routes()) {
    std::string path = route.path_template;
    // "{name=enterprises/*}" → "{name}" for OpenAPI.
    for (size_t i = path.find('{'); i != std::string::npos; i = path.find('{', i + 1)) {
      const size_t end = path.find('}', i);
      const size_t eq = path.find('=', i);
      if (eq != std::string::npos && eq < end) {
        path.erase(eq, end - eq);
      }
    }
    nlohmann::json op = {{"operationId", route.method->name()},
                         {"tags", {route.method->service()->name()}},
                         {"parameters", nlohmann::json::array()}};
    for (const auto& v : route.variables) {
      op["parameters"].push_back(
          {{"name", v}, {"in", "path"}, {"required", true}, {"schema", {{"type", "string"}}}});
    }
    AddSchema(route.method->input_type(), schemas);
    AddSchema(route.method->output_type(), schemas);
    if (!route.body.empty()) {
      std::string ref = route.method->input_type()->full_name();
      if (route.body != "*") {
        const auto* f = route.method->input_type()->FindFieldByName(route.body);
        if (f != nullptr && f->message_type() != nullptr) {
          ref = f->message_type()->full_name();
        }
      }
      op["requestBody"] = {
          {"required", true},
          {"content",
           {{"application/json", {{"schema", {{"$ref", "#/components/schemas/" + ref}}}}}}}};
    }
    const bool stream = route.method->server_streaming();
    op["responses"] = {
        {"200",
         {{"description", stream ? "newline-delimited JSON, one message a line" : "OK"},
          {"content",
           {{stream ? "application/x-ndjson" : "application/json",
             {{"schema",
               {{"$ref",
                 "#/components/schemas/" + route.method->output_type()->full_name()}}}}}}}}},
        {"default", {{"description", "google.rpc.Status"}}}};
    std::string verb = route.verb;
    for (auto& c : verb) {
      c = static_cast<char>(std::tolower(c));
    }
    doc["paths"][path][verb] = op;
  }
  return doc.dump(1);
}

namespace {

// Percent-decodes `text`; INVALID_ARGUMENT naming `what` on a malformed
// escape.
absl::StatusOr<std::string> DecodeOrRefuse(absl::string_view text, bool plus_is_space,
                                           absl::string_view what) {
  std::optional<std::string> decoded = PercentDecode(text, plus_is_space, MalformedEscape::kRefuse);
  if (!decoded) {
    return InvalidField(std::string(what), "has a malformed percent escape");
  }
  return *std::move(decoded);
}

}  // namespace

absl::StatusOr<std::string> DecodeUrlPath(absl::string_view path) {
  return DecodeOrRefuse(path, /*plus_is_space=*/false, "path");
}

absl::StatusOr<std::multimap<std::string, std::string>> ParseQueryString(absl::string_view query) {
  std::multimap<std::string, std::string> params;
  for (absl::string_view pair : absl::StrSplit(query, '&', absl::SkipEmpty())) {
    const size_t eq = pair.find('=');
    ASSIGN_OR_RETURN(auto key, DecodeOrRefuse(pair.substr(0, eq), true, "query"));
    std::string value;
    if (eq != absl::string_view::npos) {
      ASSIGN_OR_RETURN(auto v, DecodeOrRefuse(pair.substr(eq + 1), true, "query"));
      value = std::move(v);
    }
    params.emplace(std::move(key), std::move(value));
  }
  return params;
}

}  // namespace chitieu::gateway
