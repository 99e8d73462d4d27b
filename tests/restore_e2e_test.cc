// The restore drill of README's "Backup and restore", on SQLite: the
// registry and quota are backed up, a report is submitted, the approvals are
// backed up after it; the sources are restored from their (older) backup,
// the approvals from theirs, and reporting's read model is rebuilt. The
// approvals come back as they were, and the report whose snapshot was
// computed at feed positions the restored registry no longer reaches is
// flagged (snapshot.ahead_of_sources), while one from before the backup is
// not.

#include <gtest/gtest.h>

#include <filesystem>

#include "absl/strings/match.h"
#include "chitieu/registry/v1/registry.grpc.pb.h"
#include "chitieu/reporting/v1/reporting.grpc.pb.h"
#include "services/registry/tax_code.h"
#include "tests/support/stack.h"
#include "tests/support/wait.h"

namespace chitieu {
namespace {

namespace fs = std::filesystem;
namespace reg = ::chitieu::registry::v1;
namespace rep = ::chitieu::reporting::v1;

const testing::StackKey kCity{"k-city", "user:city", "city_admin", "units/01"};
const testing::StackKey kHoanKiem{"k-hk", "user:hk", "district_officer", "units/002"};

// Copies `db` and its -wal and -shm files from `from` to `to` (a stopped
// service's database: what a file backup of it is), replacing what is there.
void CopyDatabase(const std::string& db, const fs::path& from, const fs::path& to) {
  fs::create_directories(to);
  for (const char* suffix : {"", "-wal", "-shm"}) {
    fs::remove(to / (db + suffix));
    if (fs::exists(from / (db + suffix))) {
      fs::copy_file(from / (db + suffix), to / (db + suffix));
    }
  }
}

class RestoreE2ETest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(stack_.Start({kCity, kHoanKiem}, /*scenario=*/true)) << stack_.error();
    Connect();
  }
  void Connect() {
    auto channel =
        grpc::CreateChannel(stack_.gateway().address(), grpc::InsecureChannelCredentials());
    reporting_ = rep::ReportingService::NewStub(channel);
    registry_ = reg::RegistryService::NewStub(channel);
  }
  static void Authorize(grpc::ClientContext& ctx, const testing::StackKey& key) {
    ctx.AddMetadata("authorization", "Bearer " + key.secret);
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
  }
  grpc::Status Submit(const std::string& name, rep::Report* out) {
    rep::SubmitReportRequest r;
    r.set_name(name);
    grpc::ClientContext ctx;
    Authorize(ctx, kHoanKiem);
    return reporting_->SubmitReport(&ctx, r, out);
  }
  grpc::Status Get(const std::string& name, rep::Report* out) {
    rep::GetReportRequest r;
    r.set_name(name);
    grpc::ClientContext ctx;
    Authorize(ctx, kCity);
    return reporting_->GetReport(&ctx, r, out);
  }
  // Enterprises registered in Hoàn Kiếm, as the read model counts them.
  int Total() {
    rep::GetEnterpriseStatusSummaryRequest r;
    r.set_unit("units/002");
    rep::EnterpriseStatusSummary out;
    grpc::ClientContext ctx;
    Authorize(ctx, kCity);
    return reporting_->GetEnterpriseStatusSummary(&ctx, r, &out).ok() ? out.total() : -1;
  }
  fs::path Dir(const std::string& service) { return fs::path(stack_.dir()) / service; }

  testing::Stack stack_;
  std::unique_ptr<rep::ReportingService::Stub> reporting_;
  std::unique_ptr<reg::RegistryService::Stub> registry_;
};

TEST_F(RestoreE2ETest, ApprovalsComeBackAndASnapshotAheadOfTheSourcesIsFlagged) {
  const fs::path backup = fs::path(stack_.dir()) / "backup";
  // 2012 is submitted before the sources' backup: its positions are in it.
  rep::Report before;
  ASSERT_TRUE(Submit("units/002/reports/2012", &before).ok());

  // The nightly backup of the registry and quota (services stopped).
  ASSERT_EQ(stack_.registry().Terminate(), 0);
  ASSERT_EQ(stack_.quota().Terminate(), 0);
  CopyDatabase("registry.db", Dir("registry"), backup / "registry");
  CopyDatabase("quota.db", Dir("quota"), backup / "quota");
  ASSERT_TRUE(stack_.registry().Start()) << stack_.registry().error();
  ASSERT_TRUE(stack_.quota().Start()) << stack_.quota().error();

  // After it: an enterprise recorded, then 2013 submitted. Until the
  // gateway has reconnected to the restarted registry, a province-wide
  // call may be refused UNAVAILABLE (the provinces it checks the scope
  // against are the registry's, remembered 5 s): waited for, as a caller
  // retries.
  int total_before = -1;
  ASSERT_TRUE(testing::WaitFor(
      [&] {
        total_before = Total();
        return total_before >= 0;
      },
      std::chrono::seconds(60)));
  std::string code;
  for (int s = 5500; code.empty(); ++s) {
    code = registry::MakeEnterpriseCode(1, s);
  }
  {
    reg::CreateEnterpriseRequest r;
    r.mutable_enterprise()->set_enterprise_code(code);
    r.mutable_enterprise()->set_display_name("Công ty Sau Sao Lưu");
    r.mutable_enterprise()->set_legal_form(type::v1::LEGAL_FORM_SINGLE_MEMBER_LLC);
    r.mutable_enterprise()->set_sector(type::v1::SECTOR_NON_STATE);
    r.mutable_enterprise()->set_seat_unit("units/00037");
    r.mutable_enterprise()->set_registration_date("2012-01-01");
    r.set_request_id("restore-drill-" + code);
    // The gateway calls the restarted registry again once gRPC has
    // reconnected its channel (its backoff): retried until then, once.
    grpc::Status s;
    ASSERT_TRUE(testing::WaitFor(
        [&] {
          reg::Enterprise out;
          grpc::ClientContext ctx;
          Authorize(ctx, kCity);
          s = registry_->CreateEnterprise(&ctx, r, &out);
          return s.ok();
        },
        std::chrono::seconds(60)))
        << s.error_message();
  }
  // Once the model shows it (the district counts one enterprise more),
  // 2013 is submitted at a registry position past the backup.
  ASSERT_TRUE(
      testing::WaitFor([&] { return Total() == total_before + 1; }, std::chrono::seconds(30)));
  rep::Report after;
  ASSERT_TRUE(Submit("units/002/reports/2013", &after).ok());
  EXPECT_GT(after.snapshot().registry_sequence(), before.snapshot().registry_sequence());
  ASSERT_EQ(after.state(), rep::REPORT_STATE_SUBMITTED);

  // The approvals' backup, taken later than the sources'.
  ASSERT_EQ(stack_.reporting().Terminate(), 0);
  CopyDatabase("approvals.db", Dir("reporting"), backup / "reporting");

  // The disaster: everything lost; the registry and quota restored from
  // their backup, the approvals from theirs, the read model rebuilt (an
  // empty model replays both feeds).
  ASSERT_EQ(stack_.registry().Terminate(), 0);
  ASSERT_EQ(stack_.quota().Terminate(), 0);
  CopyDatabase("registry.db", backup / "registry", Dir("registry"));
  CopyDatabase("quota.db", backup / "quota", Dir("quota"));
  CopyDatabase("approvals.db", backup / "reporting", Dir("reporting"));
  for (const char* suffix : {"", "-wal", "-shm"}) {
    fs::remove(Dir("reporting") / (std::string("reporting.db") + suffix));
  }
  ASSERT_TRUE(stack_.registry().Start()) << stack_.registry().error();
  ASSERT_TRUE(stack_.quota().Start()) << stack_.quota().error();
  ASSERT_TRUE(stack_.reporting().Start()) << stack_.reporting().error();

  // The approvals are back as they were; once the model has replayed the
  // restored feeds, 2012's snapshot lies within them and 2013's beyond.
  rep::Report old_year, new_year;
  ASSERT_TRUE(testing::WaitFor(
      [&] {
        return Get("units/002/reports/2012", &old_year).ok() && old_year.has_snapshot() &&
               !old_year.snapshot().ahead_of_sources();
      },
      std::chrono::seconds(60)));
  EXPECT_EQ(old_year.state(), rep::REPORT_STATE_SUBMITTED);
  EXPECT_EQ(old_year.snapshot().content_hash(), before.snapshot().content_hash());
  ASSERT_TRUE(Get("units/002/reports/2013", &new_year).ok());
  EXPECT_EQ(new_year.state(), rep::REPORT_STATE_SUBMITTED);
  EXPECT_EQ(new_year.snapshot().content_hash(), after.snapshot().content_hash());
  EXPECT_TRUE(new_year.snapshot().ahead_of_sources());
}

}  // namespace
}  // namespace chitieu
