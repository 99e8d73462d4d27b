// The protos' leading comments, from the embedded descriptor set
// (proto_comments.h).

#include "services/gateway/proto_comments.h"

#include <initializer_list>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "google/protobuf/descriptor.pb.h"

// The descriptor set with source info (proto/CMakeLists.txt embeds it).
extern const unsigned char kChitieuSourceInfo[];
extern const std::size_t kChitieuSourceInfo_size;

namespace chitieu::gateway {
namespace {

using google::protobuf::DescriptorProto;
using google::protobuf::EnumDescriptorProto;
using Path = std::vector<int>;
using CommentsAt = std::map<Path, std::string>;

Path Extend(Path path, std::initializer_list<int> more) {
  path.insert(path.end(), more);
  return path;
}

// " a\n b\n\n c\n", as protoc hands "// a\n// b\n//\n// c" over → "a b\n\nc".
std::string Paragraphs(const std::string& comment) {
  std::vector<std::string> paragraphs;
  std::string current;
  for (absl::string_view line : absl::StrSplit(comment, '\n')) {
    line = absl::StripAsciiWhitespace(line);
    if (line.empty()) {
      if (!current.empty()) {
        paragraphs.push_back(std::move(current));
        current.clear();
      }
      continue;
    }
    absl::StrAppend(&current, current.empty() ? "" : " ", line);
  }
  if (!current.empty()) {
    paragraphs.push_back(std::move(current));
  }
  return absl::StrJoin(paragraphs, "\n\n");
}

void Add(const std::string& name, const Path& path, const CommentsAt& at,
         std::map<std::string, std::string>& out) {
  if (auto it = at.find(path); it != at.end()) {
    out[name] = Paragraphs(it->second);
  }
}

// The paths of SourceCodeInfo: a file's message_type is field 4, enum_type
// 5, service 6; a message's field 2, nested_type 3, enum_type 4; a
// service's method 2.
void AddEnum(const EnumDescriptorProto& e, const std::string& scope, const Path& path,
             const CommentsAt& at, std::map<std::string, std::string>& out) {
  Add(absl::StrCat(scope, ".", e.name()), path, at, out);
}

void AddMessage(const DescriptorProto& message, const std::string& scope, const Path& path,
                const CommentsAt& at, std::map<std::string, std::string>& out) {
  const std::string name = absl::StrCat(scope, ".", message.name());
  Add(name, path, at, out);
  for (int i = 0; i < message.field_size(); ++i) {
    Add(absl::StrCat(name, ".", message.field(i).name()), Extend(path, {2, i}), at, out);
  }
  for (int i = 0; i < message.nested_type_size(); ++i) {
    AddMessage(message.nested_type(i), name, Extend(path, {3, i}), at, out);
  }
  for (int i = 0; i < message.enum_type_size(); ++i) {
    AddEnum(message.enum_type(i), name, Extend(path, {4, i}), at, out);
  }
}

}  // namespace

const ProtoComments& ProtoComments::Get() {
  static const ProtoComments* kComments = new ProtoComments();
  return *kComments;
}

std::string ProtoComments::Of(const std::string& full_name) const {
  auto it = by_name_.find(full_name);
  return it == by_name_.end() ? "" : it->second;
}

ProtoComments::ProtoComments() {
  google::protobuf::FileDescriptorSet set;
  if (!set.ParseFromArray(kChitieuSourceInfo, static_cast<int>(kChitieuSourceInfo_size))) {
    return;  // Only if the build embedded something else: no comments then.
  }
  for (const auto& file : set.file()) {
    CommentsAt at;
    for (const auto& location : file.source_code_info().location()) {
      if (!location.leading_comments().empty()) {
        at[Path(location.path().begin(), location.path().end())] = location.leading_comments();
      }
    }
    const std::string& package = file.package();
    for (int i = 0; i < file.message_type_size(); ++i) {
      AddMessage(file.message_type(i), package, {4, i}, at, by_name_);
    }
    for (int i = 0; i < file.enum_type_size(); ++i) {
      AddEnum(file.enum_type(i), package, {5, i}, at, by_name_);
    }
    for (int i = 0; i < file.service_size(); ++i) {
      const std::string service = absl::StrCat(package, ".", file.service(i).name());
      Add(service, {6, i}, at, by_name_);
      for (int m = 0; m < file.service(i).method_size(); ++m) {
        Add(absl::StrCat(service, ".", file.service(i).method(m).name()), {6, i, 2, m}, at,
            by_name_);
      }
    }
  }
}

}  // namespace chitieu::gateway
