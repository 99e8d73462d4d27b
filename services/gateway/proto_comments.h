#pragma once

// The leading comments of our protos, read from the descriptor set with
// source info that the binary carries (proto/CMakeLists.txt builds it and
// cmake/embed.cmake embeds it as chitieu_source_info), by the full name of
// what each is attached to: "chitieu.registry.v1.RegistryService.GetUnit",
// "chitieu.registry.v1.Enterprise.seat_unit". For the OpenAPI document's
// summaries and descriptions (openapi.h).

#include <map>
#include <string>

namespace chitieu::gateway {

class ProtoComments {
 public:
  // The comments of every chitieu proto, read once.
  static const ProtoComments& Get();

  // The comment, lines joined into paragraphs (a blank line between
  // them), or "" when there is none.
  std::string Of(const std::string& full_name) const;

 private:
  ProtoComments();

  std::map<std::string, std::string> by_name_;
};

}  // namespace chitieu::gateway
