#pragma once

// The chitieu CLI's commands as data: each names the gateway method it
// calls and how its flags fill the request (a JSON path per flag, read by
// protobuf's JSON parser against the method's own descriptor).

#include <string>
#include <vector>

namespace chitieu::cli {

struct FlagSpec {
  std::string name;  // --name
  std::string path;  // JSON path in the request: "enterprise.sealUnit"; "" for none
  std::string help;
  std::string prefix;    // Prepended to the value ("units/"), unless already there.
  std::string fallback;  // Default value; "" with required=false: left unset.
  bool required = false;
};

struct CommandSpec {
  std::vector<std::string> words;  // {"enterprises", "list"}
  std::string method;              // "chitieu.registry.v1.RegistryService/ListEnterprises"
  std::string help;
  std::vector<FlagSpec> flags;
  // The positional argument, if any, fills this flag.
  std::string positional;
  // Special handling: "" (plain unary call), "stream" (server stream of CSV
  // rows), "import" (CSV file → client stream), "file" (a google.api.HttpBody
  // saved to --out).
  std::string kind;
  // For list commands: a unit flag turned into `unit = "units/…"` in filter.
  bool unit_filter = false;
};

const std::vector<CommandSpec>& Commands();

}  // namespace chitieu::cli
