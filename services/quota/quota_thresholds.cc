// The quota service's founding thresholds per year: the member counts an
// enterprise needs before each kind of organization can be founded.

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "libs/common/errors.h"
#include "libs/common/idempotency.h"
#include "libs/common/mutation.h"
#include "libs/common/names.h"
#include "libs/common/status_macros.h"
#include "libs/common/transaction.h"
#include "services/quota/quota.h"

namespace chitieu::quota {
namespace {

pb::FoundingThresholds DefaultThresholds(int year) {
  pb::FoundingThresholds t;
  t.set_name(absl::StrCat("foundingThresholds/", year));
  t.set_year(year);
  t.set_party_cell_official_members(kDefaultPartyCell);
  t.set_grassroots_party_committee_members(kDefaultGrassrootsPartyCommittee);
  t.set_trade_union_members(kDefaultTradeUnion);
  t.set_youth_branch_members(kDefaultYouthBranch);
  return t;
}

absl::StatusOr<int> ThresholdsYear(const std::string& name, const std::string& field,
                                   int this_year) {
  auto id = ParseSingleName("foundingThresholds", name, field);
  int year = 0;
  if (!id.ok() || !absl::SimpleAtoi(*id, &year) || year < 2000 || year > this_year + 5) {
    return InvalidField(
        field,
        absl::StrCat("must be foundingThresholds/{year}, a year from 2000 to ", this_year + 5));
  }
  return year;
}

}  // namespace

absl::StatusOr<pb::FoundingThresholds> Quota::GetFoundingThresholds(
    const pb::GetFoundingThresholdsRequest& request) {
  ASSIGN_OR_RETURN(auto year, ThresholdsYear(request.name(), "name", today_().year()));
  return InView<pb::FoundingThresholds>(
      store_, [&](QuotaTx& tx) -> absl::StatusOr<pb::FoundingThresholds> {
        ASSIGN_OR_RETURN(auto stored, tx.GetThresholds(year));
        return stored.has_value() ? *stored : DefaultThresholds(year);
      });
}

absl::StatusOr<pb::FoundingThresholds> Quota::UpdateFoundingThresholds(
    const pb::UpdateFoundingThresholdsRequest& request) {
  const pb::FoundingThresholds& in = request.founding_thresholds();
  ASSIGN_OR_RETURN(auto year,
                   ThresholdsYear(in.name(), "founding_thresholds.name", today_().year()));
  std::vector<std::string> paths(request.update_mask().paths().begin(),
                                 request.update_mask().paths().end());
  if (paths.empty()) {
    paths = {"party_cell_official_members", "grassroots_party_committee_members",
             "trade_union_members", "youth_branch_members"};
  }
  FieldViolations v;
  const auto* descriptor = pb::FoundingThresholds::descriptor();
  for (const auto& p : paths) {
    const auto* field = descriptor->FindFieldByName(p);
    if (field == nullptr || field->type() != google::protobuf::FieldDescriptor::TYPE_INT32 ||
        p == "year") {
      v.Add("update_mask", absl::StrCat(p, " cannot be updated"));
      continue;
    }
    int32_t value = in.GetReflection()->GetInt32(in, field);
    if (value < 1 || value > 10000) {
      v.Add("founding_thresholds." + p, "must be from 1 to 10000");
    }
  }
  RETURN_IF_ERROR(v.ToStatus());
  return InTx<pb::FoundingThresholds>(
      store_, [&](QuotaTx& tx) -> absl::StatusOr<pb::FoundingThresholds> {
        ASSIGN_OR_RETURN(auto stored, tx.GetThresholds(year));
        pb::FoundingThresholds t = stored.has_value() ? *stored : DefaultThresholds(year);
        RETURN_IF_ERROR(CheckEtag(in.etag(), t.etag()));
        for (const auto& p : paths) {
          const auto* field = descriptor->FindFieldByName(p);
          t.GetReflection()->SetInt32(&t, field, in.GetReflection()->GetInt32(in, field));
        }
        if (t.grassroots_party_committee_members() <= t.party_cell_official_members()) {
          return FailedField("founding_thresholds.grassroots_party_committee_members",
                             "must be above party_cell_official_members");
        }
        StampUpdated(t);
        RETURN_IF_ERROR(tx.PutThresholds(year, t));
        RETURN_IF_ERROR(EmitChange(tx, type::v1::CHANGE_TYPE_UPDATED,
                                   &pb::StreamChangesResponse::mutable_founding_thresholds, t));
        return t;
      });
}

}  // namespace chitieu::quota
