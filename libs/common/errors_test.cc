// Tests of the rich errors and of their way through ToGrpcStatus and back.

#include "libs/common/errors.h"

#include <gtest/gtest.h>

#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "libs/common/grpc_status.h"

namespace chitieu {
namespace {

TEST(FieldViolations, EmptyIsOk) { EXPECT_TRUE(FieldViolations().ToStatus().ok()); }

TEST(FieldViolations, CarriesEveryViolation) {
  FieldViolations v;
  v.Add("a.b", "is required");
  v.Add("c", "must not be negative");
  absl::Status s = v.ToStatus();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  auto got = GetFieldViolations(s);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[1].first, "c");
}

TEST(GrpcStatus, DetailsTravelAsGoogleRpcStatus) {
  absl::Status s =
      WithReason(InvalidField("enterprise.enterprise_code", "has a wrong check digit"), "BAD_CODE");
  grpc::Status g = ToGrpcStatus(s);
  EXPECT_EQ(g.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  google::rpc::Status rpc;
  ASSERT_TRUE(rpc.ParseFromString(g.error_details()));
  EXPECT_EQ(rpc.code(), 3);
  ASSERT_EQ(rpc.details_size(), 2);
  absl::Status back = FromGrpcStatus(g);
  EXPECT_EQ(back.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(GetReason(back), "BAD_CODE");
  EXPECT_EQ(GetFieldViolations(back).at(0).first, "enterprise.enterprise_code");
}

TEST(GrpcStatus, InternalDetailsNeverLeak) {
  grpc::Status g = ToGrpcStatus(absl::InternalError("sqlite step: disk I/O error at /var/x"));
  EXPECT_EQ(g.error_code(), grpc::StatusCode::INTERNAL);
  EXPECT_EQ(g.error_message(), "internal error");
  EXPECT_TRUE(g.error_details().empty());
}

// What a caller may read of a status carried inside an answer's body (a
// batch's per-item results): the same as ToGrpcStatus sends.
TEST(CallerMessage, HidesOurFailuresOnly) {
  for (const absl::Status& ours :
       {absl::InternalError("INSERT INTO requests: duplicate key (request_id)=(x)"),
        absl::UnknownError("what"), absl::DataLossError("stored response cannot be parsed")}) {
    EXPECT_TRUE(IsInternalFailure(ours));
    EXPECT_EQ(CallerMessage(ours), "internal error");
    EXPECT_EQ(ToGrpcStatus(ours).error_message(), CallerMessage(ours));
  }
  const absl::Status theirs = absl::FailedPreconditionError("the report is not submitted");
  EXPECT_FALSE(IsInternalFailure(theirs));
  EXPECT_EQ(CallerMessage(theirs), "the report is not submitted");
}

TEST(GrpcStatus, CodesShareNumbers) {
  EXPECT_EQ(ToGrpcStatus(absl::AbortedError("x")).error_code(), grpc::StatusCode::ABORTED);
  EXPECT_EQ(ToGrpcStatus(absl::UnavailableError("x")).error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_TRUE(ToGrpcStatus(absl::OkStatus()).ok());
}

TEST(EscapeInvalidUtf8, KeepsUtf8AndEscapesTheRest) {
  EXPECT_EQ(EscapeInvalidUtf8("Quận Hoàn Kiếm 𝄞"), "Quận Hoàn Kiếm 𝄞");
  EXPECT_EQ(EscapeInvalidUtf8("a\xff\xfe"), "a\\xff\\xfe");
  EXPECT_EQ(EscapeInvalidUtf8("\xc3"), "\\xc3");                    // Truncated sequence.
  EXPECT_EQ(EscapeInvalidUtf8("\xc0\xaf"), "\\xc0\\xaf");           // Overlong "/".
  EXPECT_EQ(EscapeInvalidUtf8("\xed\xa0\x80"), "\\xed\\xa0\\x80");  // A surrogate.
  // A description quoting the caller's bytes still makes a valid BadRequest.
  const auto v = GetFieldViolations(InvalidField("display_name", "cannot be \"\xff\""));
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].second, "cannot be \"\\xff\"");
}

}  // namespace
}  // namespace chitieu
