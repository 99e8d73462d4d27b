// End-to-end tests of chitieu-registry: the real binary on a free port, a
// client talking to it through a generated stub.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <set>
#include <thread>

#include "chitieu/registry/v1/registry.grpc.pb.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "services/registry/tax_code.h"
#include "tests/support/feed_reader.h"
#include "tests/support/service_process.h"

namespace chitieu {
namespace {

namespace pb = ::chitieu::registry::v1;
using ::chitieu::testing::ServiceProcess;
using ::chitieu::testing::TempDir;

std::string Code(int seq) {
  std::string code;
  for (int s = seq; code.empty(); ++s) {
    code = registry::MakeEnterpriseCode(1, s);
  }
  return code;
}

// The first BadRequest field violation in a status's details, or "".
std::string ViolatedField(const grpc::Status& status) {
  google::rpc::Status rpc;
  if (!rpc.ParseFromString(status.error_details())) {
    return "";
  }
  for (const auto& any : rpc.details()) {
    google::rpc::BadRequest bad;
    if (any.UnpackTo(&bad) && bad.field_violations_size() > 0) {
      return bad.field_violations(0).field();
    }
  }
  return "";
}

class RegistryE2ETest : public ::testing::Test {
 protected:
  void SetUp() override {
    registry_ = std::make_unique<ServiceProcess>("chitieu-registry", dir_.path());
    ASSERT_TRUE(registry_->Start()) << registry_->error();
    Connect();
    AddUnit("01", "Hà Nội", pb::UNIT_LEVEL_PROVINCE, "");
    AddUnit("002", "Hoàn Kiếm", pb::UNIT_LEVEL_DISTRICT, "units/01");
    AddUnit("003", "Tây Hồ", pb::UNIT_LEVEL_DISTRICT, "units/01");
    AddUnit("00037", "Phúc Tân", pb::UNIT_LEVEL_COMMUNE, "units/002");
    pb::CreateBodyRequest body;
    body.set_body_id("hk-block");
    body.mutable_body()->set_display_name("Đảng ủy Khối DN quận Hoàn Kiếm");
    body.mutable_body()->set_kind(pb::BODY_KIND_BLOCK_PARTY_COMMITTEE);
    body.mutable_body()->set_unit("units/002");
    pb::Body out;
    grpc::ClientContext ctx;
    ASSERT_TRUE(stub_->CreateBody(&ctx, body, &out).ok());
  }

  void Connect() { stub_ = pb::RegistryService::NewStub(registry_->channel()); }

  void Restart() {
    ASSERT_TRUE(registry_->Start()) << registry_->error();
    Connect();
  }

  void AddUnit(const std::string& code, const std::string& name, pb::UnitLevel level,
               const std::string& parent) {
    pb::CreateUnitRequest r;
    r.mutable_unit()->set_name("units/" + code);
    r.mutable_unit()->set_display_name(name);
    r.mutable_unit()->set_level(level);
    r.mutable_unit()->set_parent(parent);
    r.mutable_unit()->set_open_date("2008-08-01");
    pb::Unit out;
    grpc::ClientContext ctx;
    grpc::Status s = stub_->CreateUnit(&ctx, r, &out);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }

  pb::CreateEnterpriseRequest EnterpriseRequest(int seq, const std::string& unit = "units/002") {
    pb::CreateEnterpriseRequest r;
    auto* e = r.mutable_enterprise();
    e->set_enterprise_code(Code(seq));
    e->set_display_name("Công ty TNHH " + std::to_string(seq));
    e->set_legal_form(type::v1::LEGAL_FORM_MULTI_MEMBER_LLC);
    e->set_sector(type::v1::SECTOR_NON_STATE);
    e->set_seat_unit(unit);
    e->set_registration_date("2011-03-15");
    return r;
  }

  grpc::Status Create(const pb::CreateEnterpriseRequest& r, pb::Enterprise* out) {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    return stub_->CreateEnterprise(&ctx, r, out);
  }

  std::vector<pb::StreamChangesResponse> ReadFeed(int64_t after) {
    return testing::ReadFeed<pb::StreamChangesResponse, pb::StreamChangesRequest>(*stub_, after);
  }

  TempDir dir_;
  std::unique_ptr<ServiceProcess> registry_;
  std::unique_ptr<pb::RegistryService::Stub> stub_;
};

TEST_F(RegistryE2ETest, CreateGetAndListWithPaginationAndFilters) {
  for (int i = 0; i < 7; ++i) {
    pb::Enterprise e;
    ASSERT_TRUE(
        Create(EnterpriseRequest(100 + 3 * i, i < 4 ? "units/00037" : "units/003"), &e).ok());
  }
  pb::GetEnterpriseRequest get;
  get.set_name("enterprises/" + Code(100));
  pb::Enterprise got;
  grpc::ClientContext gctx;
  ASSERT_TRUE(stub_->GetEnterprise(&gctx, get, &got).ok());
  EXPECT_EQ(got.seat_unit(), "units/00037");
  EXPECT_EQ(got.status(), type::v1::ENTERPRISE_STATUS_ACTIVE);

  pb::ListEnterprisesRequest list;
  list.set_filter("unit = \"units/002\"");  // The ward 00037 is beneath it.
  list.set_page_size(3);
  int pages = 0, total = 0;
  do {
    pb::ListEnterprisesResponse page;
    grpc::ClientContext ctx;
    ASSERT_TRUE(stub_->ListEnterprises(&ctx, list, &page).ok());
    total += page.enterprises_size();
    ++pages;
    list.set_page_token(page.next_page_token());
  } while (!list.page_token().empty());
  EXPECT_EQ(total, 4);
  EXPECT_EQ(pages, 2);

  list.set_filter("unit = \"units/003\" AND has_party_organization = false");
  list.set_page_size(0);
  pb::ListEnterprisesResponse page;
  grpc::ClientContext ctx;
  ASSERT_TRUE(stub_->ListEnterprises(&ctx, list, &page).ok());
  EXPECT_EQ(page.enterprises_size(), 3);
}

TEST_F(RegistryE2ETest, RetryWithSameRequestIdCreatesNothingNew) {
  auto r = EnterpriseRequest(1);
  r.set_request_id("b3c1d9a0-0001");
  pb::Enterprise first, second;
  ASSERT_TRUE(Create(r, &first).ok());
  const size_t feed = ReadFeed(0).size();
  ASSERT_TRUE(Create(r, &second).ok());
  EXPECT_EQ(first.SerializeAsString(), second.SerializeAsString());
  EXPECT_EQ(ReadFeed(0).size(), feed);
}

TEST_F(RegistryE2ETest, StaleEtagIsAborted) {
  pb::Enterprise e;
  ASSERT_TRUE(Create(EnterpriseRequest(1), &e).ok());
  pb::ChangeEnterpriseStatusRequest c;
  c.set_name(e.name());
  c.set_status(type::v1::ENTERPRISE_STATUS_NOT_AT_REGISTERED_ADDRESS);
  c.set_effective_date("2013-02-01");
  c.set_source("tax-office");
  c.set_etag(e.etag());
  pb::Enterprise changed;
  grpc::ClientContext c1;
  ASSERT_TRUE(stub_->ChangeEnterpriseStatus(&c1, c, &changed).ok());
  pb::UpdateEnterpriseRequest u;
  *u.mutable_enterprise() = e;  // The etag from before the status change.
  u.mutable_update_mask()->add_paths("display_name");
  grpc::ClientContext c2;
  pb::Enterprise out;
  EXPECT_EQ(stub_->UpdateEnterprise(&c2, u, &out).error_code(), grpc::StatusCode::ABORTED);
}

TEST_F(RegistryE2ETest, BadInputIsInvalidArgumentNamingTheField) {
  auto r = EnterpriseRequest(1);
  r.mutable_enterprise()->set_enterprise_code("0100233480");
  pb::Enterprise out;
  grpc::Status s = Create(r, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(ViolatedField(s), "enterprise.enterprise_code");

  pb::CreateOrganizationRequest org;
  org.set_parent("enterprises/0100233488");
  org.mutable_organization()->set_kind(type::v1::ORGANIZATION_KIND_PARTY);
  org.mutable_organization()->set_founding_date("2013-02-30");
  org.mutable_organization()->set_decision_number("1");
  org.mutable_organization()->set_founding_body("bodies/hk-block");
  grpc::ClientContext ctx;
  pb::Organization o;
  s = stub_->CreateOrganization(&ctx, org, &o);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(ViolatedField(s), "organization.founding_date");
  EXPECT_TRUE(ReadFeed(0).size() == 5u);  // Only the set-up: 4 units and a body.
}

TEST_F(RegistryE2ETest, ImportWithGoodAndBadRows) {
  grpc::ClientContext ctx;
  pb::ImportEnterprisesResponse summary;
  auto writer = stub_->ImportEnterprises(&ctx, &summary);
  pb::ImportEnterprisesRequest batch;
  batch.set_source("business-registry");
  for (int i = 0; i < 5; ++i) {
    *batch.add_enterprises() = EnterpriseRequest(10 + 3 * i).enterprise();
  }
  auto* bad = batch.add_enterprises();
  *bad = EnterpriseRequest(50).enterprise();
  bad->set_enterprise_code("0100233480");
  ASSERT_TRUE(writer->Write(batch));
  batch.Clear();
  *batch.add_enterprises() = EnterpriseRequest(10).enterprise();  // Unchanged.
  auto* unknown = batch.add_enterprises();
  *unknown = EnterpriseRequest(60, "units/777").enterprise();
  ASSERT_TRUE(writer->Write(batch));
  writer->WritesDone();
  ASSERT_TRUE(writer->Finish().ok());
  EXPECT_EQ(summary.rows(), 8);
  EXPECT_EQ(summary.created(), 5);
  EXPECT_EQ(summary.unchanged(), 1);
  EXPECT_EQ(summary.rejected(), 2);
  std::vector<std::pair<int64_t, std::string>> rejected;
  for (const auto& r : summary.results()) {
    if (r.outcome() == pb::IMPORT_OUTCOME_REJECTED) {
      rejected.emplace_back(r.row(), r.field());
    }
  }
  EXPECT_THAT(rejected, ::testing::ElementsAre(::testing::Pair(6, "enterprise_code"),
                                               ::testing::Pair(8, "seat_unit")));
}

TEST_F(RegistryE2ETest, FeedReplaysFollowsLiveAndResumesAfterRestart) {
  pb::Enterprise e;
  ASSERT_TRUE(Create(EnterpriseRequest(1), &e).ok());
  int64_t last = 0;
  {
    pb::StreamChangesRequest r;  // Follow from the start.
    grpc::ClientContext ctx;
    auto reader = stub_->StreamChanges(&ctx, r);
    pb::StreamChangesResponse c;
    for (int i = 0; i < 6; ++i) {  // 4 units, a body, an enterprise.
      ASSERT_TRUE(reader->Read(&c));
      EXPECT_EQ(c.sequence(), i + 1);
    }
    EXPECT_TRUE(c.has_enterprise());
    // Live: a change made now arrives on the open stream.
    std::thread writer([&] {
      pb::Enterprise e2;
      EXPECT_TRUE(Create(EnterpriseRequest(4), &e2).ok());
    });
    ASSERT_TRUE(reader->Read(&c));
    writer.join();
    EXPECT_EQ(c.sequence(), 7);
    EXPECT_EQ(c.enterprise().enterprise_code(), Code(4));
    last = c.sequence();
    ctx.TryCancel();
    reader->Finish();
  }
  EXPECT_EQ(registry_->Terminate(), 0);  // Graceful: exit code 0.
  Restart();
  pb::Enterprise e3;
  ASSERT_TRUE(Create(EnterpriseRequest(7), &e3).ok());
  auto resumed = ReadFeed(last);
  ASSERT_EQ(resumed.size(), 1u);
  EXPECT_EQ(resumed[0].sequence(), last + 1);
  EXPECT_EQ(resumed[0].enterprise().enterprise_code(), e3.enterprise_code());
}

TEST_F(RegistryE2ETest, SigkillLosesNoAcknowledgedWrite) {
  constexpr int kWriters = 4;
  std::atomic<bool> stop{false};
  std::atomic<int> acked_count{0};
  std::mutex mu;
  std::set<std::string> acknowledged;
  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&, w] {
      for (int i = 0; !stop.load(); ++i) {
        pb::Enterprise out;
        auto r = EnterpriseRequest(1000 + (i * kWriters + w) * 2);
        if (Create(r, &out).ok()) {
          std::lock_guard<std::mutex> lock(mu);
          acknowledged.insert(out.enterprise_code());
          ++acked_count;
        } else {
          return;  // The server died under us.
        }
      }
    });
  }
  while (acked_count.load() < 60) {
    std::this_thread::yield();
  }
  registry_->Kill();
  stop = true;
  for (auto& t : writers) {
    t.join();
  }
  Restart();

  std::set<std::string> present;
  pb::ListEnterprisesRequest list;
  list.set_page_size(1000);
  do {
    pb::ListEnterprisesResponse page;
    grpc::ClientContext ctx;
    ASSERT_TRUE(stub_->ListEnterprises(&ctx, list, &page).ok());
    for (const auto& e : page.enterprises()) {
      present.insert(e.enterprise_code());
    }
    list.set_page_token(page.next_page_token());
  } while (!list.page_token().empty());
  for (const auto& code : acknowledged) {
    EXPECT_TRUE(present.count(code)) << code;
  }
  EXPECT_GE(present.size(), acknowledged.size());

  // The feed: gap-free from 1, one creation per enterprise present.
  auto feed = ReadFeed(0);
  std::set<std::string> in_feed;
  for (size_t i = 0; i < feed.size(); ++i) {
    ASSERT_EQ(feed[i].sequence(), static_cast<int64_t>(i + 1));
    if (feed[i].has_enterprise()) {
      in_feed.insert(feed[i].enterprise().enterprise_code());
    }
  }
  EXPECT_EQ(in_feed, present);
  EXPECT_EQ(feed.size(), 5 + present.size());
}

}  // namespace
}  // namespace chitieu

namespace chitieu {
namespace {

TEST(SeedE2ETest, LoadsTheDemoThroughTheApiAndCanRunAgain) {
  TempDir dir;
  ServiceProcess registry("chitieu-registry", dir.path());
  ASSERT_TRUE(registry.Start()) << registry.error();
  const std::string log = dir.path() + "/seed.log";
  ASSERT_EQ(
      testing::RunTool(
          "chitieu-seed",
          {"--registry_addr=" + registry.address(), "--quota_addr=", "--scenario=false"}, log),
      0);
  ASSERT_EQ(
      testing::RunTool(
          "chitieu-seed",
          {"--registry_addr=" + registry.address(), "--quota_addr=", "--scenario=false"}, log),
      0);
  auto stub = pb::RegistryService::NewStub(registry.channel());

  auto count_units = [&](const std::string& filter, const std::string& open_on) {
    pb::ListUnitsRequest r;
    r.set_filter(filter);
    r.set_open_on(open_on);
    r.set_page_size(1000);
    pb::ListUnitsResponse out;
    grpc::ClientContext ctx;
    EXPECT_TRUE(stub->ListUnits(&ctx, r, &out).ok());
    return out.units_size();
  };
  // 2013: 29 district-level units under the city, 18 wards in Hoàn Kiếm.
  EXPECT_EQ(count_units("parent = \"units/01\" AND level = UNIT_LEVEL_DISTRICT", "2013-12-31"), 29);
  EXPECT_EQ(count_units("parent = \"units/002\"", "2013-12-31"), 18);
  // After 1 July 2025 Hoàn Kiếm is gone; its successors sit under the city.
  EXPECT_EQ(count_units("parent = \"units/002\"", "2025-07-01"), 0);
  pb::GetUnitRequest get;
  get.set_name("units/002");
  pb::Unit hk;
  grpc::ClientContext ctx;
  ASSERT_TRUE(stub->GetUnit(&ctx, get, &hk).ok());
  EXPECT_EQ(hk.display_name(), "Quận Hoàn Kiếm");
  EXPECT_EQ(hk.close_date(), "2025-07-01");
  EXPECT_EQ(hk.successors_size(), 2);

  pb::ListEnterprisesRequest list;
  list.set_filter("unit = \"units/002\"");
  pb::ListEnterprisesResponse named;
  grpc::ClientContext lctx;
  ASSERT_TRUE(stub->ListEnterprises(&lctx, list, &named).ok());
  ASSERT_EQ(named.enterprises_size(), 3);
  for (const auto& e : named.enterprises()) {
    EXPECT_TRUE(e.self_requested_founding());
  }
}

}  // namespace
}  // namespace chitieu
