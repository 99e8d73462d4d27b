// libFuzzer target: the CLI's CSV importer (clients/cli/csv_import.h), from
// raw bytes to ImportEnterprises batches. Every data row must land in a
// batch of at most 500, and every batch must serialise.
#include <cstdint>
#include <cstdlib>
#include <sstream>
#include <string>

#include "clients/cli/csv_import.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::istringstream in(std::string(reinterpret_cast<const char*>(data), size));
  int rows = 0;
  const auto batches = chitieu::cli::ReadImportCsv(in, "fuzz", &rows);
  int in_batches = 0;
  for (const auto& b : batches) {
    if (b->enterprises_size() == 0 || b->enterprises_size() > 500) {
      std::abort();
    }
    in_batches += b->enterprises_size();
    std::string bytes;
    if (!b->SerializeToString(&bytes)) {
      std::abort();
    }
  }
  if (in_batches != rows) {
    std::abort();
  }
  return 0;
}
