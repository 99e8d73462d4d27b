// Tests of tax-code checks.

#include "services/registry/tax_code.h"

#include <gtest/gtest.h>

#include "libs/common/errors.h"

namespace chitieu::registry {
namespace {

TEST(TaxCode, DomainExamples) {
  EXPECT_TRUE(ValidateEnterpriseCode("0100233488", "c").ok());
  EXPECT_EQ(ValidateEnterpriseCode("0100233480", "c").code(), absl::StatusCode::kInvalidArgument);
}

TEST(TaxCode, Branches) {
  EXPECT_TRUE(ValidateEnterpriseCode("0100233488-002", "c").ok());
  EXPECT_FALSE(ValidateEnterpriseCode("0100233488-000", "c").ok());
  EXPECT_FALSE(ValidateEnterpriseCode("0100233480-002", "c").ok());
  EXPECT_FALSE(ValidateEnterpriseCode("0100233488-02", "c").ok());
  EXPECT_FALSE(ValidateEnterpriseCode("0100233488_002", "c").ok());
}

TEST(TaxCode, Shape) {
  for (const char* bad :
       {"", "010023348", "01002334888", "01002334a8", "0100000000", " 100233488", "0100233488 "}) {
    absl::Status s = ValidateEnterpriseCode(bad, "enterprise.enterprise_code");
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_EQ(GetFieldViolations(s).at(0).first, "enterprise.enterprise_code");
  }
}

TEST(TaxCode, CheckDigitTenOrElevenIsNeverIssued) {
  // Find a 9-digit prefix whose check would be 10 (weighted sum ≡ 0 mod 11):
  // no 10th digit makes it valid.
  static constexpr int kWeights[9] = {31, 29, 23, 19, 17, 13, 7, 5, 3};
  for (int seq = 1; seq < 2000; ++seq) {
    char prefix[10];
    snprintf(prefix, sizeof(prefix), "01%07d", seq);
    int sum = 0;
    for (int i = 0; i < 9; ++i) {
      sum += (prefix[i] - '0') * kWeights[i];
    }
    if (sum % 11 != 0) {
      continue;
    }
    for (char d = '0'; d <= '9'; ++d) {
      EXPECT_FALSE(ValidateEnterpriseCode(std::string(prefix) + d, "c").ok());
    }
    return;
  }
  FAIL() << "no prefix found";
}

TEST(TaxCode, MadeCodesAreValid) {
  EXPECT_EQ(MakeEnterpriseCode(1, 23348), "0100233488");
  int made = 0;
  for (int seq = 1; seq <= 500; ++seq) {
    std::string code = MakeEnterpriseCode(1, seq);
    if (code.empty()) {
      continue;
    }
    EXPECT_TRUE(ValidateEnterpriseCode(code, "c").ok()) << code;
    ++made;
  }
  // About 9 in 11 sequences are issuable.
  EXPECT_GT(made, 380);
}

}  // namespace
}  // namespace chitieu::registry
