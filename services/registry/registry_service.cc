// The registry service's gRPC handlers, the bulk import stream among them
// (registry_service.h).

#include "services/registry/registry_service.h"

#include "libs/common/grpc_status.h"
#include "libs/common/handler.h"
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

  // Each batch is imported on a handler thread (handler.h), not on gRPC's;
  // a stream already taken is never refused half-way.
  void OnReadDone(bool ok) override {
    ContinueHandler([this, ok] { Import(ok); });
  }

  void OnDone() override { delete this; }

 private:
  void Import(bool ok) {
    if (!ok) {
      // Half-close (or a broken stream): answer with what was imported.
      Answer(grpc::Status::OK);
      return;
    }
    if (first_) {
      source_ = batch_.source().empty() ? "import" : batch_.source().substr(0, 100);
      first_ = false;
    }
    // Every new seat named must lie in the principal's scope (the gateway
    // checked too); one row outside refuses the rest of the import.
    static const std::string kPath = MethodPath(RegistryService::kFullName, "ImportEnterprises");
    if (absl::Status s = AdmitCall(*context_, kPath, batch_); !s.ok()) {
      Answer(ToGrpcStatus(s));
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
      Answer(ToGrpcStatus(results.status()));
      return;
    }
    committed_ = true;
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

  // Every answer, whatever its status, waits until what the import's
  // batches committed is in the feed.
  void Answer(const grpc::Status& status) {
    if (committed_) {
      registry_->FinishImport();
    }
    Finish(status);
  }

  grpc::CallbackServerContext* context_;
  Registry* registry_;
  pb::ImportEnterprisesResponse* response_;
  pb::ImportEnterprisesRequest batch_;
  std::string source_;
  bool first_ = true;
  bool first_batch_ = true;
  bool committed_ = false;  // A batch committed.
  std::optional<Principal> principal_;
  int64_t rows_ = 0;
};

}  // namespace

grpc::ServerUnaryReactor* RegistryService::GetUnit(grpc::CallbackServerContext* context,
                                                   const pb::GetUnitRequest* request,
                                                   pb::Unit* response) {
  static const std::string kPath = MethodPath(kFullName, "GetUnit");
  return Serve(context, kPath, *request, response,
               [this](const pb::GetUnitRequest& r) { return registry_->GetUnit(r); });
}

grpc::ServerUnaryReactor* RegistryService::ListUnits(grpc::CallbackServerContext* context,
                                                     const pb::ListUnitsRequest* request,
                                                     pb::ListUnitsResponse* response) {
  static const std::string kPath = MethodPath(kFullName, "ListUnits");
  return Serve(context, kPath, *request, response,
               [this](const pb::ListUnitsRequest& r) { return registry_->ListUnits(r); });
}

grpc::ServerUnaryReactor* RegistryService::CreateUnit(grpc::CallbackServerContext* context,
                                                      const pb::CreateUnitRequest* request,
                                                      pb::Unit* response) {
  static const std::string kPath = MethodPath(kFullName, "CreateUnit");
  return Serve(context, kPath, *request, response,
               [this](const pb::CreateUnitRequest& r) { return registry_->CreateUnit(r); });
}

grpc::ServerUnaryReactor* RegistryService::UpdateUnit(grpc::CallbackServerContext* context,
                                                      const pb::UpdateUnitRequest* request,
                                                      pb::Unit* response) {
  static const std::string kPath = MethodPath(kFullName, "UpdateUnit");
  return Serve(context, kPath, *request, response,
               [this](const pb::UpdateUnitRequest& r) { return registry_->UpdateUnit(r); });
}

grpc::ServerUnaryReactor* RegistryService::GetBody(grpc::CallbackServerContext* context,
                                                   const pb::GetBodyRequest* request,
                                                   pb::Body* response) {
  static const std::string kPath = MethodPath(kFullName, "GetBody");
  return Serve(context, kPath, *request, response,
               [this](const pb::GetBodyRequest& r) { return registry_->GetBody(r); });
}

grpc::ServerUnaryReactor* RegistryService::ListBodies(grpc::CallbackServerContext* context,
                                                      const pb::ListBodiesRequest* request,
                                                      pb::ListBodiesResponse* response) {
  static const std::string kPath = MethodPath(kFullName, "ListBodies");
  return Serve(context, kPath, *request, response,
               [this](const pb::ListBodiesRequest& r) { return registry_->ListBodies(r); });
}

grpc::ServerUnaryReactor* RegistryService::CreateBody(grpc::CallbackServerContext* context,
                                                      const pb::CreateBodyRequest* request,
                                                      pb::Body* response) {
  static const std::string kPath = MethodPath(kFullName, "CreateBody");
  return Serve(context, kPath, *request, response,
               [this](const pb::CreateBodyRequest& r) { return registry_->CreateBody(r); });
}

grpc::ServerUnaryReactor* RegistryService::UpdateBody(grpc::CallbackServerContext* context,
                                                      const pb::UpdateBodyRequest* request,
                                                      pb::Body* response) {
  static const std::string kPath = MethodPath(kFullName, "UpdateBody");
  return Serve(context, kPath, *request, response,
               [this](const pb::UpdateBodyRequest& r) { return registry_->UpdateBody(r); });
}

grpc::ServerUnaryReactor* RegistryService::GetEnterprise(grpc::CallbackServerContext* context,
                                                         const pb::GetEnterpriseRequest* request,
                                                         pb::Enterprise* response) {
  static const std::string kPath = MethodPath(kFullName, "GetEnterprise");
  return Serve(context, kPath, *request, response,
               [this](const pb::GetEnterpriseRequest& r) { return registry_->GetEnterprise(r); });
}

grpc::ServerUnaryReactor* RegistryService::ListEnterprises(
    grpc::CallbackServerContext* context, const pb::ListEnterprisesRequest* request,
    pb::ListEnterprisesResponse* response) {
  static const std::string kPath = MethodPath(kFullName, "ListEnterprises");
  return Serve(context, kPath, *request, response, [this](const pb::ListEnterprisesRequest& r) {
    return registry_->ListEnterprises(r);
  });
}

grpc::ServerUnaryReactor* RegistryService::CreateEnterprise(
    grpc::CallbackServerContext* context, const pb::CreateEnterpriseRequest* request,
    pb::Enterprise* response) {
  static const std::string kPath = MethodPath(kFullName, "CreateEnterprise");
  return Serve(context, kPath, *request, response, [this](const pb::CreateEnterpriseRequest& r) {
    return registry_->CreateEnterprise(r);
  });
}

grpc::ServerUnaryReactor* RegistryService::UpdateEnterprise(
    grpc::CallbackServerContext* context, const pb::UpdateEnterpriseRequest* request,
    pb::Enterprise* response) {
  static const std::string kPath = MethodPath(kFullName, "UpdateEnterprise");
  return Serve(context, kPath, *request, response, [this](const pb::UpdateEnterpriseRequest& r) {
    return registry_->UpdateEnterprise(r);
  });
}

grpc::ServerUnaryReactor* RegistryService::ChangeEnterpriseStatus(
    grpc::CallbackServerContext* context, const pb::ChangeEnterpriseStatusRequest* request,
    pb::Enterprise* response) {
  static const std::string kPath = MethodPath(kFullName, "ChangeEnterpriseStatus");
  return Serve(context, kPath, *request, response,
               [this](const pb::ChangeEnterpriseStatusRequest& r) {
                 return registry_->ChangeEnterpriseStatus(r);
               });
}

grpc::ServerUnaryReactor* RegistryService::RecordMemberCounts(
    grpc::CallbackServerContext* context, const pb::RecordMemberCountsRequest* request,
    pb::Enterprise* response) {
  static const std::string kPath = MethodPath(kFullName, "RecordMemberCounts");
  return Serve(context, kPath, *request, response, [this](const pb::RecordMemberCountsRequest& r) {
    return registry_->RecordMemberCounts(r);
  });
}

grpc::ServerUnaryReactor* RegistryService::GetOrganization(
    grpc::CallbackServerContext* context, const pb::GetOrganizationRequest* request,
    pb::Organization* response) {
  static const std::string kPath = MethodPath(kFullName, "GetOrganization");
  return Serve(context, kPath, *request, response, [this](const pb::GetOrganizationRequest& r) {
    return registry_->GetOrganization(r);
  });
}

grpc::ServerUnaryReactor* RegistryService::ListOrganizations(
    grpc::CallbackServerContext* context, const pb::ListOrganizationsRequest* request,
    pb::ListOrganizationsResponse* response) {
  static const std::string kPath = MethodPath(kFullName, "ListOrganizations");
  return Serve(context, kPath, *request, response, [this](const pb::ListOrganizationsRequest& r) {
    return registry_->ListOrganizations(r);
  });
}

grpc::ServerUnaryReactor* RegistryService::CreateOrganization(
    grpc::CallbackServerContext* context, const pb::CreateOrganizationRequest* request,
    pb::Organization* response) {
  static const std::string kPath = MethodPath(kFullName, "CreateOrganization");
  return Serve(context, kPath, *request, response,
               [this, context](const pb::CreateOrganizationRequest& r) {
                 return registry_->CreateOrganization(r, PrincipalOf(*context));
               });
}

grpc::ServerUnaryReactor* RegistryService::DissolveOrganization(
    grpc::CallbackServerContext* context, const pb::DissolveOrganizationRequest* request,
    pb::Organization* response) {
  static const std::string kPath = MethodPath(kFullName, "DissolveOrganization");
  return Serve(context, kPath, *request, response,
               [this](const pb::DissolveOrganizationRequest& r) {
                 return registry_->DissolveOrganization(r);
               });
}

grpc::ServerUnaryReactor* RegistryService::GetAdmission(grpc::CallbackServerContext* context,
                                                        const pb::GetAdmissionRequest* request,
                                                        pb::Admission* response) {
  static const std::string kPath = MethodPath(kFullName, "GetAdmission");
  return Serve(context, kPath, *request, response,
               [this](const pb::GetAdmissionRequest& r) { return registry_->GetAdmission(r); });
}

grpc::ServerUnaryReactor* RegistryService::ListAdmissions(grpc::CallbackServerContext* context,
                                                          const pb::ListAdmissionsRequest* request,
                                                          pb::ListAdmissionsResponse* response) {
  static const std::string kPath = MethodPath(kFullName, "ListAdmissions");
  return Serve(context, kPath, *request, response,
               [this](const pb::ListAdmissionsRequest& r) { return registry_->ListAdmissions(r); });
}

grpc::ServerUnaryReactor* RegistryService::CreateAdmission(
    grpc::CallbackServerContext* context, const pb::CreateAdmissionRequest* request,
    pb::Admission* response) {
  static const std::string kPath = MethodPath(kFullName, "CreateAdmission");
  return Serve(context, kPath, *request, response,
               [this, context](const pb::CreateAdmissionRequest& r) {
                 return registry_->CreateAdmission(r, PrincipalOf(*context));
               });
}

grpc::ServerReadReactor<pb::ImportEnterprisesRequest>* RegistryService::ImportEnterprises(
    grpc::CallbackServerContext* c, pb::ImportEnterprisesResponse* out) {
  static const std::string kPath = MethodPath(RegistryService::kFullName, "ImportEnterprises");
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
  static const std::string kPath = MethodPath(kFullName, "StreamChanges");
  return StartChangeStream<pb::StreamChangesResponse>(c, kPath, *r, notifier_, store_);
}

grpc::ServerWriteReactor<grpc::ByteBuffer>* RegistryService::StreamChangeBatches(
    grpc::CallbackServerContext* c, const grpc::ByteBuffer* raw) {
  static const std::string kPath = MethodPath(kFullName, "StreamChangeBatches");
  return StartStoredBatchFeed<pb::StreamChangeBatchesRequest>(c, kPath, *raw, notifier_, store_);
}

}  // namespace chitieu::registry
