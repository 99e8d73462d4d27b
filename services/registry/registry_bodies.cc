// The registry's rules of supervising bodies (the party committees and
// agencies that found organizations), each under one unit.

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "libs/common/errors.h"
#include "libs/common/idempotency.h"
#include "libs/common/mutation.h"
#include "libs/common/names.h"
#include "libs/common/page_token.h"
#include "libs/common/status_macros.h"
#include "libs/common/transaction.h"
#include "libs/common/validation.h"
#include "services/registry/registry.h"
#include "services/registry/registry_shared.h"

namespace chitieu::registry {

absl::StatusOr<pb::Body> Registry::GetBody(const pb::GetBodyRequest& request) {
  ASSIGN_OR_RETURN(auto id, ParseSingleName("bodies", request.name(), "name"));
  return InView<pb::Body>(store_, [&](RegistryTx& tx) { return tx.GetBody(id); });
}

absl::StatusOr<pb::ListBodiesResponse> Registry::ListBodies(const pb::ListBodiesRequest& request) {
  ASSIGN_OR_RETURN(auto list,
                   ParseListRequest(request.page_size(), request.filter(), request.page_token(),
                                    absl::StrCat("bodies|", request.filter())));
  BodyQuery q;
  for (const auto& t : list.terms) {
    if (t.op != "=") {
      return InvalidField("filter", absl::StrCat(t.field, " supports only ="));
    }
    if (t.field == "unit") {
      ASSIGN_OR_RETURN(auto code, ParseSingleName("units", t.value, "filter"));
      q.under_unit = code;
    } else if (t.field == "kind") {
      pb::BodyKind kind;
      if (!pb::BodyKind_Parse(t.value, &kind)) {
        return InvalidField("filter", "kind takes a BODY_KIND_ value");
      }
      q.kind = kind;
    } else {
      return InvalidField("filter", absl::StrCat("unknown field ", t.field, "; use unit or kind"));
    }
  }
  q.after_id = list.after;
  q.limit = list.page_size + 1;
  ASSIGN_OR_RETURN(auto bodies, InView<std::vector<pb::Body>>(
                                    store_, [&](RegistryTx& tx) { return tx.ListBodies(q); }));
  pb::ListBodiesResponse response;
  FillPage(
      response, bodies, list, [](const pb::Body& b) { return b.name().substr(7); },
      response.mutable_bodies());
  return response;
}

absl::StatusOr<pb::Body> Registry::CreateBody(const pb::CreateBodyRequest& request) {
  RETURN_IF_ERROR(CheckRequestId(request.request_id()));
  const pb::Body& in = request.body();
  FieldViolations v;
  const std::string& id = request.body_id();
  bool id_ok = !id.empty() && id.size() <= 63;
  for (char c : id) {
    if (!(absl::ascii_islower(static_cast<unsigned char>(c)) ||
          absl::ascii_isdigit(static_cast<unsigned char>(c)) || c == '-')) {
      id_ok = false;
    }
  }
  // Beginning with a letter or digit: "-" is the collection wildcard.
  if (!id.empty() && id.front() == '-') {
    id_ok = false;
  }
  if (!id_ok) {
    v.Add(
        "body_id",
        "must be 1 to 63 lowercase letters, digits and hyphens, beginning with a letter or digit");
  }
  CheckText(v, "body.display_name", in.display_name(), true);
  if (in.kind() == pb::BODY_KIND_UNSPECIFIED || !pb::BodyKind_IsValid(in.kind())) {
    v.Add("body.kind", "must be one of the BODY_KIND_ values");
  }
  if (!ParseSingleName("units", in.unit(), "").ok()) {
    v.Add("body.unit", "must be a name of the form units/{code}");
  }
  RETURN_IF_ERROR(v.ToStatus());
  return Idempotent<pb::Body>(
      store_, "CreateBody", request, request.request_id(),
      [&](RegistryTx& tx) -> absl::StatusOr<pb::Body> {
        if (tx.GetBody(id).ok()) {
          return absl::AlreadyExistsError(absl::StrCat("bodies/", id, " already exists"));
        }
        RETURN_IF_ERROR(ExistingUnit(tx, in.unit(), "body.unit"));
        pb::Body body = in;
        body.set_name(absl::StrCat("bodies/", id));
        StampCreated(body);
        RETURN_IF_ERROR(tx.PutBody(id, body));
        RETURN_IF_ERROR(EmitChange(tx, type::v1::CHANGE_TYPE_CREATED,
                                   &pb::StreamChangesResponse::mutable_body, body));
        return body;
      });
}

absl::StatusOr<pb::Body> Registry::UpdateBody(const pb::UpdateBodyRequest& request) {
  const pb::Body& in = request.body();
  ASSIGN_OR_RETURN(auto id, ParseSingleName("bodies", in.name(), "body.name"));
  for (const auto& p : request.update_mask().paths()) {
    if (p != "display_name") {
      return InvalidField("update_mask",
                          absl::StrCat(p, " cannot be updated; updatable: display_name"));
    }
  }
  FieldViolations v;
  CheckText(v, "body.display_name", in.display_name(), true);
  RETURN_IF_ERROR(v.ToStatus());
  return InTx<pb::Body>(store_, [&](RegistryTx& tx) -> absl::StatusOr<pb::Body> {
    ASSIGN_OR_RETURN(auto body, tx.GetBody(id));
    RETURN_IF_ERROR(CheckEtag(in.etag(), body.etag()));
    body.set_display_name(in.display_name());
    StampUpdated(body);
    RETURN_IF_ERROR(tx.PutBody(id, body));
    RETURN_IF_ERROR(EmitChange(tx, type::v1::CHANGE_TYPE_UPDATED,
                               &pb::StreamChangesResponse::mutable_body, body));
    return body;
  });
}

}  // namespace chitieu::registry
