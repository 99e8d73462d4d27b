#include "services/registry/registry_service.h"

#include "libs/common/grpc_status.h"
#include "libs/common/principal.h"

namespace chitieu::registry {
namespace {

constexpr int kMaxImportResults = 10000;

// Reads import batches until the client half-closes, importing each batch
// in one transaction, then answers with the summary.
class ImportReactor : public grpc::ServerReadReactor<pb::ImportEnterprisesRequest> {
 public:
  ImportReactor(grpc::CallbackServerContext* context, Registry* registry,
                pb::ImportEnterprisesResponse* response)
      : context_(context), registry_(registry), response_(response) {
    StartRead(&batch_);
  }

  void OnReadDone(bool ok) override {
    if (!ok) {
      // Half-close (or a broken stream): answer with what was imported.
      Finish(grpc::Status::OK);
      return;
    }
    if (first_) {
      source_ = batch_.source().empty() ? "import" : batch_.source().substr(0, 100);
      first_ = false;
    }
    // Every new seat named must lie in the principal's scope (the gateway
    // checked too); one row outside refuses the rest of the import.
    static const std::string kPath = CHITIEU_METHOD_PATH(RegistryService, ImportEnterprises);
    if (absl::Status s = AdmitCall(*context_, kPath, batch_); !s.ok()) {
      Finish(ToGrpcStatus(s));
      return;
    }
    // Rows for existing enterprises are judged against their stored seats
    // inside the import's transaction (the declaration's
    // SUBJECT_IN_TRANSACTION): a caller on a principal's behalf only.
    if (first_batch_) {
      principal_ = VouchedPrincipal(*context_);
      first_batch_ = false;
    }
    auto results = registry_->ImportRows(batch_.enterprises(), rows_ + 1, source_,
                                         principal_ ? &principal_->scope : nullptr);
    if (!results.ok()) {
      Finish(ToGrpcStatus(results.status()));
      return;
    }
    rows_ += batch_.enterprises_size();
    response_->set_rows(rows_);
    for (auto& result : *results) {
      switch (result.outcome()) {
        case pb::IMPORT_OUTCOME_CREATED:
          response_->set_created(response_->created() + 1);
          break;
        case pb::IMPORT_OUTCOME_UPDATED:
          response_->set_updated(response_->updated() + 1);
          break;
        case pb::IMPORT_OUTCOME_UNCHANGED:
          response_->set_unchanged(response_->unchanged() + 1);
          continue;
        default:
          response_->set_rejected(response_->rejected() + 1);
          break;
      }
      if (response_->results_size() < kMaxImportResults) {
        *response_->add_results() = std::move(result);
      } else {
        response_->set_results_truncated(true);
      }
    }
    batch_.Clear();
    StartRead(&batch_);
  }

  void OnDone() override { delete this; }

 private:
  grpc::CallbackServerContext* context_;
  Registry* registry_;
  pb::ImportEnterprisesResponse* response_;
  pb::ImportEnterprisesRequest batch_;
  std::string source_;
  bool first_ = true;
  bool first_batch_ = true;
  std::optional<Principal> principal_;
  int64_t rows_ = 0;
};

}  // namespace

#define CHITIEU_UNARY(Method, Request, Response) \
  CHITIEU_UNARY_HANDLER(RegistryService, registry_, Method, Request, Response)

CHITIEU_UNARY(GetUnit, GetUnitRequest, Unit)
CHITIEU_UNARY(ListUnits, ListUnitsRequest, ListUnitsResponse)
CHITIEU_UNARY(CreateUnit, CreateUnitRequest, Unit)
CHITIEU_UNARY(UpdateUnit, UpdateUnitRequest, Unit)
CHITIEU_UNARY(GetBody, GetBodyRequest, Body)
CHITIEU_UNARY(ListBodies, ListBodiesRequest, ListBodiesResponse)
CHITIEU_UNARY(CreateBody, CreateBodyRequest, Body)
CHITIEU_UNARY(UpdateBody, UpdateBodyRequest, Body)
CHITIEU_UNARY(GetEnterprise, GetEnterpriseRequest, Enterprise)
CHITIEU_UNARY(ListEnterprises, ListEnterprisesRequest, ListEnterprisesResponse)
CHITIEU_UNARY(CreateEnterprise, CreateEnterpriseRequest, Enterprise)
CHITIEU_UNARY(UpdateEnterprise, UpdateEnterpriseRequest, Enterprise)
CHITIEU_UNARY(ChangeEnterpriseStatus, ChangeEnterpriseStatusRequest, Enterprise)
CHITIEU_UNARY(RecordMemberCounts, RecordMemberCountsRequest, Enterprise)
CHITIEU_UNARY(GetOrganization, GetOrganizationRequest, Organization)
CHITIEU_UNARY(ListOrganizations, ListOrganizationsRequest, ListOrganizationsResponse)
CHITIEU_UNARY(CreateOrganization, CreateOrganizationRequest, Organization)
CHITIEU_UNARY(DissolveOrganization, DissolveOrganizationRequest, Organization)
CHITIEU_UNARY(GetAdmission, GetAdmissionRequest, Admission)
CHITIEU_UNARY(ListAdmissions, ListAdmissionsRequest, ListAdmissionsResponse)
CHITIEU_UNARY(CreateAdmission, CreateAdmissionRequest, Admission)

#undef CHITIEU_UNARY

grpc::ServerReadReactor<pb::ImportEnterprisesRequest>* RegistryService::ImportEnterprises(
    grpc::CallbackServerContext* c, pb::ImportEnterprisesResponse* out) {
  static const std::string kPath = CHITIEU_METHOD_PATH(RegistryService, ImportEnterprises);
  if (absl::Status s = AdmitCall(*c, kPath, pb::ImportEnterprisesRequest()); !s.ok()) {
    class Refuse : public grpc::ServerReadReactor<pb::ImportEnterprisesRequest> {
     public:
      explicit Refuse(const absl::Status& s) { Finish(ToGrpcStatus(s)); }
      void OnDone() override { delete this; }
    };
    return new Refuse(s);
  }
  return new ImportReactor(c, registry_, out);
}

grpc::ServerWriteReactor<pb::StreamChangesResponse>* RegistryService::StreamChanges(
    grpc::CallbackServerContext* c, const pb::StreamChangesRequest* r) {
  RegistryStore* store = store_;
  return StartFeed<pb::StreamChangesResponse>(
      AdmitCall(*c, CHITIEU_METHOD_PATH(RegistryService, StreamChanges), *r), notifier_,
      [store](int64_t after, int limit) { return store->ReadChanges(after, limit); },
      r->after_sequence(), !r->no_follow());
}

}  // namespace chitieu::registry
