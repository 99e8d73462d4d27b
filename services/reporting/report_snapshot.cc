// Canonical text, content hash and changes of report snapshots
// (report_snapshot.h).

#include "services/reporting/report_snapshot.h"

#include <openssl/evp.h>

#include <algorithm>
#include <map>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace chitieu::reporting {
namespace {

using ::chitieu::type::v1::Indicator;
using ::chitieu::type::v1::Indicator_Name;
using ::chitieu::type::v1::ProgressStatus_Name;

// The elements of `rows`, ordered by `key(element)`.
template <typename T, typename Key>
std::vector<const T*> SortedBy(const google::protobuf::RepeatedPtrField<T>& rows, Key key) {
  std::vector<const T*> sorted;
  for (const auto& row : rows) {
    sorted.push_back(&row);
  }
  std::sort(sorted.begin(), sorted.end(),
            [&](const T* a, const T* b) { return key(*a) < key(*b); });
  return sorted;
}

// Breakdown lines of one kind ("child" or "body"), sorted by key.
void AppendBreakdowns(std::string& out, const char* kind, Indicator indicator,
                      const google::protobuf::RepeatedPtrField<v1::Breakdown>& rows) {
  for (const v1::Breakdown* b : SortedBy(rows, [](const v1::Breakdown& x) { return x.key(); })) {
    absl::StrAppend(&out, kind, " ", Indicator_Name(indicator), " ", b->key(), " target ",
                    b->target(), " achieved ", b->achieved(), "\n");
  }
}

}  // namespace

std::string CanonicalSnapshotText(const std::string& report, const v1::ReportSnapshot& s) {
  std::string out = "chitieu-report-snapshot 1\n";
  absl::StrAppend(&out, "report ", report, "\n");
  absl::StrAppend(&out, "registry_sequence ", s.registry_sequence(), "\n");
  absl::StrAppend(&out, "quota_sequence ", s.quota_sequence(), "\n");
  const auto indicators =
      SortedBy(s.indicators(), [](const v1::IndicatorProgress& p) { return p.indicator(); });
  for (const auto* p : indicators) {
    absl::StrAppend(&out, "indicator ", Indicator_Name(p->indicator()), " target ", p->target(),
                    " achieved ", p->achieved(), " difference ", p->difference(), " status ",
                    ProgressStatus_Name(p->status()), "\n");
  }
  for (const auto* p : indicators) {
    AppendBreakdowns(out, "child", p->indicator(), p->by_child_unit());
  }
  for (const auto* p : indicators) {
    AppendBreakdowns(out, "body", p->indicator(), p->by_body());
  }
  for (const auto* r : SortedBy(s.records(), [](const v1::CountedRecord& x) { return x.name(); })) {
    absl::StrAppend(&out, "record ", r->name(), " ", Indicator_Name(r->indicator()), " ",
                    r->count(), "\n");
  }
  return out;
}

std::string ContentHash(const std::string& text) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  EVP_Digest(text.data(), text.size(), digest, &size, EVP_sha256(), nullptr);
  return absl::StrCat(
      "sha256:", absl::BytesToHexString(absl::string_view(reinterpret_cast<const char*>(digest),
                                                          static_cast<size_t>(size))));
}

void SealSnapshot(const std::string& report, v1::ReportSnapshot& snapshot) {
  snapshot.set_canonical_text(CanonicalSnapshotText(report, snapshot));
  snapshot.set_content_hash(ContentHash(snapshot.canonical_text()));
}

std::vector<v1::FigureChange> ChangesSince(
    const v1::ReportSnapshot& snapshot,
    const google::protobuf::RepeatedPtrField<v1::IndicatorProgress>& indicators,
    const google::protobuf::RepeatedPtrField<v1::CountedRecord>& records) {
  std::map<int, v1::FigureChange> changes;
  for (const auto& p : snapshot.indicators()) {
    auto& c = changes[p.indicator()];
    c.set_indicator(p.indicator());
    c.set_submitted_target(p.target());
    c.set_submitted_achieved(p.achieved());
  }
  for (const auto& p : indicators) {
    auto& c = changes[p.indicator()];
    c.set_indicator(p.indicator());
    c.set_live_target(p.target());
    c.set_live_achieved(p.achieved());
  }
  std::map<std::string, const v1::CountedRecord*> frozen, live;
  for (const auto& r : snapshot.records()) {
    frozen[r.name()] = &r;
  }
  for (const auto& r : records) {
    live[r.name()] = &r;
  }
  for (const auto& [name, r] : live) {
    auto it = frozen.find(name);
    if (it == frozen.end() || it->second->count() != r->count() ||
        it->second->indicator() != r->indicator()) {
      auto& c = changes[r->indicator()];
      c.set_indicator(r->indicator());
      *c.add_added() = *r;
    }
  }
  for (const auto& [name, r] : frozen) {
    auto it = live.find(name);
    if (it == live.end() || it->second->count() != r->count() ||
        it->second->indicator() != r->indicator()) {
      auto& c = changes[r->indicator()];
      c.set_indicator(r->indicator());
      *c.add_removed() = *r;
    }
  }
  std::vector<v1::FigureChange> out;
  for (auto& [indicator, c] : changes) {
    if (c.submitted_target() != c.live_target() || c.submitted_achieved() != c.live_achieved() ||
        c.added_size() > 0 || c.removed_size() > 0) {
      out.push_back(std::move(c));
    }
  }
  return out;
}

}  // namespace chitieu::reporting
