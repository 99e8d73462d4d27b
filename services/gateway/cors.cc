// Cross-origin resource sharing (cors.h).

#include "services/gateway/cors.h"

#include <arpa/inet.h>
#include <netinet/in.h>

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

// Whether `text` is an IP address exactly as inet_ntop writes it (so as a
// browser serialises it: "::1", never "0:0::1"; "127.0.0.1", never "127.1").
bool IsCanonicalAddress(int family, absl::string_view text) {
  unsigned char bytes[sizeof(in6_addr)];
  char back[INET6_ADDRSTRLEN];
  const std::string copy(text);
  return inet_pton(family, copy.c_str(), bytes) == 1 &&
         inet_ntop(family, bytes, back, sizeof(back)) != nullptr && copy == back;
}

// A DNS name as a browser sends it: labels of letters, digits, '-' and
// '_', none empty (so no trailing dot) and none starting or ending with
// '-'. International names in their punycode (xn--) form.
bool IsHostName(absl::string_view host) {
  for (absl::string_view label : absl::StrSplit(host, '.')) {
    if (label.empty() || label.front() == '-' || label.back() == '-') {
      return false;
    }
    for (char c : label) {
      if (!absl::ascii_isalnum(c) && c != '-' && c != '_') {
        return false;
      }
    }
  }
  return true;
}

// Whether `origin` (lower case) is an origin exactly as browsers send one
// in the Origin header: "https://host" or "http://host:port", the port
// without leading zeros and never the scheme's default, nothing after it.
// An entry a browser could never send would silently match nothing.
bool IsOrigin(absl::string_view origin) {
  int default_port = 443;
  if (!absl::ConsumePrefix(&origin, "https://")) {
    if (!absl::ConsumePrefix(&origin, "http://")) {
      return false;
    }
    default_port = 80;
  }
  absl::string_view host, port;
  if (absl::StartsWith(origin, "[")) {
    const size_t close = origin.find(']');
    if (close == absl::string_view::npos ||
        !IsCanonicalAddress(AF_INET6, origin.substr(1, close - 1))) {
      return false;
    }
    host = origin.substr(0, close + 1);
    origin.remove_prefix(close + 1);
    if (!origin.empty() && !absl::ConsumePrefix(&origin, ":")) {
      return false;
    }
    port = origin;
  } else {
    const size_t colon = origin.find(':');
    host = origin.substr(0, colon);
    port = colon == absl::string_view::npos ? "" : origin.substr(colon + 1);
    if (colon != absl::string_view::npos && port.empty()) {
      return false;
    }
    const bool numeric = !host.empty() && host.find_first_not_of("0123456789.") == host.npos;
    if (host.empty() || (numeric ? !IsCanonicalAddress(AF_INET, host) : !IsHostName(host))) {
      return false;
    }
  }
  if (port.empty()) {
    return true;
  }
  int number = 0;
  return port.front() != '0' && port.find_first_not_of("0123456789") == port.npos &&
         absl::SimpleAtoi(port, &number) && number < 65536 && number != default_port;
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
  // One Origin header, as browsers send it (in lower case; another
  // spelling is not theirs); two are nobody's.
  int origins = 0;
  for (const auto& [name, value] : request.headers) {
    origins += absl::EqualsIgnoreCase(name, "Origin") ? 1 : 0;
  }
  const std::string* origin = request.Header("Origin");
  return origins == 1 && origins_.count(*origin) > 0;
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
    headers.emplace_back("Access-Control-Expose-Headers", "Retry-After, Content-Disposition");
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
