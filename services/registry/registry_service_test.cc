// Service tests: the gRPC handlers on an in-process server, called through
// a real stub, over an in-memory store.

#include "services/registry/registry_service.h"

#include <gtest/gtest.h>

#include <thread>

#include "google/protobuf/unknown_field_set.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "libs/common/handler.h"
#include "libs/common/worker_pool.h"
#include "services/registry/registry_store_sql.h"
#include "services/registry/tax_code.h"
#include "tests/support/postgres.h"

namespace chitieu::registry {
namespace {

// On both backends: SQLite and PostgreSQL.
class RegistryServiceTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    auto opened =
        SqlRegistryStore::Open(testing::TestStoreLocation(GetParam(), "registry_svc"), &notifier_);
    ASSERT_TRUE(opened.ok()) << opened.status();
    store_ = std::move(*opened);
    registry_ =
        std::make_unique<Registry>(store_.get(), [] { return absl::CivilDay(2014, 1, 13); });
    service_ = std::make_unique<RegistryService>(registry_.get(), store_.get(), &notifier_);
    // Handlers on a pool, as RunServer runs them (libs/common/handler.h).
    SetHandlerPool(&handlers_);
    grpc::ServerBuilder builder;
    builder.RegisterService(service_.get());
    server_ = builder.BuildAndStart();
    stub_ = pb::RegistryService::NewStub(server_->InProcessChannel(grpc::ChannelArguments()));
    pb::CreateUnitRequest r;
    r.mutable_unit()->set_name("units/01");
    r.mutable_unit()->set_display_name("Hà Nội");
    r.mutable_unit()->set_level(pb::UNIT_LEVEL_PROVINCE);
    r.mutable_unit()->set_open_date("2008-08-01");
    pb::Unit u;
    grpc::ClientContext ctx;
    ASSERT_TRUE(stub_->CreateUnit(&ctx, r, &u).ok());
  }

  void TearDown() override {
    notifier_.Shutdown();
    server_->Shutdown();
    SetHandlerPool(nullptr);
    handlers_.Stop();
  }

  pb::Enterprise Enterprise(int seq) {
    pb::Enterprise e;
    e.set_enterprise_code(MakeEnterpriseCode(1, seq));
    e.set_display_name("DN " + std::to_string(seq));
    e.set_legal_form(type::v1::LEGAL_FORM_PRIVATE_ENTERPRISE);
    e.set_sector(type::v1::SECTOR_NON_STATE);
    e.set_seat_unit("units/01");
    e.set_registration_date("2012-01-01");
    return e;
  }

  WorkerPool handlers_{4};
  ChangeNotifier notifier_;
  std::unique_ptr<SqlRegistryStore> store_;
  std::unique_ptr<Registry> registry_;
  std::unique_ptr<RegistryService> service_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<pb::RegistryService::Stub> stub_;
};

TEST_P(RegistryServiceTest, ErrorsCarryGoogleRpcDetails) {
  pb::CreateEnterpriseRequest r;
  *r.mutable_enterprise() = Enterprise(1);
  r.mutable_enterprise()->set_registration_date("13/01/2014");
  pb::Enterprise out;
  grpc::ClientContext ctx;
  grpc::Status s = stub_->CreateEnterprise(&ctx, r, &out);
  ASSERT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  google::rpc::Status rpc;
  ASSERT_TRUE(rpc.ParseFromString(s.error_details()));
  google::rpc::BadRequest bad;
  ASSERT_TRUE(rpc.details(0).UnpackTo(&bad));
  EXPECT_EQ(bad.field_violations(0).field(), "enterprise.registration_date");
}

TEST_P(RegistryServiceTest, NotFoundAndAlreadyExists) {
  pb::GetEnterpriseRequest get;
  get.set_name("enterprises/0100233488");
  pb::Enterprise out;
  grpc::ClientContext c1;
  EXPECT_EQ(stub_->GetEnterprise(&c1, get, &out).error_code(), grpc::StatusCode::NOT_FOUND);
  pb::CreateEnterpriseRequest r;
  *r.mutable_enterprise() = Enterprise(23348);
  grpc::ClientContext c2, c3;
  EXPECT_TRUE(stub_->CreateEnterprise(&c2, r, &out).ok());
  EXPECT_EQ(stub_->CreateEnterprise(&c3, r, &out).error_code(), grpc::StatusCode::ALREADY_EXISTS);
}

TEST_P(RegistryServiceTest, ImportStreamsBatches) {
  grpc::ClientContext ctx;
  pb::ImportEnterprisesResponse summary;
  auto writer = stub_->ImportEnterprises(&ctx, &summary);
  pb::ImportEnterprisesRequest batch;
  for (int seq = 1; seq <= 30; ++seq) {
    if (MakeEnterpriseCode(1, seq).empty()) {
      continue;
    }
    *batch.add_enterprises() = Enterprise(seq);
  }
  const int good = batch.enterprises_size();
  batch.add_enterprises()->set_enterprise_code("junk");
  ASSERT_TRUE(writer->Write(batch));
  writer->WritesDone();
  ASSERT_TRUE(writer->Finish().ok());
  EXPECT_EQ(summary.created(), good);
  EXPECT_EQ(summary.rejected(), 1);
  EXPECT_EQ(summary.results(summary.results_size() - 1).outcome(), pb::IMPORT_OUTCOME_REJECTED);
}

TEST_P(RegistryServiceTest, FeedFollowsLiveAndRefusesNegativeCursor) {
  pb::StreamChangesRequest r;
  r.set_after_sequence(1);  // Skip the unit.
  grpc::ClientContext ctx;
  auto reader = stub_->StreamChanges(&ctx, r);
  std::thread writer([&] {
    pb::CreateEnterpriseRequest c;
    *c.mutable_enterprise() = Enterprise(23348);
    pb::Enterprise out;
    grpc::ClientContext wctx;
    EXPECT_TRUE(stub_->CreateEnterprise(&wctx, c, &out).ok());
  });
  pb::StreamChangesResponse change;
  ASSERT_TRUE(reader->Read(&change));
  writer.join();
  EXPECT_EQ(change.sequence(), 2);
  EXPECT_EQ(change.enterprise().name(), "enterprises/0100233488");
  ctx.TryCancel();
  EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::CANCELLED);

  r.set_after_sequence(-1);
  grpc::ClientContext bad;
  auto refused = stub_->StreamChanges(&bad, r);
  EXPECT_FALSE(refused->Read(&change));
  EXPECT_EQ(refused->Finish().error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

// StreamChangeBatches: the changes StreamChanges sends, in order, several
// to a message and never more than a message may hold; then live.
TEST_P(RegistryServiceTest, FeedBatchesCarryTheSameChangesInOrder) {
  grpc::ClientContext import_ctx;
  pb::ImportEnterprisesResponse summary;
  auto writer = stub_->ImportEnterprises(&import_ctx, &summary);
  pb::ImportEnterprisesRequest batch;
  int seq = 1;
  for (; batch.enterprises_size() < 2300; ++seq) {
    if (!MakeEnterpriseCode(1, seq).empty()) {
      *batch.add_enterprises() = Enterprise(seq);
    }
  }
  while (MakeEnterpriseCode(1, seq).empty()) {
    ++seq;  // The live change's enterprise.
  }
  ASSERT_TRUE(writer->Write(batch));
  writer->WritesDone();
  ASSERT_TRUE(writer->Finish().ok());
  ASSERT_EQ(summary.created(), 2300);

  std::vector<std::string> one_by_one;
  {
    pb::StreamChangesRequest r;
    r.set_after_sequence(1);
    r.set_no_follow(true);
    grpc::ClientContext ctx;
    auto reader = stub_->StreamChanges(&ctx, r);
    pb::StreamChangesResponse change;
    while (reader->Read(&change)) {
      one_by_one.push_back(change.SerializeAsString());
    }
    ASSERT_TRUE(reader->Finish().ok());
  }
  ASSERT_EQ(one_by_one.size(), 2300u);

  pb::StreamChangeBatchesRequest r;
  r.set_after_sequence(1);
  grpc::ClientContext ctx;
  auto reader = stub_->StreamChangeBatches(&ctx, r);
  std::vector<std::string> batched;
  int messages = 0;
  pb::StreamChangeBatchesResponse message;
  while (batched.size() < one_by_one.size() && reader->Read(&message)) {
    ++messages;
    EXPECT_GE(message.changes_size(), 1);
    EXPECT_LE(message.changes_size(), 1000);
    for (const auto& change : message.changes()) {
      batched.push_back(change.SerializeAsString());
    }
  }
  EXPECT_EQ(batched, one_by_one);
  EXPECT_GE(messages, 3);
  EXPECT_LT(messages, 20);
  // Following live: a change committed after the replay comes next.
  std::thread live([&] {
    pb::CreateEnterpriseRequest c;
    *c.mutable_enterprise() = Enterprise(seq);
    pb::Enterprise out;
    grpc::ClientContext wctx;
    EXPECT_TRUE(stub_->CreateEnterprise(&wctx, c, &out).ok());
  });
  ASSERT_TRUE(reader->Read(&message));
  live.join();
  ASSERT_EQ(message.changes_size(), 1);
  EXPECT_EQ(message.changes(0).sequence(), 2302);
  EXPECT_EQ(message.changes(0).enterprise().enterprise_code(), MakeEnterpriseCode(1, seq));
  ctx.TryCancel();
  EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::CANCELLED);

  r.set_after_sequence(-1);
  grpc::ClientContext bad;
  auto refused = stub_->StreamChangeBatches(&bad, r);
  EXPECT_FALSE(refused->Read(&message));
  EXPECT_EQ(refused->Finish().error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  // The method reads its request as bytes: more than a feed request can be
  // (an unknown field of 2 KB) is refused before anything is read.
  r.set_after_sequence(1);
  r.GetReflection()->MutableUnknownFields(&r)->AddLengthDelimited(99, std::string(2000, 'x'));
  grpc::ClientContext large;
  auto too_large = stub_->StreamChangeBatches(&large, r);
  EXPECT_FALSE(too_large->Read(&message));
  EXPECT_EQ(too_large->Finish().error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

INSTANTIATE_TEST_SUITE_P(Backends, RegistryServiceTest, ::testing::Values("sqlite", "postgres"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace chitieu::registry
