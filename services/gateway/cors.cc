// Cross-origin resource sharing (cors.h).

#include "services/gateway/cors.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "libs/common/errors.h"

namespace chitieu::gateway {
namespace {

constexpr char kAllowedMethods[] = "GET, POST, PATCH, PUT, DELETE";
constexpr absl::string_view kAllowedMethodNames[] = {"GET", "POST", "PATCH", "PUT", "DELETE"};
// The request headers the API reads.
constexpr char kAllowedHeaders[] = "Authorization, Content-Type, X-Request-Id";
constexpr absl::string_view kAllowedHeaderNames[] = {"authorization", "content-type",
                                                     "x-request-id"};

// "https://host" or "http://host:port": a scheme, a host of letters,
// digits, dots and dashes (or an IPv6 literal), an optional port, nothing
// after it.
bool IsOrigin(absl::string_view origin) {
  if (!absl::ConsumePrefix(&origin, "https://") && !absl::ConsumePrefix(&origin, "http://")) {
    return false;
  }
  absl::string_view host = origin;
  if (absl::StartsWith(origin, "[")) {
    const size_t close = origin.find(']');
    if (close == absl::string_view::npos || close == 1) {
      return false;
    }
    for (char c : origin.substr(1, close - 1)) {
      if (!absl::ascii_isxdigit(c) && c != ':' && c != '.') {
        return false;
      }
    }
    host = "ipv6";
    origin.remove_prefix(close + 1);
    if (!origin.empty() && !absl::ConsumePrefix(&origin, ":")) {
      return false;
    }
  } else {
    const size_t colon = origin.find(':');
    host = origin.substr(0, colon);
    origin = colon == absl::string_view::npos ? "" : origin.substr(colon + 1);
    if (colon != absl::string_view::npos && origin.empty()) {
      return false;
    }
  }
  if (host.empty()) {
    return false;
  }
  for (char c : host) {
    if (!absl::ascii_isalnum(c) && c != '.' && c != '-') {
      return false;
    }
  }
  int port = 0;
  return origin.empty() || (absl::SimpleAtoi(origin, &port) && port > 0 && port < 65536 &&
                            absl::ascii_isdigit(origin.front()));
}

}  // namespace

absl::StatusOr<CorsPolicy> CorsPolicy::Parse(absl::string_view origins) {
  CorsPolicy policy;
  for (absl::string_view entry : absl::StrSplit(origins, ',', absl::SkipWhitespace())) {
    entry = absl::StripAsciiWhitespace(entry);
    const std::string origin = absl::AsciiStrToLower(entry);
    if (!IsOrigin(origin)) {
      return InvalidField("cors_allowed_origins",
                          absl::StrCat("\"", entry,
                                       "\" is not an origin (scheme://host[:port], no path, "
                                       "no wildcard)"));
    }
    policy.origins_.insert(origin);
  }
  return policy;
}

bool CorsPolicy::IsPreflight(const HttpRequest& request) {
  return request.method == "OPTIONS" && request.Header("Origin") != nullptr &&
         request.Header("Access-Control-Request-Method") != nullptr;
}

bool CorsPolicy::Allows(const HttpRequest& request) const {
  const std::string* origin = request.Header("Origin");
  // Browsers send origins in lower case; another spelling is not theirs.
  return origin != nullptr && origins_.count(*origin) > 0;
}

void CorsPolicy::AnswerPreflight(const HttpRequest& request, HttpResponder& responder) const {
  bool allowed = Allows(request);
  if (allowed) {
    const std::string& method = *request.Header("Access-Control-Request-Method");
    allowed = false;
    for (absl::string_view name : kAllowedMethodNames) {
      allowed = allowed || method == name;
    }
  }
  if (const std::string* asked = request.Header("Access-Control-Request-Headers");
      allowed && asked != nullptr) {
    for (absl::string_view name : absl::StrSplit(*asked, ',', absl::SkipWhitespace())) {
      const std::string lower = absl::AsciiStrToLower(absl::StripAsciiWhitespace(name));
      bool known = false;
      for (absl::string_view allowed_name : kAllowedHeaderNames) {
        known = known || lower == allowed_name;
      }
      allowed = allowed && known;
    }
  }
  const HttpHeaders vary = {
      {"Vary", "Origin, Access-Control-Request-Method, Access-Control-Request-Headers"}};
  if (!allowed) {
    responder.Send(
        403, "application/json",
        R"({"code":7,"message":"this cross-origin request is not allowed","details":[]})", vary);
    return;
  }
  HttpHeaders headers = vary;
  headers.emplace_back("Access-Control-Allow-Origin", *request.Header("Origin"));
  headers.emplace_back("Access-Control-Allow-Methods", kAllowedMethods);
  headers.emplace_back("Access-Control-Allow-Headers", kAllowedHeaders);
  headers.emplace_back("Access-Control-Max-Age", "600");
  responder.Send(204, "", "", headers);
}

HttpHeaders CorsPolicy::ResponseHeaders(const HttpRequest& request) const {
  if (origins_.empty()) {
    return {};
  }
  HttpHeaders headers = {{"Vary", "Origin"}};
  if (Allows(request)) {
    headers.emplace_back("Access-Control-Allow-Origin", *request.Header("Origin"));
    headers.emplace_back("Access-Control-Expose-Headers", "Retry-After");
  }
  return headers;
}

HttpHeaders HeadersAddingResponder::With(const HttpHeaders& headers) const {
  HttpHeaders all = headers;
  all.insert(all.end(), headers_.begin(), headers_.end());
  return all;
}

void HeadersAddingResponder::Send(int status, const std::string& content_type, std::string body,
                                  const HttpHeaders& headers) {
  inner_.Send(status, content_type, std::move(body), With(headers));
}

bool HeadersAddingResponder::StartStream(int status, const std::string& content_type,
                                         const HttpHeaders& headers) {
  return inner_.StartStream(status, content_type, With(headers));
}

}  // namespace chitieu::gateway
