#pragma once

// Protocol buffers on the wire, for the few messages of gRPC's own
// services that Debian ships no C++ code for (grpc.health.v1,
// grpc.reflection.v1alpha): a message's top-level fields read from bytes
// a caller sent, and fields appended to bytes being written.

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace chitieu {

// One top-level field as it came: a varint or length-delimited bytes.
// Fixed-width fields are read past and left out; groups are refused.
struct WireField {
  int number = 0;
  bool length_delimited = false;
  uint64_t varint = 0;
  std::string bytes;
};

// The fields of `message` in their order, or INVALID_ARGUMENT for bytes
// that are not a message (a bad tag, a length past the end, a group) or
// that hold more than `max_fields` fields (read past or not).
absl::StatusOr<std::vector<WireField>> ReadWireFields(absl::string_view message,
                                                      size_t max_fields = 64);

// Appends field `number` as length-delimited bytes (a string, bytes or an
// embedded message already written).
void AppendBytesField(int number, absl::string_view value, std::string* out);

// Appends field `number` as a varint (int32, enum, bool, uint64).
void AppendVarintField(int number, uint64_t value, std::string* out);

// Appends `value` as a bare varint (a tag, a length): onto the end of
// `out` only, however large it is.
void AppendRawVarint(uint64_t value, std::string* out);

}  // namespace chitieu
