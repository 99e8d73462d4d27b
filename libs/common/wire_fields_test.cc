// Tests of the wire reader and writer (wire_fields.h) and of grpc.health.v1's
// messages built on them (health_wire.h), hostile bytes first.

#include "libs/common/wire_fields.h"

#include <gtest/gtest.h>

#include <string>

#include "absl/strings/escaping.h"
#include "libs/common/health_wire.h"

namespace chitieu {
namespace {

TEST(WireFields, WrittenFieldsReadBack) {
  std::string m;
  AppendBytesField(1, "tên đơn vị", &m);
  AppendVarintField(2, 300, &m);
  AppendBytesField(7, "", &m);
  auto fields = ReadWireFields(m);
  ASSERT_TRUE(fields.ok()) << fields.status();
  ASSERT_EQ(fields->size(), 3u);
  EXPECT_EQ((*fields)[0].number, 1);
  EXPECT_TRUE((*fields)[0].length_delimited);
  EXPECT_EQ((*fields)[0].bytes, "tên đơn vị");
  EXPECT_EQ((*fields)[1].varint, 300u);
  EXPECT_FALSE((*fields)[1].length_delimited);
  EXPECT_EQ((*fields)[2].number, 7);
  EXPECT_TRUE((*fields)[2].bytes.empty());
  EXPECT_TRUE(ReadWireFields("")->empty());
}

TEST(WireFields, BytesThatAreNoMessageAreRefused) {
  // A length past the end, a tag of 0, a truncated varint, a group, a
  // wire type that does not exist, field number 0.
  for (const std::string& bad :
       {std::string("\x0a\x05"
                    "ab",
                    4),
        std::string("\x00\x01", 2), std::string("\x08\xff", 2), std::string("\x0b\x0c", 2),
        std::string("\x0e\x01", 2), std::string("\x02\x00", 2),
        std::string("\x0a\xff\xff\xff\xff\x0f", 6)}) {
    EXPECT_EQ(ReadWireFields(bad).status().code(), absl::StatusCode::kInvalidArgument)
        << absl::CHexEscape(bad);
  }
  // Fixed-width fields are read past.
  auto fields = ReadWireFields(std::string("\x0d\x01\x02\x03\x04\x10\x05", 7));
  ASSERT_TRUE(fields.ok());
  ASSERT_EQ(fields->size(), 1u);
  EXPECT_EQ((*fields)[0].number, 2);
  // A message of many empty fields is refused past the bound.
  std::string many;
  for (int i = 0; i < 100; ++i) {
    AppendVarintField(1, 1, &many);
  }
  EXPECT_FALSE(ReadWireFields(many, 64).ok());
  EXPECT_TRUE(ReadWireFields(many, 100).ok());
  // Fields read past count too.
  std::string fixed;
  for (int i = 0; i < 100; ++i) {
    fixed += std::string("\x0d\x01\x02\x03\x04", 5);
  }
  EXPECT_FALSE(ReadWireFields(fixed, 64).ok());
}

TEST(HealthWire, RequestsAndResponsesRoundTrip) {
  EXPECT_EQ(*DecodeHealthCheckRequest(EncodeHealthCheckRequest("")), "");
  EXPECT_EQ(*DecodeHealthCheckRequest(EncodeHealthCheckRequest("chitieu.quota.v1.QuotaService")),
            "chitieu.quota.v1.QuotaService");
  // As gRPC's own clients write them.
  EXPECT_EQ(EncodeHealthCheckResponse(ServingStatus::kServing), std::string("\x08\x01", 2));
  EXPECT_EQ(*DecodeHealthCheckResponse(std::string("\x08\x02", 2)), ServingStatus::kNotServing);
  EXPECT_EQ(*DecodeHealthCheckResponse(""), ServingStatus::kUnknown);
  EXPECT_FALSE(DecodeHealthCheckResponse(std::string("\x08\x09", 2)).ok());
  EXPECT_FALSE(DecodeHealthCheckRequest(std::string("\x08\x01", 2)).ok());
  EXPECT_FALSE(DecodeHealthCheckRequest(EncodeHealthCheckRequest(std::string(201, 'x'))).ok());
}

}  // namespace
}  // namespace chitieu
