#pragma once

// Cross-origin resource sharing for browser clients of other government
// systems (the Fetch standard's CORS protocol). Nothing is allowed by
// default: only the origins an admin lists (--cors_allowed_origins, exact
// "scheme://host[:port]", no wildcard) get the headers that let a browser
// read an answer, and only their preflights are answered with permission.
// Credentials travel as `Authorization: Bearer`, never as cookies, so no
// Access-Control-Allow-Credentials is ever sent.

#include <set>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "services/gateway/http_front.h"

namespace chitieu::gateway {

class CorsPolicy {
 public:
  // Allows no origin.
  CorsPolicy() = default;
  // From a comma-separated list of origins, e.g.
  // "https://portal.hanoi.gov.vn,http://127.0.0.1:5173". INVALID_ARGUMENT
  // names an entry that is not an origin ("*", a path, "null", …).
  static absl::StatusOr<CorsPolicy> Parse(absl::string_view origins);

  bool empty() const { return origins_.empty(); }

  // A preflight: OPTIONS with Origin and Access-Control-Request-Method.
  static bool IsPreflight(const HttpRequest& request);
  // Answers a preflight: 204 with the permissions when the origin is
  // listed and the method and headers asked for are ones the API takes;
  // otherwise 403 (google.rpc.Status JSON) with none.
  void AnswerPreflight(const HttpRequest& request, HttpResponder& responder) const;
  // The headers an answer to `request` carries: for a listed origin, the
  // permission to read it (and the Retry-After and Content-Disposition
  // headers); with any origin
  // listed, Vary: Origin on every answer, so caches keep them apart.
  HttpHeaders ResponseHeaders(const HttpRequest& request) const;

 private:
  bool Allows(const HttpRequest& request) const;

  std::set<std::string> origins_;
};

// An HttpResponder that adds headers to whatever another one answers.
class HeadersAddingResponder : public HttpResponder {
 public:
  HeadersAddingResponder(HttpResponder& inner, HttpHeaders headers)
      : inner_(inner), headers_(std::move(headers)) {}
  void Send(int status, const std::string& content_type, std::string body,
            const HttpHeaders& headers) override;
  bool StartStream(int status, const std::string& content_type,
                   const HttpHeaders& headers) override;
  bool Write(const std::string& piece) override { return inner_.Write(piece); }
  void EndStream() override { inner_.EndStream(); }

 private:
  HttpHeaders With(const HttpHeaders& headers) const;

  HttpResponder& inner_;
  const HttpHeaders headers_;
};

}  // namespace chitieu::gateway
