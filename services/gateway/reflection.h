#pragma once

// grpc.reflection.v1alpha.ServerReflection, answered by the gateway itself
// on its relay (local_call.h) rather than by gRPC's reflection plugin, a
// synchronous service whose threads would read the relay's connections.
// It lists the services the gateway serves and gives the files that
// define them and what those import — nothing else of the descriptors
// linked into the process. The messages are read and written on the wire
// (wire_fields.h): Debian ships the reflection proto's code only inside
// gRPC's plugin.

#include <map>
#include <set>
#include <string>
#include <vector>

#include "google/protobuf/descriptor.h"
#include "services/gateway/local_call.h"

namespace chitieu::gateway {

class Reflection {
 public:
  // `services`: full names, each in the generated descriptor pool (a name
  // not there is listed but gives no file: list only what is there).
  explicit Reflection(std::vector<std::string> services);

  // The ServerReflectionResponse to one ServerReflectionRequest. A request
  // for what is not served is answered with an error_response inside, as
  // gRPC's own service does; bytes that are not a request INVALID_ARGUMENT.
  grpc::Status Answer(const std::string& request, std::string* response) const;

  // ServerReflectionInfo: a response to each request of the stream.
  std::map<std::string, LocalMethod> Methods() const;

 private:
  // The file and those it imports, each once, into a FileDescriptorResponse.
  void AddFile(const google::protobuf::FileDescriptor* file,
               std::set<const google::protobuf::FileDescriptor*>* sent, std::string* out) const;
  bool Served(const google::protobuf::FileDescriptor* file) const {
    return file != nullptr && files_.count(file) > 0;
  }

  std::vector<std::string> services_;
  // Each served file as a serialized FileDescriptorProto, made once.
  std::map<const google::protobuf::FileDescriptor*, std::string> files_;
};

}  // namespace chitieu::gateway
