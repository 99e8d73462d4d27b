// An import batch's reads and writes, a few statements for the batch
// (registry_import_batch.h).

#include "services/registry/registry_import_batch.h"

#include "libs/common/names.h"
#include "libs/common/status_macros.h"
#include "services/registry/registry_shared.h"

namespace chitieu::registry {

absl::Status ImportBatch::Read(RegistryTx& tx, const std::vector<std::string>& codes,
                               const std::set<std::string>& seats) {
  ASSIGN_OR_RETURN(auto found, tx.GetEnterprises(codes));
  for (auto& e : found) {
    std::string code = e.enterprise_code();
    enterprises_.emplace(std::move(code), std::move(e));
  }
  std::vector<std::string> unit_codes;
  for (const auto& name : seats) {
    if (auto code = ParseSingleName("units", name, "seat_unit"); code.ok()) {
      unit_codes.push_back(*std::move(code));
    }
  }
  ASSIGN_OR_RETURN(auto units, tx.GetUnits(unit_codes));
  for (auto& u : units) {
    std::string name = u.name();
    units_.emplace(std::move(name), std::move(u));
  }
  return absl::OkStatus();
}

absl::StatusOr<const pb::Unit*> ImportBatch::Unit(RegistryTx& tx, const std::string& name) {
  auto it = units_.find(name);
  if (it == units_.end()) {
    // Not read with the batch: a malformed or unknown name, whose refusal
    // is kept for the batch's other rows, or a stored seat no row names.
    // (A failure of the database fails the transaction, and its next
    // attempt starts a new batch.)
    it = units_.emplace(name, ExistingUnit(tx, name, "seat_unit")).first;
  }
  if (!it->second.ok()) {
    return it->second.status();
  }
  return &*it->second;
}

const pb::Enterprise* ImportBatch::Enterprise(const std::string& code) const {
  auto it = enterprises_.find(code);
  return it == enterprises_.end() ? nullptr : &it->second;
}

void ImportBatch::Save(const std::string& code, type::v1::ChangeType type, pb::Enterprise e) {
  pb::StreamChangesResponse change;
  change.set_change_type(type);
  *change.mutable_enterprise() = e;
  changes_.push_back(std::move(change));
  if (written_.insert(code).second) {
    order_.push_back(code);
  }
  enterprises_[code] = std::move(e);
}

absl::Status ImportBatch::Write(RegistryTx& tx) {
  std::vector<const pb::Enterprise*> written;
  written.reserve(order_.size());
  for (const auto& code : order_) {
    written.push_back(&enterprises_.at(code));
  }
  RETURN_IF_ERROR(tx.PutEnterprises(written));
  return tx.AppendChanges(std::move(changes_));
}

}  // namespace chitieu::registry
