#pragma once

// Transport layer of the registry: gRPC callback handlers that hand each
// request to the domain (registry.h) and map its status once.

#include "chitieu/registry/v1/registry.grpc.pb.h"
#include "libs/common/feed.h"
#include "services/registry/registry.h"

namespace chitieu::registry {

class RegistryService final : public pb::RegistryService::WithRawCallbackMethod_StreamChangeBatches<
                                  pb::RegistryService::CallbackService> {
 public:
  static constexpr const char* kFullName = pb::RegistryService::service_full_name();

  // None of the pointers is owned; all must outlive the service.
  RegistryService(Registry* registry, RegistryStore* store, ChangeNotifier* notifier)
      : registry_(registry), store_(store), notifier_(notifier) {}

  grpc::ServerUnaryReactor* GetUnit(grpc::CallbackServerContext* c, const pb::GetUnitRequest* r,
                                    pb::Unit* out) override;
  grpc::ServerUnaryReactor* ListUnits(grpc::CallbackServerContext* c, const pb::ListUnitsRequest* r,
                                      pb::ListUnitsResponse* out) override;
  grpc::ServerUnaryReactor* CreateUnit(grpc::CallbackServerContext* c,
                                       const pb::CreateUnitRequest* r, pb::Unit* out) override;
  grpc::ServerUnaryReactor* UpdateUnit(grpc::CallbackServerContext* c,
                                       const pb::UpdateUnitRequest* r, pb::Unit* out) override;
  grpc::ServerUnaryReactor* GetBody(grpc::CallbackServerContext* c, const pb::GetBodyRequest* r,
                                    pb::Body* out) override;
  grpc::ServerUnaryReactor* ListBodies(grpc::CallbackServerContext* c,
                                       const pb::ListBodiesRequest* r,
                                       pb::ListBodiesResponse* out) override;
  grpc::ServerUnaryReactor* CreateBody(grpc::CallbackServerContext* c,
                                       const pb::CreateBodyRequest* r, pb::Body* out) override;
  grpc::ServerUnaryReactor* UpdateBody(grpc::CallbackServerContext* c,
                                       const pb::UpdateBodyRequest* r, pb::Body* out) override;
  grpc::ServerUnaryReactor* GetEnterprise(grpc::CallbackServerContext* c,
                                          const pb::GetEnterpriseRequest* r,
                                          pb::Enterprise* out) override;
  grpc::ServerUnaryReactor* ListEnterprises(grpc::CallbackServerContext* c,
                                            const pb::ListEnterprisesRequest* r,
                                            pb::ListEnterprisesResponse* out) override;
  grpc::ServerUnaryReactor* CreateEnterprise(grpc::CallbackServerContext* c,
                                             const pb::CreateEnterpriseRequest* r,
                                             pb::Enterprise* out) override;
  grpc::ServerUnaryReactor* UpdateEnterprise(grpc::CallbackServerContext* c,
                                             const pb::UpdateEnterpriseRequest* r,
                                             pb::Enterprise* out) override;
  grpc::ServerUnaryReactor* ChangeEnterpriseStatus(grpc::CallbackServerContext* c,
                                                   const pb::ChangeEnterpriseStatusRequest* r,
                                                   pb::Enterprise* out) override;
  grpc::ServerUnaryReactor* RecordMemberCounts(grpc::CallbackServerContext* c,
                                               const pb::RecordMemberCountsRequest* r,
                                               pb::Enterprise* out) override;
  grpc::ServerReadReactor<pb::ImportEnterprisesRequest>* ImportEnterprises(
      grpc::CallbackServerContext* c, pb::ImportEnterprisesResponse* out) override;
  grpc::ServerUnaryReactor* GetOrganization(grpc::CallbackServerContext* c,
                                            const pb::GetOrganizationRequest* r,
                                            pb::Organization* out) override;
  grpc::ServerUnaryReactor* ListOrganizations(grpc::CallbackServerContext* c,
                                              const pb::ListOrganizationsRequest* r,
                                              pb::ListOrganizationsResponse* out) override;
  grpc::ServerUnaryReactor* CreateOrganization(grpc::CallbackServerContext* c,
                                               const pb::CreateOrganizationRequest* r,
                                               pb::Organization* out) override;
  grpc::ServerUnaryReactor* DissolveOrganization(grpc::CallbackServerContext* c,
                                                 const pb::DissolveOrganizationRequest* r,
                                                 pb::Organization* out) override;
  grpc::ServerUnaryReactor* GetAdmission(grpc::CallbackServerContext* c,
                                         const pb::GetAdmissionRequest* r,
                                         pb::Admission* out) override;
  grpc::ServerUnaryReactor* ListAdmissions(grpc::CallbackServerContext* c,
                                           const pb::ListAdmissionsRequest* r,
                                           pb::ListAdmissionsResponse* out) override;
  grpc::ServerUnaryReactor* CreateAdmission(grpc::CallbackServerContext* c,
                                            const pb::CreateAdmissionRequest* r,
                                            pb::Admission* out) override;
  grpc::ServerWriteReactor<pb::StreamChangesResponse>* StreamChanges(
      grpc::CallbackServerContext* c, const pb::StreamChangesRequest* r) override;
  // Raw: the stored changes are sent as they are (WithRawCallbackMethod).
  grpc::ServerWriteReactor<grpc::ByteBuffer>* StreamChangeBatches(
      grpc::CallbackServerContext* c, const grpc::ByteBuffer* r) override;

 private:
  Registry* registry_;
  RegistryStore* store_;
  ChangeNotifier* notifier_;
};

}  // namespace chitieu::registry
