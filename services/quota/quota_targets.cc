// The quota service's rules of targets: assignment down the unit tree
// (checked with the registry), sub-allocation under a parent target,
// revisions with reasons, and SetTargets' batch of rows.

#include <set>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/util/time_util.h"
#include "libs/common/errors.h"
#include "libs/common/idempotency.h"
#include "libs/common/mutation.h"
#include "libs/common/names.h"
#include "libs/common/page_token.h"
#include "libs/common/status_macros.h"
#include "libs/common/transaction.h"
#include "libs/common/validation.h"
#include "services/quota/quota.h"

namespace chitieu::quota {
namespace {

using ::chitieu::type::v1::ChangeType;
using ::google::protobuf::util::TimeUtil;

// Deeper than any administrative tree; a guard against a cycle in data.
constexpr int kMaxDepth = 16;

absl::StatusOr<std::vector<std::string>> ParseTargetName(const std::string& name,
                                                         const std::string& field) {
  return ParseNumberedName("units/{unit}/targets/{target}", name, field);
}

// Reads a target by name; NOT_FOUND unless it lives under the named unit.
absl::StatusOr<pb::Target> TargetByName(QuotaTx& tx, const std::string& name,
                                        const std::string& field) {
  ASSIGN_OR_RETURN(auto ids, ParseTargetName(name, field));
  auto t = tx.GetTarget(ids[1]);
  if (t.ok() && t->name() != name) {
    return absl::NotFoundError(absl::StrCat(name, " not found"));
  }
  return t;
}

std::string IdOf(const pb::Target& t) { return t.name().substr(t.name().rfind('/') + 1); }

// The sum of the values of the targets that split `parent`.
absl::StatusOr<int64_t> AllocatedUnder(QuotaTx& tx, const std::string& parent,
                                       std::vector<pb::Target>* children = nullptr) {
  TargetQuery q;
  q.parent_target = parent;
  q.limit = 100000;
  ASSIGN_OR_RETURN(auto rows, tx.ListTargets(q));
  int64_t sum = 0;
  for (const auto& t : rows) {
    sum += t.value();
  }
  if (children != nullptr) {
    *children = std::move(rows);
  }
  return sum;
}

// The shape of one target row; `prefix` is "target." or "targets[i].".
void CheckTargetShape(FieldViolations& v, const pb::Target& t, const std::string& prefix,
                      int this_year) {
  if (t.year() < 2000 || t.year() > this_year + 5) {
    v.Add(prefix + "year", absl::StrCat("must be from 2000 to ", this_year + 5));
  }
  if (t.indicator() == 0 || !type::v1::Indicator_IsValid(t.indicator())) {
    v.Add(prefix + "indicator", "must be one of the INDICATOR_ values");
  }
  if (t.value() < 0) {
    v.Add(prefix + "value", "must not be negative");
  }
  if (!ParseSingleName("units", t.assigner(), "").ok()) {
    v.Add(prefix + "assigner", "must be a name of the form units/{unit}");
  }
  if (!ParseSingleName("units", t.assignee(), "").ok() &&
      !ParseSingleName("bodies", t.assignee(), "").ok()) {
    v.Add(prefix + "assignee", "must be units/{unit} or bodies/{body}");
  }
  if (!t.parent_target().empty() && !ParseTargetName(t.parent_target(), "").ok()) {
    v.Add(prefix + "parent_target", "must be a name of the form units/{unit}/targets/{target}");
  }
}

// Links `t` to the assigner's own target of the same year and indicator
// (given, or found), and checks the allocation under it. Violations name
// `prefix` fields.
absl::Status LinkAndCheckAllocation(QuotaTx& tx, pb::Target& t, const std::string& prefix,
                                    bool allow_over_allocation, int32_t old_value) {
  if (t.parent_target().empty()) {
    TargetQuery q;
    q.year = t.year();
    q.indicator = t.indicator();
    q.assignee = t.assigner();
    q.limit = 1;
    ASSIGN_OR_RETURN(auto found, tx.ListTargets(q));
    if (!found.empty()) {
      t.set_parent_target(found.front().name());
    }
  } else {
    auto parent = TargetByName(tx, t.parent_target(), prefix + "parent_target");
    if (absl::IsNotFound(parent.status())) {
      return FailedField(prefix + "parent_target", "does not exist");
    }
    if (!parent.ok()) {
      return parent.status();
    }
    if (parent->year() != t.year() || parent->indicator() != t.indicator() ||
        parent->assignee() != t.assigner()) {
      return FailedField(prefix + "parent_target",
                         "must be the assigner's own target of the same year and indicator");
    }
  }
  if (t.parent_target().empty() || allow_over_allocation) {
    return absl::OkStatus();
  }
  ASSIGN_OR_RETURN(auto parent, TargetByName(tx, t.parent_target(), prefix + "parent_target"));
  ASSIGN_OR_RETURN(auto allocated, AllocatedUnder(tx, t.parent_target()));
  const int64_t after = allocated - old_value + t.value();
  if (after > parent.value()) {
    return WithReason(
        FailedField(
            prefix + "value",
            absl::StrCat("sub-allocations would sum to ", after, ", above the ", parent.value(),
                         " of ", parent.name(), "; set allow_over_allocation to allow it")),
        "OVER_ALLOCATION");
  }
  return absl::OkStatus();
}

}  // namespace

// ---------------------------------------------------------------- Registry

absl::StatusOr<bool> Quota::IsBelow(const std::string& unit, const std::string& ancestor) {
  std::string current = unit;
  for (int depth = 0; depth < kMaxDepth; ++depth) {
    ASSIGN_OR_RETURN(auto u, units_->GetUnit(current));
    if (u.parent().empty()) {
      return false;
    }
    if (u.parent() == ancestor) {
      return true;
    }
    current = u.parent();
  }
  return false;
}

absl::StatusOr<std::string> Quota::ResolveAssignment(const std::string& assigner,
                                                     const std::string& assignee,
                                                     const std::string& prefix) {
  auto a = units_->GetUnit(assigner);
  if (absl::IsNotFound(a.status())) {
    return FailedField(prefix + "assigner", absl::StrCat(assigner, " is not in the registry"));
  }
  if (!a.ok()) {
    return a.status();
  }
  if (absl::StartsWith(assignee, "bodies/")) {
    auto body = units_->GetBody(assignee);
    if (absl::IsNotFound(body.status())) {
      return FailedField(prefix + "assignee", absl::StrCat(assignee, " is not in the registry"));
    }
    if (!body.ok()) {
      return body.status();
    }
    if (body->unit() != assigner) {
      ASSIGN_OR_RETURN(auto below, IsBelow(body->unit(), assigner));
      if (!below) {
        return FailedField(prefix + "assignee",
                           absl::StrCat(assignee, " is not attached at or below ", assigner));
      }
    }
    return body->unit();
  }
  auto u = units_->GetUnit(assignee);
  if (absl::IsNotFound(u.status())) {
    return FailedField(prefix + "assignee", absl::StrCat(assignee, " is not in the registry"));
  }
  if (!u.ok()) {
    return u.status();
  }
  ASSIGN_OR_RETURN(auto below, IsBelow(assignee, assigner));
  if (!below) {
    return FailedField(prefix + "assignee", absl::StrCat(assignee, " is not below ", assigner));
  }
  return assignee;
}

// ---------------------------------------------------------------- Targets

absl::StatusOr<pb::Target> Quota::CreateTarget(const pb::CreateTargetRequest& request) {
  RETURN_IF_ERROR(CheckRequestId(request.request_id()));
  const pb::Target& in = request.target();
  FieldViolations v;
  if (!ParseSingleName("units", request.parent(), "").ok()) {
    v.Add("parent", "must be a name of the form units/{unit}");
  }
  CheckTargetShape(v, in, "target.", today_().year());
  RETURN_IF_ERROR(v.ToStatus());
  // Ask the registry before any write: if it is down, nothing is written.
  ASSIGN_OR_RETURN(auto home, ResolveAssignment(in.assigner(), in.assignee(), "target."));
  if (home != request.parent()) {
    return InvalidField("parent", absl::StrCat("must be the assignee's unit, ", home));
  }
  return Idempotent<pb::Target>(
      store_, "CreateTarget", request, request.request_id(),
      [&](QuotaTx& tx) -> absl::StatusOr<pb::Target> {
        ASSIGN_OR_RETURN(auto existing,
                         tx.FindTarget(in.year(), in.indicator(), in.assigner(), in.assignee()));
        if (existing.has_value()) {
          return absl::AlreadyExistsError(absl::StrCat(
              "a target for this year, indicator, assigner and assignee exists: ", existing->name(),
              "; revise it with UpdateTarget"));
        }
        pb::Target t = in;
        RETURN_IF_ERROR(
            LinkAndCheckAllocation(tx, t, "target.", request.allow_over_allocation(), 0));
        ASSIGN_OR_RETURN(auto id, tx.NextId("target"));
        t.set_name(absl::StrCat(request.parent(), "/targets/", id));
        StampCreated(t);
        RETURN_IF_ERROR(tx.PutTarget(absl::StrCat(id), t));
        RETURN_IF_ERROR(EmitChange(tx, type::v1::CHANGE_TYPE_CREATED,
                                   &pb::StreamChangesResponse::mutable_target, t));
        return t;
      });
}

absl::StatusOr<pb::Target> Quota::GetTarget(const pb::GetTargetRequest& request) {
  RETURN_IF_ERROR(ParseTargetName(request.name(), "name"));
  return InView<pb::Target>(store_,
                            [&](QuotaTx& tx) { return TargetByName(tx, request.name(), "name"); });
}

absl::StatusOr<pb::ListTargetsResponse> Quota::ListTargets(const pb::ListTargetsRequest& request) {
  auto unit = ParseSingleName("units", request.parent(), "parent");
  if (!unit.ok()) {
    return unit.status();
  }
  if (request.year() != 0 && (request.year() < 2000 || request.year() > 2999)) {
    return InvalidField("year", "must be a year from 2000, or 0 for every year");
  }
  ASSIGN_OR_RETURN(auto list,
                   ParseListRequest(request.page_size(), request.filter(), request.page_token(),
                                    absl::StrCat("targets|", request.parent(), "|", request.year(),
                                                 "|", request.filter())));
  TargetQuery q;
  q.unit = *unit;
  if (request.year() != 0) {
    q.year = request.year();
  }
  for (const auto& t : list.terms) {
    if (t.op != "=") {
      return InvalidField("filter", absl::StrCat(t.field, " supports only ="));
    }
    if (t.field == "indicator") {
      type::v1::Indicator indicator;
      if (!type::v1::Indicator_Parse(t.value, &indicator) || indicator == 0) {
        return InvalidField("filter", "indicator takes an INDICATOR_ value");
      }
      q.indicator = indicator;
    } else if (t.field == "assigner") {
      q.assigner = t.value;
    } else if (t.field == "assignee") {
      q.assignee = t.value;
    } else {
      return InvalidField("filter", absl::StrCat("unknown field ", t.field,
                                                 "; use indicator, assigner or assignee"));
    }
  }
  q.after_id = list.after;
  q.limit = list.page_size + 1;
  ASSIGN_OR_RETURN(auto rows, InView<std::vector<pb::Target>>(
                                  store_, [&](QuotaTx& tx) { return tx.ListTargets(q); }));
  pb::ListTargetsResponse response;
  FillPage(response, rows, list, IdOf, response.mutable_targets());
  return response;
}

absl::StatusOr<pb::Target> Quota::UpdateTarget(const pb::UpdateTargetRequest& request,
                                               const std::string& principal) {
  const pb::Target& in = request.target();
  RETURN_IF_ERROR(ParseTargetName(in.name(), "target.name"));
  FieldViolations v;
  for (const auto& p : request.update_mask().paths()) {
    if (p != "value") {
      v.Add("update_mask", absl::StrCat(p, " cannot be updated; updatable: value"));
    }
  }
  if (in.value() < 0) {
    v.Add("target.value", "must not be negative");
  }
  CheckText(v, "reason", request.reason(), true, kMaxTextLength);
  RETURN_IF_ERROR(v.ToStatus());
  return InTx<pb::Target>(store_, [&](QuotaTx& tx) -> absl::StatusOr<pb::Target> {
    ASSIGN_OR_RETURN(auto t, TargetByName(tx, in.name(), "target.name"));
    RETURN_IF_ERROR(CheckEtag(in.etag(), t.etag()));
    const int32_t old_value = t.value();
    if (old_value == in.value()) {
      return t;
    }
    t.set_value(in.value());
    RETURN_IF_ERROR(
        LinkAndCheckAllocation(tx, t, "target.", request.allow_over_allocation(), old_value));
    if (!request.allow_over_allocation()) {
      ASSIGN_OR_RETURN(auto children, AllocatedUnder(tx, t.name()));
      if (children > t.value()) {
        return WithReason(FailedField("target.value",
                                      absl::StrCat("its sub-allocations already sum to ", children,
                                                   "; set allow_over_allocation to allow it")),
                          "OVER_ALLOCATION");
      }
    }
    pb::TargetRevision revision;
    revision.set_old_value(old_value);
    revision.set_new_value(in.value());
    revision.set_reason(request.reason());
    revision.set_revised_by(principal);
    *revision.mutable_revise_time() = ProtoNow();
    RETURN_IF_ERROR(tx.AddRevision(IdOf(t), revision));
    StampUpdated(t);
    RETURN_IF_ERROR(tx.PutTarget(IdOf(t), t));
    RETURN_IF_ERROR(EmitChange(tx, type::v1::CHANGE_TYPE_UPDATED,
                               &pb::StreamChangesResponse::mutable_target, t));
    return t;
  });
}

absl::StatusOr<pb::ListTargetRevisionsResponse> Quota::ListTargetRevisions(
    const pb::ListTargetRevisionsRequest& request) {
  RETURN_IF_ERROR(ParseTargetName(request.parent(), "parent"));
  ASSIGN_OR_RETURN(auto list, ParseListRequest(request.page_size(), "", request.page_token(),
                                               absl::StrCat("revisions|", request.parent())));
  int64_t after = 0;
  if (!list.after.empty() && !absl::SimpleAtoi(list.after, &after)) {
    return InvalidField("page_token", "is not a token this list issued");
  }
  return InView<pb::ListTargetRevisionsResponse>(
      store_, [&](QuotaTx& tx) -> absl::StatusOr<pb::ListTargetRevisionsResponse> {
        ASSIGN_OR_RETURN(auto t, TargetByName(tx, request.parent(), "parent"));
        ASSIGN_OR_RETURN(auto rows, tx.ListRevisions(IdOf(t), after, list.page_size + 1));
        pb::ListTargetRevisionsResponse response;
        FillPage(
            response, rows, list,
            // Revisions are numbered from 1; the last one shown is the key.
            [&](const pb::TargetRevision&) { return absl::StrCat(after + list.page_size); },
            response.mutable_revisions());
        return response;
      });
}

absl::StatusOr<pb::TargetAllocation> Quota::GetTargetAllocation(
    const pb::GetTargetAllocationRequest& request) {
  ASSIGN_OR_RETURN(auto ids,
                   ParseName("units/{unit}/targets/{target}/allocation", request.name(), "name"));
  const std::string target_name = absl::StrCat("units/", ids[0], "/targets/", ids[1]);
  return InView<pb::TargetAllocation>(
      store_, [&](QuotaTx& tx) -> absl::StatusOr<pb::TargetAllocation> {
        ASSIGN_OR_RETURN(auto t, TargetByName(tx, target_name, "name"));
        std::vector<pb::Target> children;
        ASSIGN_OR_RETURN(auto allocated, AllocatedUnder(tx, target_name, &children));
        pb::TargetAllocation out;
        out.set_target(target_name);
        out.set_value(t.value());
        for (auto& c : children) {
          *out.add_sub_allocations() = std::move(c);
        }
        out.set_allocated(static_cast<int32_t>(allocated));
        out.set_remainder(static_cast<int32_t>(t.value() - allocated));
        out.set_over_allocated(allocated > t.value());
        return out;
      });
}

absl::StatusOr<pb::SetTargetsResponse> Quota::SetTargets(const pb::SetTargetsRequest& request,
                                                         const std::string& principal) {
  RETURN_IF_ERROR(CheckRequestId(request.request_id()));
  const int this_year = today_().year();
  FieldViolations v;
  if (!ParseSingleName("units", request.assigner(), "").ok()) {
    v.Add("assigner", "must be a name of the form units/{unit}");
  }
  if (request.year() < 2000 || request.year() > this_year + 5) {
    v.Add("year", absl::StrCat("must be from 2000 to ", this_year + 5));
  }
  if (request.targets_size() == 0) {
    v.Add("targets", "must hold at least one target");
  }
  if (request.targets_size() > 10000) {
    v.Add("targets", "must hold at most 10000 targets");
  }
  CheckText(v, "reason", request.reason(), false, kMaxTextLength);
  std::vector<pb::Target> rows(request.targets().begin(), request.targets().end());
  std::set<std::pair<int, std::string>> seen;
  for (size_t i = 0; i < rows.size(); ++i) {
    const std::string prefix = absl::StrCat("targets[", i, "].");
    pb::Target& t = rows[i];
    if (t.year() == 0) {
      t.set_year(request.year());
    }
    if (t.assigner().empty()) {
      t.set_assigner(request.assigner());
    }
    if (t.year() != request.year()) {
      v.Add(prefix + "year", "must be the request's year");
    }
    if (t.assigner() != request.assigner()) {
      v.Add(prefix + "assigner", "must be the request's assigner");
    }
    CheckTargetShape(v, t, prefix, this_year);
    if (!seen.emplace(t.indicator(), t.assignee()).second) {
      v.Add(prefix + "assignee", "appears twice for the same indicator");
    }
  }
  RETURN_IF_ERROR(v.ToStatus());
  // Every row is checked with the registry before anything is written.
  std::vector<std::string> homes(rows.size());
  FieldViolations unknown;
  for (size_t i = 0; i < rows.size(); ++i) {
    auto home = ResolveAssignment(rows[i].assigner(), rows[i].assignee(),
                                  absl::StrCat("targets[", i, "]."));
    if (absl::IsUnavailable(home.status())) {
      return home.status();
    }
    if (!home.ok()) {
      for (auto& [f, d] : GetFieldViolations(home.status())) {
        unknown.Add(f, d);
      }
      continue;
    }
    homes[i] = *home;
  }
  RETURN_IF_ERROR(unknown.ToStatus(absl::StatusCode::kFailedPrecondition));

  return Idempotent<pb::SetTargetsResponse>(
      store_, "SetTargets", request, request.request_id(),
      [&](QuotaTx& tx) -> absl::StatusOr<pb::SetTargetsResponse> {
        pb::SetTargetsResponse response;
        FieldViolations rule;
        for (size_t i = 0; i < rows.size(); ++i) {
          const std::string prefix = absl::StrCat("targets[", i, "].");
          const pb::Target& in = rows[i];
          ASSIGN_OR_RETURN(auto existing,
                           tx.FindTarget(in.year(), in.indicator(), in.assigner(), in.assignee()));
          pb::Target t;
          absl::Status s;
          if (existing.has_value()) {
            t = *existing;
            const int32_t old_value = t.value();
            if (old_value != in.value()) {
              if (request.reason().empty()) {
                rule.Add("reason", "is required when existing values change");
                continue;
              }
              t.set_value(in.value());
              s = LinkAndCheckAllocation(tx, t, prefix, false, old_value);
              if (s.ok()) {
                pb::TargetRevision revision;
                revision.set_old_value(old_value);
                revision.set_new_value(in.value());
                revision.set_reason(request.reason());
                revision.set_revised_by(principal);
                *revision.mutable_revise_time() = ProtoNow();
                s = tx.AddRevision(IdOf(t), revision);
                StampUpdated(t);
                if (s.ok()) {
                  s = tx.PutTarget(IdOf(t), t);
                }
                if (s.ok()) {
                  s = EmitChange(tx, type::v1::CHANGE_TYPE_UPDATED,
                                 &pb::StreamChangesResponse::mutable_target, t);
                }
              }
            }
          } else {
            t = in;
            s = LinkAndCheckAllocation(tx, t, prefix, false, 0);
            if (s.ok()) {
              ASSIGN_OR_RETURN(auto id, tx.NextId("target"));
              t.set_name(absl::StrCat(homes[i], "/targets/", id));
              StampCreated(t);
              s = tx.PutTarget(absl::StrCat(id), t);
              if (s.ok()) {
                s = EmitChange(tx, type::v1::CHANGE_TYPE_CREATED,
                               &pb::StreamChangesResponse::mutable_target, t);
              }
            }
          }
          if (!s.ok()) {
            auto violations = GetFieldViolations(s);
            if (violations.empty()) {
              return s;  // Not a rule: a storage fault.
            }
            for (auto& [f, d] : violations) {
              rule.Add(f, d);
            }
            continue;
          }
          *response.add_targets() = t;
        }
        RETURN_IF_ERROR(rule.ToStatus(absl::StatusCode::kFailedPrecondition));
        return response;
      });
}

}  // namespace chitieu::quota
