// Tests of the API's file types and the name a file answer carries
// (file_types.h).

#include "libs/common/file_types.h"

#include <gtest/gtest.h>

namespace chitieu {
namespace {

TEST(FileTypes, ByFormatAndByExactMediaType) {
  const FileType* csv = FileTypeOfFormat("CSV");
  ASSERT_NE(csv, nullptr);
  EXPECT_EQ(csv->extension, "csv");
  EXPECT_EQ(FileTypeOfMedia("text/csv; charset=utf-8"), csv);
  // The gateway serves exactly what the table says, nothing near it.
  for (const char* other : {"text/csv", "TEXT/CSV; charset=utf-8", "text/html", ""}) {
    EXPECT_EQ(FileTypeOfMedia(other), nullptr) << other;
  }
  EXPECT_EQ(FileTypeOfFormat("UNSPECIFIED"), nullptr);
}

TEST(FileTypes, AFileCarriesItsName) {
  google::api::HttpBody body = FileBody(*FileTypeOfFormat("CSV"), "a,b\r\n", "chỉ-tiêu.csv");
  EXPECT_EQ(body.content_type(), "text/csv; charset=utf-8");
  EXPECT_EQ(body.data(), "a,b\r\n");
  EXPECT_EQ(FileNameOf(body), "chỉ-tiêu.csv");
  EXPECT_EQ(FileNameOf(google::api::HttpBody()), "");
}

}  // namespace
}  // namespace chitieu
