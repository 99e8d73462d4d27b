// Tests of the metrics page's number format.

#include "libs/common/metrics.h"

#include <gtest/gtest.h>

#include <cmath>

namespace chitieu {
namespace {

TEST(FormatSampleValue, WholeNumbersKeepEveryDigit) {
  EXPECT_EQ(FormatSampleValue(2999999), "2999999");
  EXPECT_EQ(FormatSampleValue(0), "0");
  EXPECT_EQ(FormatSampleValue(-12), "-12");
  EXPECT_EQ(FormatSampleValue(1e15), "1000000000000000");
}

TEST(FormatSampleValue, FractionsAndSpecialValuesRoundTrip) {
  EXPECT_EQ(std::stod(FormatSampleValue(34.150123456789)), 34.150123456789);
  EXPECT_EQ(FormatSampleValue(0.5), "0.5");
  EXPECT_EQ(FormatSampleValue(1e300), "1.0000000000000001e+300");
  EXPECT_EQ(FormatSampleValue(std::nan("")), "NaN");
  EXPECT_EQ(FormatSampleValue(-INFINITY), "-Inf");
}

TEST(Metrics, AGaugeOverAMillionIsWrittenWhole) {
  Metrics metrics;
  metrics.AddGauge("chitieu_test_position", "A position.", [] {
    return Metrics::GaugeSamples{{R"(source="registry")", 2999999.0}};
  });
  EXPECT_NE(metrics.Render().find(R"(chitieu_test_position{source="registry"} 2999999)"),
            std::string::npos)
      << metrics.Render();
}

}  // namespace
}  // namespace chitieu
