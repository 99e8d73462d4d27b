// Reading and writing top-level protobuf fields (wire_fields.h), with
// protobuf's own coded streams.

#include "libs/common/wire_fields.h"

#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "google/protobuf/wire_format_lite.h"

namespace chitieu {

using google::protobuf::internal::WireFormatLite;

absl::StatusOr<std::vector<WireField>> ReadWireFields(absl::string_view message,
                                                      size_t max_fields) {
  google::protobuf::io::CodedInputStream in(reinterpret_cast<const uint8_t*>(message.data()),
                                            static_cast<int>(message.size()));
  std::vector<WireField> fields;
  size_t read = 0;  // Fixed-width ones too, though not kept.
  const auto bad = [] { return absl::InvalidArgumentError("the message cannot be parsed"); };
  while (!in.ExpectAtEnd()) {
    const uint32_t tag = in.ReadTag();
    if (tag == 0) {
      return bad();  // A malformed tag, or a tag of 0, which no message holds.
    }
    if (++read >= max_fields + 1) {
      return absl::InvalidArgumentError("the message has too many fields");
    }
    WireField field;
    field.number = static_cast<int>(WireFormatLite::GetTagFieldNumber(tag));
    if (field.number <= 0) {
      return bad();
    }
    switch (WireFormatLite::GetTagWireType(tag)) {
      case WireFormatLite::WIRETYPE_VARINT:
        if (!in.ReadVarint64(&field.varint)) {
          return bad();
        }
        break;
      case WireFormatLite::WIRETYPE_LENGTH_DELIMITED: {
        uint32_t length = 0;
        if (!in.ReadVarint32(&length) || length > message.size() ||
            !in.ReadString(&field.bytes, static_cast<int>(length))) {
          return bad();
        }
        field.length_delimited = true;
        break;
      }
      case WireFormatLite::WIRETYPE_FIXED64:
        if (!in.Skip(8)) {
          return bad();
        }
        continue;
      case WireFormatLite::WIRETYPE_FIXED32:
        if (!in.Skip(4)) {
          return bad();
        }
        continue;
      default:
        return bad();  // Groups (deprecated) and wire types that do not exist.
    }
    fields.push_back(std::move(field));
  }
  return fields;
}

void AppendBytesField(int number, absl::string_view value, std::string* out) {
  google::protobuf::io::StringOutputStream stream(out);
  google::protobuf::io::CodedOutputStream coded(&stream);
  coded.WriteTag(WireFormatLite::MakeTag(number, WireFormatLite::WIRETYPE_LENGTH_DELIMITED));
  coded.WriteVarint32(static_cast<uint32_t>(value.size()));
  coded.WriteRaw(value.data(), static_cast<int>(value.size()));
}

void AppendRawVarint(uint64_t value, std::string* out) {
  while (value >= 0x80) {
    out->push_back(static_cast<char>((value & 0x7f) | 0x80));
    value >>= 7;
  }
  out->push_back(static_cast<char>(value));
}

void AppendVarintField(int number, uint64_t value, std::string* out) {
  google::protobuf::io::StringOutputStream stream(out);
  google::protobuf::io::CodedOutputStream coded(&stream);
  coded.WriteTag(WireFormatLite::MakeTag(number, WireFormatLite::WIRETYPE_VARINT));
  coded.WriteVarint64(value);
}

}  // namespace chitieu
