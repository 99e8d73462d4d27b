// The registry's bulk import of enterprises: each row checked on its own,
// applied in the batch's transaction, rejected alone when it is bad.

#include "libs/common/errors.h"
#include "libs/common/mutation.h"
#include "libs/common/names.h"
#include "libs/common/status_macros.h"
#include "libs/common/validation.h"
#include "services/registry/registry.h"
#include "services/registry/registry_shared.h"
#include "services/registry/tax_code.h"

namespace chitieu::registry {

namespace {

// A row's failure that rejects the row alone; any other failure (storage)
// fails the whole batch.
bool RejectsRowOnly(const absl::Status& s) {
  return absl::IsInvalidArgument(s) || absl::IsFailedPrecondition(s) || absl::IsNotFound(s) ||
         absl::IsOutOfRange(s) || absl::IsAlreadyExists(s);
}

pb::ImportRowResult Rejected(pb::ImportRowResult result, const absl::Status& s) {
  result.set_outcome(pb::IMPORT_OUTCOME_REJECTED);
  auto violations = GetFieldViolations(s);
  if (!violations.empty()) {
    result.set_field(violations.front().first);
    result.set_reason(violations.front().second);
  } else {
    result.set_reason(std::string(s.message()));
  }
  return result;
}

}  // namespace

absl::Status Registry::CheckImportRow(const pb::Enterprise& row, const std::string& today) {
  FieldViolations v;
  if (auto s = ValidateEnterpriseCode(row.enterprise_code(), "enterprise_code"); !s.ok()) {
    for (auto& [f, d] : GetFieldViolations(s)) {
      v.Add(f, d);
    }
  }
  CheckEnterpriseFields(v, row, "", today);
  if (row.status_history_size() > 1) {
    v.Add("status_history", "an import row carries at most one status entry");
  }
  if (row.status_history_size() == 1) {
    const auto& p = row.status_history(0);
    if (p.status() == 0 || !type::v1::EnterpriseStatus_IsValid(p.status())) {
      v.Add("status_history[0].status", "must be one of the ENTERPRISE_STATUS_ values");
    }
    if (CheckDate(v, "status_history[0].effective_date", p.effective_date()) &&
        (p.effective_date() > today || p.effective_date() < row.registration_date())) {
      v.Add("status_history[0].effective_date", "must lie between the registration date and today");
    }
    if (!p.end_date().empty() && CheckDate(v, "status_history[0].end_date", p.end_date()) &&
        (p.status() != type::v1::ENTERPRISE_STATUS_SUSPENDED ||
         p.end_date() <= p.effective_date())) {
      v.Add("status_history[0].end_date", "is only for a suspension, after its start");
    }
  }
  return v.ToStatus();
}

absl::StatusOr<pb::ImportOutcome> Registry::ApplyImportRow(RegistryTx& tx, ImportBatch& batch,
                                                           const pb::Enterprise& row,
                                                           const std::string& source,
                                                           const std::string& today,
                                                           const std::set<std::string>* scope) {
  const std::string& code = row.enterprise_code();
  pb::ImportOutcome outcome = pb::IMPORT_OUTCOME_UNSPECIFIED;
  RETURN_IF_ERROR(batch.Unit(tx, row.seat_unit()).status());
  const pb::Enterprise* existing = batch.Enterprise(code);
  if (existing != nullptr && scope != nullptr) {
    // The stored seat, read in this transaction, must be in the caller's
    // scope; before any other comparison, so an outsider learns nothing of
    // the enterprise (not even that its registration date differs).
    ASSIGN_OR_RETURN(
        auto covered,
        CoversUnit(*scope, existing->seat_unit(),
                   [&tx, &batch](const std::string& unit) -> absl::StatusOr<std::string> {
                     // Each unit read once a batch.
                     auto u = batch.Unit(tx, unit);
                     if (absl::IsInvalidArgument(u.status()) ||
                         absl::IsFailedPrecondition(u.status())) {
                       return absl::NotFoundError(unit);
                     }
                     RETURN_IF_ERROR(u.status());
                     return (*u)->parent();
                   }));
    if (!covered) {
      return InvalidField("enterprise_code", "is not in your scope");
    }
  }
  pb::Enterprise e;
  bool changed = false;
  if (existing != nullptr) {
    e = *existing;
    if (e.registration_date() != row.registration_date()) {
      return FailedField("registration_date", "differs from the registered enterprise's");
    }
    if (e.display_name() != row.display_name() || e.legal_form() != row.legal_form() ||
        e.sector() != row.sector() || e.seat_unit() != row.seat_unit() ||
        e.self_requested_founding() != row.self_requested_founding()) {
      e.set_display_name(row.display_name());
      e.set_legal_form(row.legal_form());
      e.set_sector(row.sector());
      e.set_seat_unit(row.seat_unit());
      e.set_self_requested_founding(row.self_requested_founding());
      changed = true;
    }
    outcome = pb::IMPORT_OUTCOME_UPDATED;
  } else {
    e.set_enterprise_code(code);
    e.set_display_name(row.display_name());
    e.set_legal_form(row.legal_form());
    e.set_sector(row.sector());
    e.set_seat_unit(row.seat_unit());
    e.set_registration_date(row.registration_date());
    e.set_self_requested_founding(row.self_requested_founding());
    auto* first = e.add_status_history();
    first->set_status(type::v1::ENTERPRISE_STATUS_ACTIVE);
    first->set_effective_date(row.registration_date());
    first->set_source(source);
    *first->mutable_record_time() = ProtoNow();
    *e.mutable_create_time() = ProtoNow();
    changed = true;
    outcome = pb::IMPORT_OUTCOME_CREATED;
  }
  if (row.status_history_size() == 1) {
    const auto& p = row.status_history(0);
    const auto& last = e.status_history(e.status_history_size() - 1);
    const bool differs =
        StatusOn(e, p.effective_date()) != p.status() ||
        (p.status() == type::v1::ENTERPRISE_STATUS_SUSPENDED && last.end_date() != p.end_date());
    if (differs) {
      if (p.effective_date() < last.effective_date()) {
        return FailedField("status_history[0].effective_date",
                           "is before the latest recorded change");
      }
      auto* added = e.add_status_history();
      *added = p;
      if (added->source().empty()) {
        added->set_source(source);
      }
      *added->mutable_record_time() = ProtoNow();
      changed = true;
    }
  }
  if (!changed) {
    return pb::IMPORT_OUTCOME_UNCHANGED;
  }
  StampUpdated(e);
  SetComputedFields(e, today);
  batch.Save(code,
             outcome == pb::IMPORT_OUTCOME_CREATED ? type::v1::CHANGE_TYPE_CREATED
                                                   : type::v1::CHANGE_TYPE_UPDATED,
             std::move(e));
  return outcome;
}

absl::StatusOr<std::vector<pb::ImportRowResult>> Registry::ImportRows(
    const google::protobuf::RepeatedPtrField<pb::Enterprise>& rows, int64_t first_row,
    const std::string& source, const std::set<std::string>* scope) {
  const std::string today = FormatDate(today_());
  std::vector<pb::ImportRowResult> results(rows.size());
  std::vector<bool> valid(rows.size());
  for (int i = 0; i < rows.size(); ++i) {
    results[i].set_row(first_row + i);
    results[i].set_enterprise_code(rows[i].enterprise_code());
    absl::Status s = CheckImportRow(rows[i], today);
    valid[i] = s.ok();
    if (!s.ok()) {
      results[i] = Rejected(std::move(results[i]), s);
    }
  }
  std::vector<std::string> codes;
  std::set<std::string> seats;
  for (int i = 0; i < rows.size(); ++i) {
    if (valid[i]) {
      codes.push_back(rows[i].enterprise_code());
      seats.insert(rows[i].seat_unit());
    }
  }
  // The feed numbers this batch's changes while the next batch runs;
  // FinishImport waits for it once.
  RETURN_IF_ERROR(store_->TransactBatch([&](RegistryTx& tx) -> absl::Status {
    ImportBatch batch;  // Anew in each attempt.
    RETURN_IF_ERROR(batch.Read(tx, codes, seats));
    for (int i = 0; i < rows.size(); ++i) {
      if (!valid[i]) {
        continue;
      }
      results[i].clear_reason();
      results[i].clear_field();
      auto outcome = ApplyImportRow(tx, batch, rows[i], source, today, scope);
      if (outcome.ok()) {
        results[i].set_outcome(*outcome);
      } else if (RejectsRowOnly(outcome.status())) {
        // Nothing of the row was written: every check comes before a write.
        results[i] = Rejected(std::move(results[i]), outcome.status());
      } else {
        return outcome.status();
      }
    }
    return batch.Write(tx);
  }));
  return results;
}

void Registry::FinishImport() { store_->AwaitFeed(); }

}  // namespace chitieu::registry
