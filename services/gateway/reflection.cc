// The gateway's own grpc.reflection.v1alpha service (reflection.h).

#include "services/gateway/reflection.h"

#include "google/protobuf/descriptor.pb.h"
#include "libs/common/wire_fields.h"

namespace chitieu::gateway {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::DescriptorPool;
using google::protobuf::FieldDescriptor;
using google::protobuf::FileDescriptor;

// Field numbers of grpc.reflection.v1alpha's messages.
enum RequestField {
  kHost = 1,
  kFileByFilename = 3,
  kFileContainingSymbol = 4,
  kFileContainingExtension = 5,
  kAllExtensionNumbersOfType = 6,
  kListServices = 7,
};
enum ResponseField {
  kValidHost = 1,
  kOriginalRequest = 2,
  kFileDescriptorResponse = 4,
  kAllExtensionNumbersResponse = 5,
  kListServicesResponse = 6,
  kErrorResponse = 7,
};

// Longest name a request may ask about.
constexpr size_t kMaxName = 1024;

std::string Error(grpc::StatusCode code, absl::string_view message) {
  std::string out;
  AppendVarintField(1, static_cast<uint64_t>(code), &out);
  AppendBytesField(2, message, &out);
  return out;
}

void AddClosure(const FileDescriptor* file, std::map<const FileDescriptor*, std::string>* files) {
  if (files->count(file) > 0) {
    return;
  }
  google::protobuf::FileDescriptorProto proto;
  file->CopyTo(&proto);
  (*files)[file] = proto.SerializeAsString();
  for (int i = 0; i < file->dependency_count(); ++i) {
    AddClosure(file->dependency(i), files);
  }
}

}  // namespace

Reflection::Reflection(std::vector<std::string> services) : services_(std::move(services)) {
  for (const auto& name : services_) {
    if (const auto* s = DescriptorPool::generated_pool()->FindServiceByName(name)) {
      AddClosure(s->file(), &files_);
    }
  }
}

void Reflection::AddFile(const FileDescriptor* file, std::set<const FileDescriptor*>* sent,
                         std::string* out) const {
  if (!sent->insert(file).second) {
    return;
  }
  AppendBytesField(1, files_.at(file), out);
  for (int i = 0; i < file->dependency_count(); ++i) {
    AddFile(file->dependency(i), sent, out);
  }
}

grpc::Status Reflection::Answer(const std::string& request, std::string* response) const {
  auto fields = ReadWireFields(request);
  if (!fields.ok()) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "the request cannot be parsed");
  }
  const auto* pool = DescriptorPool::generated_pool();
  std::string host;
  const WireField* asked = nullptr;  // The oneof's field: the last one set counts.
  for (const auto& f : *fields) {
    if (f.number == kHost && f.length_delimited) {
      host = f.bytes;
    } else if (f.number >= kFileByFilename && f.number <= kListServices && f.length_delimited) {
      asked = &f;
    }
  }
  std::string kind_field;
  int kind = kErrorResponse;
  if (asked == nullptr || asked->bytes.size() > kMaxName) {
    kind_field = Error(grpc::StatusCode::UNIMPLEMENTED, "The provided request is not supported.");
  } else if (asked->number == kListServices) {
    kind = kListServicesResponse;
    for (const auto& name : services_) {
      std::string service;
      AppendBytesField(1, name, &service);
      AppendBytesField(1, service, &kind_field);
    }
  } else if (asked->number == kFileByFilename || asked->number == kFileContainingSymbol) {
    const FileDescriptor* file = asked->number == kFileByFilename
                                     ? pool->FindFileByName(asked->bytes)
                                     : pool->FindFileContainingSymbol(asked->bytes);
    if (Served(file)) {
      kind = kFileDescriptorResponse;
      std::set<const FileDescriptor*> sent;
      AddFile(file, &sent, &kind_field);
    } else {
      kind_field =
          Error(grpc::StatusCode::NOT_FOUND,
                asked->number == kFileByFilename ? "File not found." : "Symbol not found.");
    }
  } else if (asked->number == kFileContainingExtension) {
    // ExtensionRequest {string containing_type = 1; int32 extension_number = 2;}
    std::string type;
    int64_t number = -1;
    if (auto ext = ReadWireFields(asked->bytes); ext.ok()) {
      for (const auto& f : *ext) {
        if (f.number == 1 && f.length_delimited) {
          type = f.bytes;
        } else if (f.number == 2 && !f.length_delimited) {
          number = static_cast<int32_t>(f.varint);
        }
      }
    }
    const Descriptor* message = pool->FindMessageTypeByName(type);
    const FieldDescriptor* extension =
        Served(message == nullptr ? nullptr : message->file()) && number > 0
            ? pool->FindExtensionByNumber(message, static_cast<int>(number))
            : nullptr;
    if (extension != nullptr && Served(extension->file())) {
      kind = kFileDescriptorResponse;
      std::set<const FileDescriptor*> sent;
      AddFile(extension->file(), &sent, &kind_field);
    } else {
      kind_field = Error(grpc::StatusCode::NOT_FOUND, "Extension not found.");
    }
  } else if (asked->number == kAllExtensionNumbersOfType) {
    const Descriptor* message = pool->FindMessageTypeByName(asked->bytes);
    if (message != nullptr && Served(message->file())) {
      kind = kAllExtensionNumbersResponse;
      AppendBytesField(1, message->full_name(), &kind_field);
      std::vector<const FieldDescriptor*> extensions;
      pool->FindAllExtensions(message, &extensions);
      for (const auto* e : extensions) {
        if (Served(e->file())) {
          AppendVarintField(2, static_cast<uint64_t>(e->number()), &kind_field);
        }
      }
    } else {
      kind_field = Error(grpc::StatusCode::NOT_FOUND, "Type not found.");
    }
  } else {
    kind_field = Error(grpc::StatusCode::UNIMPLEMENTED, "The provided request is not supported.");
  }
  response->clear();
  AppendBytesField(kValidHost, host, response);
  AppendBytesField(kOriginalRequest, request, response);
  AppendBytesField(kind, kind_field, response);
  return grpc::Status::OK;
}

std::map<std::string, LocalMethod> Reflection::Methods() const {
  LocalMethod info;
  info.kind = LocalMethod::kEachMessage;
  // A request is a name (kMaxName) and a host.
  info.max_request_bytes = 4096;
  info.answer = [this](grpc::ServerContextBase*, const std::string& request,
                       std::string* response) { return Answer(request, response); };
  return {{"/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo", std::move(info)}};
}

}  // namespace chitieu::gateway
