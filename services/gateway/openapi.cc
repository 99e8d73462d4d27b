// The OpenAPI document of the HTTP/JSON routes (openapi.h).

#include "services/gateway/openapi.h"

#include <nlohmann/json.hpp>
#include <set>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "google/api/resource.pb.h"
#include "libs/common/file_types.h"
#include "services/gateway/proto_comments.h"

namespace chitieu::gateway {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using nlohmann::json;

// A comment's first sentence, for a summary.
std::string FirstSentence(const std::string& text) {
  std::string first = text.substr(0, text.find("\n\n"));
  for (size_t i = first.find(". "); i != std::string::npos; i = first.find(". ", i + 1)) {
    // "e.g. " and "i.e. " do not end a sentence.
    if (i >= 3 && (first.compare(i - 3, 3, "e.g") == 0 || first.compare(i - 3, 3, "i.e") == 0)) {
      continue;
    }
    return first.substr(0, i + 1);
  }
  return first;
}

// The resource patterns of the public API's messages, as segments:
// "units/{unit}/targets/{target}" → {"units", "{unit}", "targets", "{target}"}.
const std::vector<std::vector<std::string>>& ResourcePatterns() {
  static const auto* kPatterns = [] {
    auto* patterns = new std::vector<std::vector<std::string>>();
    std::set<const google::protobuf::FileDescriptor*> files;
    for (const auto& name : PublicServices()) {
      const auto* service =
          google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(name);
      if (service != nullptr) {
        files.insert(service->file());
      }
    }
    for (const auto* file : files) {
      for (int i = 0; i < file->message_type_count(); ++i) {
        const auto& options = file->message_type(i)->options();
        if (!options.HasExtension(google::api::resource)) {
          continue;
        }
        for (const auto& pattern : options.GetExtension(google::api::resource).pattern()) {
          patterns->push_back(absl::StrSplit(pattern, '/'));
        }
      }
    }
    return patterns;
  }();
  return *kPatterns;
}

// "enterprises" → "enterprise", "bodies" → "body", "branches" → "branch".
std::string Singular(absl::string_view collection) {
  if (absl::ConsumeSuffix(&collection, "ies")) {
    return absl::StrCat(collection, "y");
  }
  for (absl::string_view es : {"sses", "shes", "ches", "xes"}) {
    if (absl::EndsWith(collection, es)) {
      return std::string(collection.substr(0, collection.size() - 2));
    }
  }
  if (absl::ConsumeSuffix(&collection, "s")) {
    return std::string(collection);
  }
  return absl::StrCat(collection, "_id");
}

// The names of a variable pattern's wildcards ("units/*/targets/*/allocation"
// → {"unit", "target"}): the longest resource pattern it starts with names
// them; a wildcard beyond it is named after the collection before it.
std::vector<std::string> WildcardNames(const std::vector<std::string>& segments) {
  const std::vector<std::string>* best = nullptr;
  for (const auto& pattern : ResourcePatterns()) {
    if (pattern.size() > segments.size() || (best != nullptr && pattern.size() <= best->size())) {
      continue;
    }
    bool match = true;
    for (size_t i = 0; i < pattern.size() && match; ++i) {
      const bool variable = absl::StartsWith(pattern[i], "{");
      match = variable ? segments[i] == "*" : segments[i] == pattern[i];
    }
    if (match) {
      best = &pattern;
    }
  }
  std::vector<std::string> names;
  for (size_t i = 0; i < segments.size(); ++i) {
    if (segments[i] != "*" && segments[i] != "**") {
      continue;
    }
    if (best != nullptr && i < best->size()) {
      names.push_back(std::string(absl::StripSuffix(absl::StripPrefix((*best)[i], "{"), "}")));
    } else {
      names.push_back(Singular(i > 0 ? segments[i - 1] : "value"));
    }
  }
  return names;
}

struct PathParameter {
  std::string name;      // As in the OpenAPI path: "enterprise".
  std::string variable;  // The request field the template binds: "name".
  std::string resource;  // The variable's pattern: "enterprises/*/organizations/*".
};

// The route's OpenAPI path and its parameters, in the order they appear.
std::string ExpandPath(const Route& route, std::vector<PathParameter>* parameters) {
  const std::string& t = route.path_template;
  std::string out;
  std::set<std::string> used;
  auto unique = [&](std::string name) {
    std::string candidate = name;
    for (int n = 2; !used.insert(candidate).second; ++n) {
      candidate = absl::StrCat(name, "_", n);
    }
    return candidate;
  };
  size_t i = 0;
  while (i < t.size()) {
    const size_t open = t.find('{', i);
    const size_t close = open == std::string::npos ? std::string::npos : t.find('}', open);
    if (close == std::string::npos) {
      out += t.substr(i);
      break;
    }
    out += t.substr(i, open - i);
    const std::string variable = t.substr(open + 1, close - open - 1);
    const size_t eq = variable.find('=');
    const std::string field = variable.substr(0, eq);
    if (eq == std::string::npos) {
      std::string name = unique(absl::StrReplaceAll(field, {{".", "_"}}));
      parameters->push_back({name, field, "*"});
      absl::StrAppend(&out, "{", name, "}");
    } else {
      const std::string resource = variable.substr(eq + 1);
      std::vector<std::string> segments = absl::StrSplit(resource, '/');
      std::vector<std::string> names = WildcardNames(segments);
      size_t next = 0;
      for (size_t s = 0; s < segments.size(); ++s) {
        if (s > 0) {
          out += "/";
        }
        if (segments[s] == "*" || segments[s] == "**") {
          std::string name = unique(names[next++]);
          parameters->push_back({name, field, resource});
          absl::StrAppend(&out, "{", name, "}");
        } else {
          out += segments[s];
        }
      }
    }
    i = close + 1;
  }
  return out;
}

bool IsOutputOnly(const FieldDescriptor* f) {
  return HasFieldBehavior(f, google::api::OUTPUT_ONLY);
}

std::string SchemaRef(const Descriptor* d) { return "#/components/schemas/" + d->full_name(); }

// The schema of one value of a field (the element, for a repeated one).
json ValueSchema(const FieldDescriptor* f) {
  switch (f->cpp_type()) {
    case FieldDescriptor::CPPTYPE_STRING:
      return f->type() == FieldDescriptor::TYPE_BYTES ? json{{"type", "string"}, {"format", "byte"}}
                                                      : json{{"type", "string"}};
    case FieldDescriptor::CPPTYPE_INT32:
      return {{"type", "integer"}, {"format", "int32"}};
    case FieldDescriptor::CPPTYPE_UINT32:
      return {{"type", "integer"}, {"format", "int64"}, {"minimum", 0}};
    // proto3 JSON writes 64-bit integers as strings.
    case FieldDescriptor::CPPTYPE_INT64:
    case FieldDescriptor::CPPTYPE_UINT64:
      return {{"type", "string"}, {"format", "int64"}};
    case FieldDescriptor::CPPTYPE_DOUBLE:
      return {{"type", "number"}, {"format", "double"}};
    case FieldDescriptor::CPPTYPE_FLOAT:
      return {{"type", "number"}, {"format", "float"}};
    case FieldDescriptor::CPPTYPE_BOOL:
      return {{"type", "boolean"}};
    case FieldDescriptor::CPPTYPE_ENUM: {
      json values = json::array();
      for (int i = 0; i < f->enum_type()->value_count(); ++i) {
        values.push_back(f->enum_type()->value(i)->name());
      }
      return {{"type", "string"}, {"enum", values}};
    }
    case FieldDescriptor::CPPTYPE_MESSAGE: {
      const std::string name = f->message_type()->full_name();
      if (name == "google.protobuf.Timestamp") {
        return {{"type", "string"}, {"format", "date-time"}};
      }
      if (IsFieldMask(f->message_type())) {
        return {{"type", "string"},
                {"description", "Field paths separated by commas, e.g. \"displayName,seatUnit\""}};
      }
      return {{"$ref", SchemaRef(f->message_type())}};
    }
  }
  return json::object();
}

json FieldSchema(const FieldDescriptor* f) {
  if (f->is_map()) {
    return {{"type", "object"},
            {"additionalProperties", ValueSchema(f->message_type()->map_value())}};
  }
  json schema = ValueSchema(f);
  if (f->is_repeated()) {
    schema = {{"type", "array"}, {"items", schema}};
  }
  return schema;
}

bool IsWellKnown(const Descriptor* d) {
  return d->full_name() == "google.protobuf.Timestamp" || IsFieldMask(d);
}

void AddSchema(const Descriptor* d, json& schemas) {
  if (schemas.contains(d->full_name()) || IsWellKnown(d)) {
    return;
  }
  schemas[d->full_name()] = {{"type", "object"}};
  json properties = json::object();
  for (int i = 0; i < d->field_count(); ++i) {
    const FieldDescriptor* f = d->field(i);
    json schema = FieldSchema(f);
    const std::string comment = ProtoComments::Get().Of(f->full_name());
    if (schema.contains("$ref")) {
      // OpenAPI 3.0 ignores a $ref's siblings; allOf keeps the description.
      if (!comment.empty() || IsOutputOnly(f)) {
        schema = {{"allOf", json::array({schema})}};
      }
    }
    if (!comment.empty()) {
      schema["description"] = comment;
    }
    if (IsOutputOnly(f)) {
      schema["readOnly"] = true;
    }
    properties[f->json_name()] = std::move(schema);
    const Descriptor* nested =
        f->is_map() ? f->message_type()->map_value()->message_type() : f->message_type();
    if (nested != nullptr) {
      AddSchema(nested, schemas);
    }
  }
  json& schema = schemas[d->full_name()];
  schema["properties"] = std::move(properties);
  if (const std::string comment = ProtoComments::Get().Of(d->full_name()); !comment.empty()) {
    schema["description"] = comment;
  }
}

// The request's fields a query string may set: those neither bound by the
// path nor taken from the body (the transcoder refuses those in a query:
// SetByPathOrBody); nested messages as dotted paths.
void AddQueryParameters(const Route& route, const Descriptor* d, const std::string& proto_prefix,
                        const std::string& json_prefix, int depth, json& parameters) {
  for (int i = 0; i < d->field_count(); ++i) {
    const FieldDescriptor* f = d->field(i);
    const std::string proto_path = proto_prefix + f->name();
    const std::string json_path = json_prefix + f->json_name();
    if (IsOutputOnly(f) || f->is_map()) {
      continue;
    }
    if (f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE && !IsFieldMask(f->message_type())) {
      if (!f->is_repeated() && !IsWellKnown(f->message_type()) && depth < 2) {
        AddQueryParameters(route, f->message_type(), proto_path + ".", json_path + ".", depth + 1,
                           parameters);
      }
      continue;
    }
    if (SetByPathOrBody(route, proto_path)) {
      continue;
    }
    json parameter = {{"name", json_path}, {"in", "query"}, {"schema", FieldSchema(f)}};
    if (const std::string comment = ProtoComments::Get().Of(f->full_name()); !comment.empty()) {
      parameter["description"] = comment;
    }
    if (HasFieldBehavior(f, google::api::REQUIRED) && depth == 0) {
      parameter["required"] = true;
    }
    parameters.push_back(std::move(parameter));
  }
}

// A file answer (google.api.HttpBody): the file itself, one media type for
// each value of the request's `format` enum (EXPORT_FORMAT_CSV → CSV's).
json FileResponse(const Descriptor* request) {
  json content = json::object();
  const FieldDescriptor* format = request->FindFieldByName("format");
  if (format != nullptr && format->enum_type() != nullptr) {
    for (int i = 0; i < format->enum_type()->value_count(); ++i) {
      const std::string& value = format->enum_type()->value(i)->name();
      const FileType* type = FileTypeOfFormat(value.substr(value.rfind('_') + 1));
      if (type != nullptr) {
        content[std::string(type->media_type)] = {
            {"schema", {{"type", "string"}, {"format", "binary"}}}};
      }
    }
  }
  if (content.empty()) {
    content["application/octet-stream"] = {{"schema", {{"type", "string"}, {"format", "binary"}}}};
  }
  return {{"description", "The file, named in Content-Disposition (RFC 6266)."},
          {"headers",
           {{"Content-Disposition",
             {{"description", "attachment; filename=\"…\"; filename*=UTF-8''…"},
              {"schema", {{"type", "string"}}}}}}},
          {"content", content}};
}

json Operation(const Route& route, const std::vector<PathParameter>& path_parameters,
               json& schemas) {
  const auto* method = route.method;
  const std::string comment = ProtoComments::Get().Of(method->full_name());
  json op = {{"operationId", absl::StrCat(method->service()->name(), "_", method->name())},
             {"summary", comment.empty() ? method->name() : FirstSentence(comment)},
             {"tags", {method->service()->name()}},
             {"parameters", json::array()}};
  if (!comment.empty()) {
    op["description"] = comment;
  }
  for (const auto& p : path_parameters) {
    op["parameters"].push_back(
        {{"name", p.name},
         {"in", "path"},
         {"required", true},
         {"description", absl::StrCat("Sets the request's `", p.variable, "` to `", p.resource,
                                      "` with `", p.name, "` in its place.")},
         {"schema", {{"type", "string"}, {"pattern", "^[^/:]+$"}}}});
  }
  // The HTTP front answers a unary HttpBody as the file (a stream stays
  // NDJSON).
  const bool file =
      !method->server_streaming() && method->output_type()->full_name() == "google.api.HttpBody";
  if (!file) {
    AddSchema(method->output_type(), schemas);
  }
  AddQueryParameters(route, method->input_type(), "", "", 0, op["parameters"]);
  if (op["parameters"].empty()) {
    op.erase("parameters");
  }
  if (!route.body.empty()) {
    const Descriptor* body = method->input_type();
    if (route.body != "*") {
      const FieldDescriptor* f = body->FindFieldByName(route.body);
      body = f != nullptr && f->message_type() != nullptr ? f->message_type() : body;
    }
    AddSchema(body, schemas);
    const bool lines = method->client_streaming();
    op["requestBody"] = {{"required", true},
                         {"description", lines ? "One JSON message a line (newline-delimited JSON)."
                                               : "The request as JSON (proto3 JSON mapping)."},
                         {"content",
                          {{lines ? "application/x-ndjson" : "application/json",
                            {{"schema", {{"$ref", SchemaRef(body)}}}}}}}};
  }
  const bool stream = method->server_streaming();
  op["responses"] = {
      {"200",
       {{"description",
         stream ? "Newline-delimited JSON, one message a line; an error after the first "
                  "line ends the stream with a line {\"error\": google.rpc.Status}."
                : "The answer."},
        {"content",
         {{stream ? "application/x-ndjson" : "application/json",
           {{"schema", {{"$ref", SchemaRef(method->output_type())}}}}}}}}},
      {"4XX", {{"$ref", "#/components/responses/Error"}}},
      {"5XX", {{"$ref", "#/components/responses/Error"}}}};
  if (file) {
    op["responses"]["200"] = FileResponse(method->input_type());
  }
  return op;
}

json StatusSchemas() {
  return {{"google.rpc.Status",
           {{"type", "object"},
            {"description",
             "An error: the gRPC status code, a message, and details such as "
             "google.rpc.BadRequest's field violations (AIP-193)."},
            {"properties",
             {{"code", {{"type", "integer"}, {"format", "int32"}}},
              {"message", {{"type", "string"}}},
              {"details",
               {{"type", "array"},
                {"items", {{"$ref", "#/components/schemas/google.protobuf.Any"}}}}}}}}},
          {"google.protobuf.Any",
           {{"type", "object"},
            {"description", "A detail message; `@type` names it, its fields follow."},
            {"properties", {{"@type", {{"type", "string"}}}}},
            {"additionalProperties", true}}}};
}

}  // namespace

std::string OpenApiPath(const Route& route) {
  std::vector<PathParameter> ignored;
  return ExpandPath(route, &ignored);
}

std::string OpenApiJson(const Transcoder& transcoder) {
  json tags = json::array();
  for (const auto& service : PublicServices()) {
    const std::string short_name = service.substr(service.rfind('.') + 1);
    const std::string comment = ProtoComments::Get().Of(service);
    tags.push_back({{"name", short_name}, {"description", comment.empty() ? short_name : comment}});
  }
  json doc = {
      {"openapi", "3.0.3"},
      {"info",
       {{"title", "Chỉ tiêu API"},
        {"version", "v1"},
        {"description",
         "Resolution 09 targets and results: the HTTP/JSON face of the gateway, made from the "
         "protos' google.api.http rules. Authenticate with `Authorization: Bearer <API key or "
         "token>`. Bodies and answers use the proto3 JSON mapping; errors are google.rpc.Status "
         "JSON with the HTTP code of google/rpc/code.proto."}}},
      {"servers",
       json::array({{{"url", "/"},
                     {"description", "The gateway that serves this document (its HTTP port)."}}})},
      {"security", json::array({{{"bearer", json::array()}}})},
      {"tags", tags},
      {"paths", json::object()},
      {"components",
       {{"securitySchemes",
         {{"bearer",
           {{"type", "http"},
            {"scheme", "bearer"},
            {"description", "An API key, or a token the gateway issued (chitieu-token)."}}}}},
        {"responses",
         {{"Error",
           {{"description", "An error, as google.rpc.Status JSON."},
            {"content",
             {{"application/json",
               {{"schema", {{"$ref", "#/components/schemas/google.rpc.Status"}}}}}}}}}}},
        {"schemas", StatusSchemas()}}}};
  json& schemas = doc["components"]["schemas"];
  for (const auto& route : transcoder.routes()) {
    std::vector<PathParameter> parameters;
    const std::string path = ExpandPath(route, &parameters);
    std::string verb = route.verb;
    for (auto& c : verb) {
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    doc["paths"][path][verb] = Operation(route, parameters, schemas);
  }
  return doc.dump(1) + "\n";
}

}  // namespace chitieu::gateway
