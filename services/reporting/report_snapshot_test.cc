// Tests of report snapshots' canonical text, content hash and changes.

#include "services/reporting/report_snapshot.h"

#include <gtest/gtest.h>

namespace chitieu::reporting {
namespace {

using ::chitieu::type::v1::INDICATOR_NEW_PARTY_MEMBERS;
using ::chitieu::type::v1::INDICATOR_NEW_PARTY_ORGANIZATIONS;

v1::ReportSnapshot Sample() {
  v1::ReportSnapshot s;
  s.set_registry_sequence(48);
  s.set_quota_sequence(7);
  auto* party = s.add_indicators();
  party->set_indicator(INDICATOR_NEW_PARTY_ORGANIZATIONS);
  party->set_target(6);
  party->set_achieved(7);
  party->set_difference(1);
  party->set_status(type::v1::PROGRESS_STATUS_EXCEEDED);
  auto* b = party->add_by_child_unit();
  b->set_key("units/00040");
  b->set_display_name("Phường Hàng Bạc");
  b->set_achieved(2);
  b = party->add_by_child_unit();
  b->set_key("units/00037");
  b->set_achieved(1);
  auto* r = s.add_records();
  r->set_name("enterprises/2/organizations/9");
  r->set_indicator(INDICATOR_NEW_PARTY_ORGANIZATIONS);
  r->set_count(1);
  r = s.add_records();
  r->set_name("enterprises/1/admissions/3");
  r->set_indicator(INDICATOR_NEW_PARTY_MEMBERS);
  r->set_count(4);
  return s;
}

TEST(ReportSnapshotTest, CanonicalTextIsFixedLinesInAFixedOrder) {
  EXPECT_EQ(CanonicalSnapshotText("units/002/reports/2013", Sample()),
            "chitieu-report-snapshot 1\n"
            "report units/002/reports/2013\n"
            "registry_sequence 48\n"
            "quota_sequence 7\n"
            "indicator INDICATOR_NEW_PARTY_ORGANIZATIONS target 6 achieved 7 difference 1 status "
            "PROGRESS_STATUS_EXCEEDED\n"
            "child INDICATOR_NEW_PARTY_ORGANIZATIONS units/00037 target 0 achieved 1\n"
            "child INDICATOR_NEW_PARTY_ORGANIZATIONS units/00040 target 0 achieved 2\n"
            "record enterprises/1/admissions/3 INDICATOR_NEW_PARTY_MEMBERS 4\n"
            "record enterprises/2/organizations/9 INDICATOR_NEW_PARTY_ORGANIZATIONS 1\n");
}

TEST(ReportSnapshotTest, TheHashIgnoresNamesAndOrderButNotFigures) {
  v1::ReportSnapshot a = Sample();
  SealSnapshot("units/002/reports/2013", a);
  EXPECT_EQ(a.content_hash().substr(0, 7), "sha256:");
  EXPECT_EQ(a.content_hash().size(), 7u + 64u);
  v1::ReportSnapshot renamed = Sample();
  renamed.mutable_indicators(0)->mutable_by_child_unit(0)->set_display_name("Hàng Bạc");
  renamed.mutable_records()->SwapElements(0, 1);
  SealSnapshot("units/002/reports/2013", renamed);
  EXPECT_EQ(renamed.content_hash(), a.content_hash());
  v1::ReportSnapshot changed = Sample();
  changed.mutable_indicators(0)->set_achieved(8);
  SealSnapshot("units/002/reports/2013", changed);
  EXPECT_NE(changed.content_hash(), a.content_hash());
  v1::ReportSnapshot other = Sample();
  SealSnapshot("units/002/reports/2012", other);
  EXPECT_NE(other.content_hash(), a.content_hash());
  // SHA-256 of the empty string, the known vector.
  EXPECT_EQ(ContentHash(""),
            "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(ReportSnapshotTest, ChangesListTheFiguresAndTheRecordsThatMoved) {
  const v1::ReportSnapshot s = Sample();
  google::protobuf::RepeatedPtrField<v1::IndicatorProgress> live = s.indicators();
  google::protobuf::RepeatedPtrField<v1::CountedRecord> records = s.records();
  EXPECT_TRUE(ChangesSince(s, live, records).empty());

  live.Mutable(0)->set_achieved(8);
  auto* late = records.Add();
  late->set_name("enterprises/3/organizations/11");
  late->set_indicator(INDICATOR_NEW_PARTY_ORGANIZATIONS);
  late->set_count(1);
  late->set_recorded_by("user:w40-officer");
  records.Mutable(1)->set_count(5);  // enterprises/1/admissions/3, corrected.
  auto changes = ChangesSince(s, live, records);
  ASSERT_EQ(changes.size(), 2u);
  EXPECT_EQ(changes[0].indicator(), INDICATOR_NEW_PARTY_ORGANIZATIONS);
  EXPECT_EQ(changes[0].submitted_achieved(), 7);
  EXPECT_EQ(changes[0].live_achieved(), 8);
  ASSERT_EQ(changes[0].added_size(), 1);
  EXPECT_EQ(changes[0].added(0).recorded_by(), "user:w40-officer");
  EXPECT_EQ(changes[1].indicator(), INDICATOR_NEW_PARTY_MEMBERS);
  ASSERT_EQ(changes[1].added_size(), 1);
  ASSERT_EQ(changes[1].removed_size(), 1);
  EXPECT_EQ(changes[1].added(0).count(), 5);
  EXPECT_EQ(changes[1].removed(0).count(), 4);
}

}  // namespace
}  // namespace chitieu::reporting
