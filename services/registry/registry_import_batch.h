#pragma once

// What one batch of a bulk import reads and writes, gathered so that the
// batch costs a few statements rather than several a row (issue 20: a row
// cost about seven round trips to PostgreSQL): the batch's enterprises
// and its seat units read in a query each, and what the rows write put,
// and their changes appended, at the end, each enterprise once and the
// changes in row order. A row sees what an earlier row of the same batch
// wrote, as it did when each row wrote at once.

#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "chitieu/registry/v1/registry.pb.h"
#include "services/registry/registry_store.h"

namespace chitieu::registry {

class ImportBatch {
 public:
  // Reads those of `codes` that exist, and those of the units named in
  // `seats` (units/…; a malformed name is left for Unit to refuse).
  absl::Status Read(RegistryTx& tx, const std::vector<std::string>& codes,
                    const std::set<std::string>& seats);
  // The unit `name` (units/…), read once: INVALID_ARGUMENT or
  // FAILED_PRECONDITION on "seat_unit" if malformed or if it does not
  // exist (the answer kept for the batch's other rows).
  absl::StatusOr<const pb::Unit*> Unit(RegistryTx& tx, const std::string& name);
  // The enterprise as the batch has it (read, or written by an earlier
  // row), or null.
  const pb::Enterprise* Enterprise(const std::string& code) const;
  // Records a row's write of `e` and its change of `type`.
  void Save(const std::string& code, type::v1::ChangeType type, pb::Enterprise e);
  // Puts what was saved and appends the changes.
  absl::Status Write(RegistryTx& tx);

 private:
  std::map<std::string, pb::Enterprise> enterprises_;
  std::map<std::string, absl::StatusOr<pb::Unit>> units_;
  std::set<std::string> written_;
  std::vector<std::string> order_;  // Codes written, in the order first written.
  std::vector<pb::StreamChangesResponse> changes_;
};

}  // namespace chitieu::registry
