// HTTP/JSON to gRPC and back, from the google.api.http annotations
// (transcoder.h).

#include "services/gateway/transcoder.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <optional>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "chitieu/gateway/v1/gateway.pb.h"
#include "chitieu/quota/v1/quota.pb.h"
#include "chitieu/registry/v1/registry.pb.h"
#include "chitieu/reporting/v1/reporting.pb.h"
#include "google/api/annotations.pb.h"
#include "google/api/field_behavior.pb.h"
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

// A field of `d` by its proto name or its JSON (lowerCamel) name.
const FieldDescriptor* FieldNamed(const Descriptor* d, absl::string_view name) {
  const FieldDescriptor* f = d->FindFieldByName(std::string(name));
  if (f == nullptr) {
    f = d->FindFieldByCamelcaseName(std::string(name));
  }
  return f;
}

// A field mask's path in proto names, whichever spelling it came in:
// "seatUnit" → "seat_unit" (proto3 JSON writes masks in lowerCamel). A
// segment that names no field is kept as sent, for the service to refuse.
std::string ProtoMaskPath(const Descriptor* d, absl::string_view path) {
  std::vector<std::string> out;
  for (absl::string_view segment : absl::StrSplit(path, '.')) {
    const FieldDescriptor* f = d == nullptr ? nullptr : FieldNamed(d, segment);
    out.push_back(f == nullptr ? std::string(segment) : f->name());
    d = f == nullptr ? nullptr : f->message_type();
  }
  return absl::StrJoin(out, ".");
}

// The top-level keys of one strict JSON object, read without building it
// (a body may be megabytes); nullopt for any other text.
std::optional<std::vector<std::string>> TopLevelKeys(const std::string& text) {
  struct Keys : nlohmann::json_sax<nlohmann::json> {
    bool null() override { return depth > 0; }
    bool boolean(bool) override { return depth > 0; }
    bool number_integer(number_integer_t) override { return depth > 0; }
    bool number_unsigned(number_unsigned_t) override { return depth > 0; }
    bool number_float(number_float_t, const string_t&) override { return depth > 0; }
    bool string(string_t&) override { return depth > 0; }
    bool binary(binary_t&) override { return false; }
    bool start_object(std::size_t) override {
      ++depth;
      return true;
    }
    bool key(string_t& k) override {
      if (depth == 1) {
        keys.push_back(k);
      }
      return true;
    }
    bool end_object() override {
      --depth;
      return true;
    }
    bool start_array(std::size_t) override { return depth++ > 0; }
    bool end_array() override {
      --depth;
      return true;
    }
    bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) override {
      return false;
    }
    int depth = 0;
    std::vector<std::string> keys;
  } sax;
  if (!nlohmann::json::sax_parse(text, &sax, nlohmann::json::input_format_t::json,
                                 /*strict=*/true)) {
    return std::nullopt;
  }
  return std::move(sax.keys);
}

// AIP-134 over HTTP: a PATCH that names no update mask updates the fields
// present in its body. Those a caller cannot change (the name, the etag,
// output-only and immutable fields) are left out of the mask: a resource
// as read, sent back with a change, updates what changed. When the body
// names only such fields, the mask names them, and the service refuses
// them by name after authorization, as it would over gRPC; a body that
// names no field at all is refused here. An empty mask is never made: the
// services take it as "every updatable field".
absl::StatusOr<std::vector<std::string>> MaskFromBody(const Descriptor* resource,
                                                      const std::string& body) {
  std::optional<std::vector<std::string>> keys = TopLevelKeys(body);
  if (!keys.has_value()) {
    return InvalidField("body", "must be a JSON object (strict JSON)");
  }
  std::vector<std::string> changeable, named;
  for (const std::string& key : *keys) {
    const FieldDescriptor* f = FieldNamed(resource, key);
    if (f == nullptr || std::find(named.begin(), named.end(), f->name()) != named.end()) {
      continue;
    }
    named.push_back(f->name());
    if (f->name() != "name" && f->name() != "etag" &&
        !HasFieldBehavior(f, google::api::OUTPUT_ONLY) &&
        !HasFieldBehavior(f, google::api::IMMUTABLE)) {
      changeable.push_back(f->name());
    }
  }
  if (!changeable.empty()) {
    return changeable;
  }
  if (!named.empty()) {
    return named;
  }
  return InvalidField("body", "names no field to change (and no updateMask is set)");
}

}  // namespace

bool IsFieldMask(const Descriptor* message) {
  return message->full_name() == "google.protobuf.FieldMask";
}

bool HasFieldBehavior(const FieldDescriptor* field, google::api::FieldBehavior behavior) {
  for (int b : field->options().GetRepeatedExtension(google::api::field_behavior)) {
    if (b == behavior) {
      return true;
    }
  }
  return false;
}

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
  // The message the body fills, which an update mask's paths are relative to.
  Message* body_message = route.body.empty() ? nullptr : request;
  if (!route.body.empty() && route.body != "*") {
    ASSIGN_OR_RETURN(auto field, Resolve(request, route.body));
    body_message = field.first->GetReflection()->MutableMessage(field.first, field.second);
  }
  if (body_message != nullptr && !body.empty()) {
    if (auto s = google::protobuf::util::JsonStringToMessage(body, body_message, options);
        !s.ok()) {
      return InvalidField("body", absl::StrCat("is not valid JSON for this request: ",
                                               s.message().substr(0, 200).ToString()));
    }
  } else if (body_message == nullptr && !body.empty()) {
    return InvalidField("body", "this route takes no body");
  }
  for (size_t i = 0; i < route.variables.size() && i < bindings.size(); ++i) {
    ASSIGN_OR_RETURN(auto field, Resolve(request, route.variables[i]));
    RETURN_IF_ERROR(SetScalar(field.first, field.second, bindings[i], route.variables[i]));
  }
  const Descriptor* body_type = body_message == nullptr ? nullptr : body_message->GetDescriptor();
  std::vector<std::string> mask_paths;
  const FieldDescriptor* mask_field = nullptr;
  for (const auto& [key, value] : query) {
    if (route.body == "*") {
      return InvalidField(key, "this route takes its fields in the body, not the query");
    }
    auto field = Resolve(request, key);
    if (!field.ok()) {
      return InvalidField(key, "is not a query parameter of this route");
    }
    // The path and the body say what they bind; a query parameter cannot
    // say otherwise (PATCH /v1/enterprises/A?enterprise.name=… updates A).
    if (SetByPathOrBody(route, ProtoMaskPath(request->GetDescriptor(), key))) {
      return InvalidField(key, "is set by the path or the body, not the query");
    }
    // A mask is one parameter (updateMask=a,b); its paths one by one
    // would escape its spelling rules and merge with the body's fields.
    if (IsFieldMask(field->first->GetDescriptor())) {
      return InvalidField(key, "a field mask is set whole, as a list of paths: updateMask=a,b");
    }
    if (field->second->type() == FieldDescriptor::TYPE_MESSAGE) {
      // A FieldMask travels as a comma-separated list of paths, in proto or
      // JSON names, relative to the body's resource; an empty one is no
      // mask.
      if (IsFieldMask(field->second->message_type()) && field->first == request) {
        mask_field = field->second;
        for (absl::string_view p : absl::StrSplit(value, ',', absl::SkipWhitespace())) {
          std::string path = ProtoMaskPath(body_type, absl::StripAsciiWhitespace(p));
          if (std::find(mask_paths.begin(), mask_paths.end(), path) == mask_paths.end()) {
            mask_paths.push_back(std::move(path));
          }
        }
        continue;
      }
      return InvalidField(key, "cannot be set from a query parameter");
    }
    RETURN_IF_ERROR(SetScalar(field->first, field->second, value, key));
  }
  const FieldDescriptor* update_mask = request->GetDescriptor()->FindFieldByName("update_mask");
  if (mask_paths.empty() && route.verb == "PATCH" && body_type != nullptr &&
      body_type != request->GetDescriptor() && update_mask != nullptr &&
      update_mask->message_type() != nullptr && IsFieldMask(update_mask->message_type())) {
    ASSIGN_OR_RETURN(mask_paths, MaskFromBody(body_type, body));
    mask_field = update_mask;
  }
  if (mask_field != nullptr && !mask_paths.empty()) {
    Message* mask = request->GetReflection()->MutableMessage(request, mask_field);
    const auto* paths = mask->GetDescriptor()->FindFieldByName("paths");
    for (std::string& p : mask_paths) {
      mask->GetReflection()->AddString(mask, paths, std::move(p));
    }
  }
  return absl::OkStatus();
}

bool SetByPathOrBody(const Route& route, absl::string_view field_path) {
  auto overlaps = [&](absl::string_view bound) {
    return field_path == bound || absl::StartsWith(field_path, absl::StrCat(bound, ".")) ||
           absl::StartsWith(bound, absl::StrCat(field_path, "."));
  };
  if (route.body == "*") {
    return true;
  }
  if (!route.body.empty() && overlaps(route.body)) {
    return true;
  }
  for (const auto& variable : route.variables) {
    if (overlaps(variable)) {
      return true;
    }
  }
  return false;
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
