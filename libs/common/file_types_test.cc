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

TEST(FileTypes, ASafeNameIsABaseNameOfItsOwnType) {
  const FileType& csv = *FileTypeOfFormat("CSV");
  EXPECT_EQ(SafeFileName("chi-tieu-002-2013.csv", csv), "chi-tieu-002-2013.csv");
  EXPECT_EQ(SafeFileName("chỉ tiêu (2013).csv", csv), "chỉ tiêu (2013).csv");
  for (const std::string name :
       {std::string(""), std::string(".csv"), std::string("../x.csv"), std::string("/etc/x.csv"),
        std::string("a\\b.csv"), std::string("x.html"), std::string("x.csv.exe"),
        std::string("Makefile\0.csv", 13), std::string("a\r\nb.csv"), std::string("\xC3\x28.csv"),
        std::string("a\xC2\x85.csv"), std::string("a\xE2\x80\xAEvsc.exe.csv"),
        std::string(250, 'a') + ".csv"}) {
    EXPECT_EQ(SafeFileName(name, csv), "download.csv") << name;
  }
}

}  // namespace
}  // namespace chitieu
