// chitieu-openapi: prints the OpenAPI document the gateway serves at
// /openapi.json (openapi.h), so that clients can be generated without a
// running gateway: `chitieu-openapi > openapi.json`, or
// `chitieu-openapi FILE` (written whole, or not at all).

#include <cstdio>
#include <fstream>
#include <iostream>

#include "services/gateway/openapi.h"
#include "services/gateway/transcoder.h"

int main(int argc, char** argv) {
  if (argc > 2) {
    std::cerr << "usage: chitieu-openapi [FILE]\n";
    return 2;
  }
  auto transcoder = chitieu::gateway::Transcoder::BuildPublic();
  if (!transcoder.ok()) {
    std::cerr << "chitieu-openapi: " << transcoder.status() << "\n";
    return 1;
  }
  const std::string document = chitieu::gateway::OpenApiJson(*transcoder);
  if (argc == 1) {
    std::cout << document;
    return std::cout.good() ? 0 : 1;
  }
  const std::string file = argv[1];
  const std::string temporary = file + ".tmp";
  std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
  out << document;
  out.close();
  if (!out || std::rename(temporary.c_str(), file.c_str()) != 0) {
    std::cerr << "chitieu-openapi: cannot write " << file << "\n";
    std::remove(temporary.c_str());
    return 1;
  }
  return 0;
}
