// Retries under injected network failures (tests/support/fault_proxy.h)
// between a client and the registry: the answer held back until the call's
// deadline has expired after the commit, and the connection reset after
// the commit. Each time the client retries with the same request_id and
// must get the write it made — the same resource — and the registry must
// hold it once.

#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <iostream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "chitieu/registry/v1/registry.grpc.pb.h"
#include "services/registry/tax_code.h"
#include "tests/support/fault_proxy.h"
#include "tests/support/service_process.h"
#include "tests/support/wait.h"

namespace chitieu {
namespace {

namespace reg = ::chitieu::registry::v1;
using ::chitieu::testing::FaultProxy;
using ::chitieu::testing::ServiceProcess;

class RetryE2ETest : public ::testing::Test {
 protected:
  void SetUp() override {
    registry_ = std::make_unique<ServiceProcess>("chitieu-registry", dir_.path() + "/registry");
    ASSERT_TRUE(registry_->Start()) << registry_->error();
    ASSERT_EQ(testing::RunTool(
                  "chitieu-seed",
                  {"--registry_addr=" + registry_->address(), "--quota_addr=", "--scenario=false"},
                  dir_.path() + "/seed.log"),
              0);
    for (int s = 777000; code_.empty(); ++s) {
      code_ = registry::MakeEnterpriseCode(1, s);
    }
    reg::CreateEnterpriseRequest e;
    auto* ent = e.mutable_enterprise();
    ent->set_enterprise_code(code_);
    ent->set_display_name("Công ty TNHH Thử lại");
    ent->set_legal_form(type::v1::LEGAL_FORM_MULTI_MEMBER_LLC);
    ent->set_sector(type::v1::SECTOR_NON_STATE);
    ent->set_seat_unit("units/00037");
    ent->set_registration_date("2012-01-01");
    reg::Enterprise out;
    grpc::ClientContext ctx;
    ASSERT_TRUE(Direct()->CreateEnterprise(&ctx, e, &out).ok());
    const int port = std::stoi(registry_->address().substr(registry_->address().rfind(':') + 1));
    proxy_ = std::make_unique<FaultProxy>(port);
    ASSERT_GT(proxy_->port(), 0);
    through_proxy_ = reg::RegistryService::NewStub(
        grpc::CreateChannel(proxy_->address(), grpc::InsecureChannelCredentials()));
  }

  std::unique_ptr<reg::RegistryService::Stub> Direct() {
    return reg::RegistryService::NewStub(registry_->channel());
  }

  reg::CreateAdmissionRequest Admission(const std::string& request_id) {
    reg::CreateAdmissionRequest a;
    a.set_request_id(request_id);
    a.set_parent("enterprises/" + code_);
    a.mutable_admission()->set_admission_date("2013-07-01");
    a.mutable_admission()->set_count(1);
    a.mutable_admission()->set_decision_number(request_id);
    return a;
  }

  grpc::Status Call(const reg::CreateAdmissionRequest& a, std::chrono::milliseconds deadline,
                    reg::Admission* out) {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + deadline);
    return through_proxy_->CreateAdmission(&ctx, a, out);
  }

  // As a client does: the same request again while the answer is
  // UNAVAILABLE (the channel reconnecting), for up to 10 s.
  grpc::Status Retry(const reg::CreateAdmissionRequest& a, reg::Admission* out) {
    grpc::Status s;
    testing::WaitFor(
        [&] {
          s = Call(a, std::chrono::seconds(5), out);
          return s.error_code() != grpc::StatusCode::UNAVAILABLE;
        },
        std::chrono::seconds(10), std::chrono::milliseconds(50));
    return s;
  }

  // The enterprise's admissions, read past the proxy.
  std::vector<reg::Admission> Stored() {
    reg::ListAdmissionsRequest r;
    r.set_parent("enterprises/" + code_);
    r.set_page_size(1000);
    reg::ListAdmissionsResponse out;
    grpc::ClientContext ctx;
    EXPECT_TRUE(Direct()->ListAdmissions(&ctx, r, &out).ok());
    return {out.admissions().begin(), out.admissions().end()};
  }

  // The stored admission whose decision number is `decision` ("" if none).
  static std::string NameOf(const std::vector<reg::Admission>& stored,
                            const std::string& decision) {
    for (const auto& a : stored) {
      if (a.decision_number() == decision) {
        return a.name();
      }
    }
    return "";
  }

  // Waits (bounded) until the registry holds `n` admissions.
  bool WaitStored(size_t n) {
    return testing::WaitFor([&] { return Stored().size() >= n; }, std::chrono::seconds(10),
                            std::chrono::milliseconds(10));
  }

  // A call through the proxy with nothing injected, so that the next call
  // finds its connection made.
  void WarmUp() {
    reg::GetUnitRequest r;
    r.set_name("units/00037");
    reg::Unit out;
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    ASSERT_TRUE(through_proxy_->GetUnit(&ctx, r, &out).ok());
  }

  testing::TempDir dir_;
  std::unique_ptr<ServiceProcess> registry_;
  std::unique_ptr<FaultProxy> proxy_;
  std::unique_ptr<reg::RegistryService::Stub> through_proxy_;
  std::string code_;
};

TEST_F(RetryE2ETest, ARetryAfterTheDeadlineExpiredPastTheCommitWritesNothingMore) {
  constexpr int kRounds = 10;
  for (int i = 0; i < kRounds; ++i) {
    WarmUp();
    const auto request = Admission(absl::StrCat("late-", i));
    proxy_->HoldAnswers(true);
    reg::Admission first;
    EXPECT_EQ(Call(request, std::chrono::milliseconds(400), &first).error_code(),
              grpc::StatusCode::DEADLINE_EXCEEDED);
    ASSERT_TRUE(WaitStored(i + 1)) << "the write did not commit";
    proxy_->HoldAnswers(false);
    reg::Admission retried;
    ASSERT_TRUE(Retry(request, &retried).ok());
    const auto stored = Stored();
    ASSERT_EQ(stored.size(), size_t(i + 1)) << "the retry wrote again";
    EXPECT_EQ(retried.name(), NameOf(stored, request.request_id()));
  }
  std::cout << kRounds << " deadlines expired after the commit, each retried: 0 written twice\n";
}

TEST_F(RetryE2ETest, ARetryAfterAResetPastTheCommitWritesNothingMore) {
  constexpr int kRounds = 10;
  for (int i = 0; i < kRounds; ++i) {
    WarmUp();
    const auto request = Admission(absl::StrCat("reset-", i));
    proxy_->HoldAnswers(true);
    auto first = std::async(std::launch::async, [&] {
      reg::Admission out;
      return Call(request, std::chrono::seconds(20), &out);
    });
    ASSERT_TRUE(WaitStored(i + 1)) << "the write did not commit";
    proxy_->ResetAll();
    const grpc::Status s = first.get();
    EXPECT_FALSE(s.ok());
    EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE) << s.error_message();
    proxy_->HoldAnswers(false);
    reg::Admission retried;
    ASSERT_TRUE(Retry(request, &retried).ok());
    const auto stored = Stored();
    ASSERT_EQ(stored.size(), size_t(i + 1)) << "the retry wrote again";
    EXPECT_EQ(retried.name(), NameOf(stored, request.request_id()));
  }
  std::cout << kRounds << " connections reset after the commit, each retried: 0 written twice\n";
}

}  // namespace
}  // namespace chitieu
