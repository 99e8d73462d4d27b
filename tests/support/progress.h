#pragma once

// Reading a unit's progress straight from reporting, as another service
// does (with the stack's service secret), for tests and benchmarks.

#include <optional>
#include <string>

#include "chitieu/reporting/v1/reporting.grpc.pb.h"
#include "libs/common/principal.h"
#include "tests/support/stack.h"

namespace chitieu::testing {

// Reporting's GetProgress of `unit` for `year` on `channel`; nullopt if it
// did not answer OK.
inline std::optional<reporting::v1::Progress> ProgressOf(
    const std::shared_ptr<grpc::Channel>& channel, const std::string& unit, int year) {
  auto stub = reporting::v1::ReportingService::NewStub(channel);
  reporting::v1::GetProgressRequest r;
  r.set_unit(unit);
  r.set_year(year);
  reporting::v1::Progress p;
  grpc::ClientContext ctx;
  ctx.AddMetadata(kServiceSecretMetadata, Stack::kServiceSecret);
  if (!stub->GetProgress(&ctx, r, &p).ok()) {
    return std::nullopt;
  }
  return p;
}

}  // namespace chitieu::testing
