// Service tests: the quota handlers on an in-process server through a real
// stub; the principal travels in metadata.

#include "services/quota/quota_service.h"

#include <gtest/gtest.h>

#include "absl/cleanup/cleanup.h"
#include "libs/common/handler.h"
#include "libs/common/principal.h"
#include "libs/common/worker_pool.h"
#include "services/quota/quota_store_sql.h"
#include "tests/support/fake_registry_lookup.h"
#include "tests/support/postgres.h"

namespace chitieu::quota {

namespace {

// On both backends: SQLite and PostgreSQL.
class QuotaServiceTest : public ::testing::TestWithParam<std::string> {};

TEST_P(QuotaServiceTest, RevisionRecordsThePrincipalAndFeedStreams) {
  ChangeNotifier notifier;
  auto opened = SqlQuotaStore::Open(testing::TestStoreLocation(GetParam(), "quota_svc"), &notifier);
  ASSERT_TRUE(opened.ok()) << opened.status();
  auto store = std::move(*opened);
  FakeRegistryLookup units;
  units.AddUnit("01", "");
  units.AddUnit("002", "01");
  Quota quota(store.get(), &units, [] { return absl::CivilDay(2013, 3, 1); });
  QuotaService service(&quota, store.get(), &notifier);
  // Handlers on a pool, as RunServer runs them (libs/common/handler.h).
  WorkerPool handlers(2);
  SetHandlerPool(&handlers);
  auto unset = absl::MakeCleanup([] { SetHandlerPool(nullptr); });
  grpc::ServerBuilder builder;
  builder.RegisterService(&service);
  auto server = builder.BuildAndStart();
  auto stub = pb::QuotaService::NewStub(server->InProcessChannel(grpc::ChannelArguments()));

  pb::CreateTargetRequest create;
  create.set_parent("units/002");
  create.mutable_target()->set_year(2013);
  create.mutable_target()->set_indicator(type::v1::INDICATOR_NEW_YOUTH_UNIONS);
  create.mutable_target()->set_assigner("units/01");
  create.mutable_target()->set_assignee("units/002");
  create.mutable_target()->set_value(5);
  pb::Target target;
  grpc::ClientContext c1;
  ASSERT_TRUE(stub->CreateTarget(&c1, create, &target).ok());

  pb::UpdateTargetRequest update;
  *update.mutable_target() = target;
  update.mutable_target()->set_value(6);
  update.set_reason("bổ sung");
  grpc::ClientContext c2;
  c2.AddMetadata(kPrincipalMetadata, "user:nguyen.van.a");
  ASSERT_TRUE(stub->UpdateTarget(&c2, update, &target).ok());

  pb::ListTargetRevisionsRequest history;
  history.set_parent(target.name());
  pb::ListTargetRevisionsResponse revisions;
  grpc::ClientContext c3;
  ASSERT_TRUE(stub->ListTargetRevisions(&c3, history, &revisions).ok());
  ASSERT_EQ(revisions.revisions_size(), 1);
  EXPECT_EQ(revisions.revisions(0).revised_by(), "user:nguyen.van.a");

  pb::StreamChangesRequest feed;
  feed.set_no_follow(true);
  grpc::ClientContext c4;
  auto reader = stub->StreamChanges(&c4, feed);
  std::vector<int64_t> sequences;
  pb::StreamChangesResponse change;
  while (reader->Read(&change)) {
    sequences.push_back(change.sequence());
  }
  EXPECT_TRUE(reader->Finish().ok());
  EXPECT_EQ(sequences, (std::vector<int64_t>{1, 2}));

  pb::CreateTargetRequest bad = create;
  bad.mutable_target()->set_value(-3);
  grpc::ClientContext c5;
  EXPECT_EQ(stub->CreateTarget(&c5, bad, &target).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  notifier.Shutdown();
  server->Shutdown();
}

INSTANTIATE_TEST_SUITE_P(Backends, QuotaServiceTest, ::testing::Values("sqlite", "postgres"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace chitieu::quota
