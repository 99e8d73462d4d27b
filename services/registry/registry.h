#pragma once

// Domain layer of the registry: the rules of units, bodies, enterprises,
// organizations and admissions. No gRPC here; errors are absl::Status with
// field violations (libs/common/errors.h):
//   INVALID_ARGUMENT   malformed input (a field violation names the field);
//   NOT_FOUND          the named resource does not exist;
//   ALREADY_EXISTS     the resource exists, or a request_id was reused for a
//                      different request (reason REQUEST_ID_REUSED);
//   FAILED_PRECONDITION the input is well formed but breaks a rule of state
//                      (founding in a dissolved enterprise, a second active
//                      organization of a kind, an unknown unit or body);
//   ABORTED            a stale etag (reason ETAG_MISMATCH);
//   UNAVAILABLE        the database is busy; safe to retry.

#include <cstdint>
#include <set>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "chitieu/registry/v1/registry.pb.h"
#include "libs/common/dates.h"
#include "libs/common/policy.h"
#include "services/registry/registry_import_batch.h"
#include "services/registry/registry_store.h"

namespace chitieu::registry {

class Registry {
 public:
  // `store` must outlive the Registry. `today` gives the civil date that
  // "not in the future" is checked against.
  Registry(RegistryStore* store, TodayFn today) : store_(store), today_(std::move(today)) {}

  absl::StatusOr<pb::Unit> GetUnit(const pb::GetUnitRequest& request);
  absl::StatusOr<pb::ListUnitsResponse> ListUnits(const pb::ListUnitsRequest& request);
  absl::StatusOr<pb::Unit> CreateUnit(const pb::CreateUnitRequest& request);
  absl::StatusOr<pb::Unit> UpdateUnit(const pb::UpdateUnitRequest& request);

  absl::StatusOr<pb::Body> GetBody(const pb::GetBodyRequest& request);
  absl::StatusOr<pb::ListBodiesResponse> ListBodies(const pb::ListBodiesRequest& request);
  absl::StatusOr<pb::Body> CreateBody(const pb::CreateBodyRequest& request);
  absl::StatusOr<pb::Body> UpdateBody(const pb::UpdateBodyRequest& request);

  absl::StatusOr<pb::Enterprise> GetEnterprise(const pb::GetEnterpriseRequest& request);
  absl::StatusOr<pb::ListEnterprisesResponse> ListEnterprises(
      const pb::ListEnterprisesRequest& request);
  absl::StatusOr<pb::Enterprise> CreateEnterprise(const pb::CreateEnterpriseRequest& request);
  absl::StatusOr<pb::Enterprise> UpdateEnterprise(const pb::UpdateEnterpriseRequest& request);
  absl::StatusOr<pb::Enterprise> ChangeEnterpriseStatus(
      const pb::ChangeEnterpriseStatusRequest& request);
  absl::StatusOr<pb::Enterprise> RecordMemberCounts(const pb::RecordMemberCountsRequest& request);

  // Imports one batch of a bulk import in one transaction (one durable
  // commit for the batch): each row creates its enterprise, updates its
  // descriptive fields, or leaves it unchanged. A row may carry one
  // status_history entry: that status is recorded from its effective date
  // when it differs from the status then. A bad row comes back REJECTED
  // with its reason and field, and the others go on; only a storage
  // failure fails the batch, and then nothing of it is written. Row
  // numbers start at `first_row`. With a `scope` (the caller's units), a
  // row for an existing enterprise whose stored seat lies outside it is
  // rejected ("enterprise_code: is not in your scope"), judged inside the
  // transaction, before anything of the enterprise is compared.
  absl::StatusOr<std::vector<pb::ImportRowResult>> ImportRows(
      const google::protobuf::RepeatedPtrField<pb::Enterprise>& rows, int64_t first_row,
      const std::string& source, const std::set<std::string>* scope = nullptr);
  // Returns once the changes of every batch imported before are in the
  // feed: an import answers after it, so that its caller reading the feed
  // then finds every row (ImportRows returns before the feed numbers them).
  void FinishImport();

  absl::StatusOr<pb::Organization> GetOrganization(const pb::GetOrganizationRequest& request);
  absl::StatusOr<pb::ListOrganizationsResponse> ListOrganizations(
      const pb::ListOrganizationsRequest& request);
  // `recorded_by`: the caller, kept on the organization (and in the feed).
  absl::StatusOr<pb::Organization> CreateOrganization(const pb::CreateOrganizationRequest& request,
                                                      const std::string& recorded_by = "");
  absl::StatusOr<pb::Organization> DissolveOrganization(
      const pb::DissolveOrganizationRequest& request);

  absl::StatusOr<pb::Admission> GetAdmission(const pb::GetAdmissionRequest& request);
  absl::StatusOr<pb::ListAdmissionsResponse> ListAdmissions(
      const pb::ListAdmissionsRequest& request);
  absl::StatusOr<pb::Admission> CreateAdmission(const pb::CreateAdmissionRequest& request,
                                                const std::string& recorded_by = "");

 private:
  // An import row's own checks, before any read of the store.
  absl::Status CheckImportRow(const pb::Enterprise& row, const std::string& today);
  // Applies one checked row inside `tx`; every check comes before a write,
  // so a failed row has written nothing.
  absl::StatusOr<pb::ImportOutcome> ApplyImportRow(RegistryTx& tx, ImportBatch& batch,
                                                   const pb::Enterprise& row,
                                                   const std::string& source,
                                                   const std::string& today,
                                                   const std::set<std::string>* scope);
  RegistryStore* store_;
  TodayFn today_;
};

// The status of an enterprise on `date` ("YYYY-MM-DD") from its history:
// the latest period begun by then, a suspension counting as active again
// from its end date; UNSPECIFIED before registration.
::chitieu::type::v1::EnterpriseStatus StatusOn(const pb::Enterprise& enterprise,
                                               const std::string& date);

// What the policy (libs/common/policy.h) needs to know, from the
// registry's own data: the registry re-checks each call's scope itself.
class RegistryDirectory : public ResourceDirectory {
 public:
  explicit RegistryDirectory(Registry* registry) : registry_(registry) {}
  absl::StatusOr<std::string> ParentOf(const std::string& unit) override;
  absl::StatusOr<std::vector<std::string>> Roots() override;
  absl::StatusOr<std::string> SeatOf(const std::string& enterprise) override;
  absl::StatusOr<std::string> UnitOfBody(const std::string& body) override;
  // Targets are the quota service's: none here.
  absl::StatusOr<std::string> AssignerOf(const std::string& target) override;

 private:
  Registry* registry_;
};

}  // namespace chitieu::registry
