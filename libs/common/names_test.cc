// Tests of resource-name parsing.

#include "libs/common/names.h"

#include <gtest/gtest.h>

namespace chitieu {
namespace {

TEST(ParseName, ExtractsIds) {
  auto ids = ParseName("enterprises/{e}/organizations/{o}",
                       "enterprises/0100233488/organizations/7", "name");
  ASSERT_TRUE(ids.ok());
  EXPECT_EQ((*ids)[0], "0100233488");
  EXPECT_EQ((*ids)[1], "7");
  EXPECT_EQ(*ParseSingleName("units", "units/002", "unit"), "002");
}

TEST(ParseName, RefusesOddNames) {
  for (const char* bad : {"", "units", "units/", "units/002/x", "unit/002", "units/0 2",
                          "units/../01", "units/%30", "/units/002", "units/ĐĐ"}) {
    auto id = ParseSingleName("units", bad, "unit");
    ASSERT_FALSE(id.ok()) << bad;
    EXPECT_EQ(id.status().code(), absl::StatusCode::kInvalidArgument);
  }
}

}  // namespace
}  // namespace chitieu
