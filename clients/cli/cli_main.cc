// chitieu: the command-line client of the gateway, for admins and staff.
//   chitieu [--addr=…] [--api_key=…] [--output=table|json|csv] <command> [flags]
//   chitieu help | chitieu <command> --help
// Address and key: flags, else CHITIEU_ADDR / CHITIEU_API_KEY, else the
// config file (--config, default ~/.config/chitieu/config: `addr = …`,
// `api_key = …`, `ca = …` lines), else 127.0.0.1:7400. Exit codes:
//   0 ok   1 other error   2 usage   3 invalid input (INVALID_ARGUMENT,
//   FAILED_PRECONDITION, OUT_OF_RANGE, ALREADY_EXISTS, ABORTED)   4 not found
//   5 not allowed (UNAUTHENTICATED, PERMISSION_DENIED)
//   6 try again (UNAVAILABLE, DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED)

#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "chitieu/gateway/v1/gateway.pb.h"
#include "chitieu/quota/v1/quota.pb.h"
#include "chitieu/registry/v1/registry.pb.h"
#include "chitieu/reporting/v1/reporting.pb.h"
#include "clients/cli/commands.h"
#include "clients/cli/csv_import.h"
#include "clients/cli/output.h"
#include "google/api/httpbody.pb.h"
#include "google/protobuf/dynamic_message.h"
#include "google/protobuf/util/json_util.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "libs/common/byte_buffer.h"
#include "libs/common/file_types.h"
#include "libs/common/files.h"

namespace chitieu::cli {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;

constexpr int kOk = 0, kOther = 1, kUsage = 2, kInvalid = 3, kNotFound = 4, kDenied = 5, kRetry = 6;

struct Globals {
  std::string addr, api_key, output = "table", ca, config;
  int timeout_ms = 30000;
};

int ExitCodeOf(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::OK:
      return kOk;
    case grpc::StatusCode::INVALID_ARGUMENT:
    case grpc::StatusCode::FAILED_PRECONDITION:
    case grpc::StatusCode::OUT_OF_RANGE:
    case grpc::StatusCode::ALREADY_EXISTS:
    case grpc::StatusCode::ABORTED:
      return kInvalid;
    case grpc::StatusCode::NOT_FOUND:
      return kNotFound;
    case grpc::StatusCode::UNAUTHENTICATED:
    case grpc::StatusCode::PERMISSION_DENIED:
      return kDenied;
    case grpc::StatusCode::UNAVAILABLE:
    case grpc::StatusCode::DEADLINE_EXCEEDED:
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      return kRetry;
    default:
      return kOther;
  }
}

// Prints the error and its field violations; returns the exit code.
int PrintError(const grpc::Status& status) {
  std::cerr << "error: "
            << absl::StatusCodeToString(static_cast<absl::StatusCode>(status.error_code())) << ": "
            << status.error_message() << "\n";
  google::rpc::Status rpc;
  if (!status.error_details().empty() && rpc.ParseFromString(status.error_details())) {
    for (const auto& any : rpc.details()) {
      google::rpc::BadRequest bad;
      google::rpc::ErrorInfo info;
      if (any.UnpackTo(&bad)) {
        for (const auto& v : bad.field_violations()) {
          std::cerr << "  " << v.field() << ": " << v.description() << "\n";
        }
      } else if (any.UnpackTo(&info)) {
        std::cerr << "  reason: " << info.reason() << "\n";
      }
    }
  }
  return ExitCodeOf(status.error_code());
}

void Usage(std::ostream& out) {
  out << "chitieu: the Chỉ tiêu command line (talks to the gateway)\n\n"
         "usage: chitieu [--addr=host:port] [--api_key=KEY] [--output=table|json|csv]\n"
         "               [--timeout_ms=N] [--ca=PEM] [--config=FILE] <command> [flags]\n\n"
         "commands:\n";
  for (const auto& c : Commands()) {
    const std::string words = absl::StrJoin(c.words, " ");
    out << "  " << words << std::string(words.size() < 24 ? 24 - words.size() : 1, ' ')
        << c.help.substr(0, c.help.find('\n')) << "\n";
  }
  out << "\n`chitieu <command> --help` shows a command's flags. Exit codes: 0 ok, 1 other,\n"
         "2 usage, 3 invalid input, 4 not found, 5 not allowed, 6 try again.\n";
}

void CommandHelp(const CommandSpec& c) {
  std::cout << "chitieu " << absl::StrJoin(c.words, " ")
            << (c.positional.empty() ? "" : " <" + c.positional + ">") << " [flags]\n\n"
            << c.help << "\n\nflags:\n";
  for (const auto& f : c.flags) {
    if (f.help.empty()) {
      continue;
    }
    std::cout << "  --" << f.name << (f.required ? " (required)" : "") << ": " << f.help
              << (f.fallback.empty() ? "" : " [" + f.fallback + "]") << "\n";
  }
  std::cout << "\nCalls " << c.method << " through the gateway.\n";
}

// Sets `path` (dotted JSON names) in `json` to `value`, typed by the field.
bool SetPath(const Descriptor* d, const std::string& path, const std::string& value,
             nlohmann::json* json, std::string* error) {
  std::vector<std::string> parts = absl::StrSplit(path, '.');
  nlohmann::json* node = json;
  for (size_t i = 0; i < parts.size(); ++i) {
    const FieldDescriptor* f = d->FindFieldByCamelcaseName(parts[i]);
    if (f == nullptr) {
      f = d->FindFieldByName(parts[i]);
    }
    if (f == nullptr) {
      *error = "internal: no field " + path;
      return false;
    }
    if (i + 1 < parts.size()) {
      node = &(*node)[parts[i]];
      d = f->message_type();
      continue;
    }
    switch (f->cpp_type()) {
      case FieldDescriptor::CPPTYPE_BOOL:
        (*node)[parts[i]] = value.empty() || value == "true" || value == "1";
        break;
      case FieldDescriptor::CPPTYPE_INT32:
      case FieldDescriptor::CPPTYPE_INT64: {
        int64_t n = 0;
        if (!absl::SimpleAtoi(value, &n)) {
          *error = "--" + parts[i] + " takes a whole number";
          return false;
        }
        (*node)[parts[i]] = n;
        break;
      }
      default:
        (*node)[parts[i]] = value;
    }
  }
  return true;
}

// Reads ~/.config/chitieu/config (or --config) "key = value" lines.
std::map<std::string, std::string> ReadConfig(const std::string& path) {
  std::map<std::string, std::string> out;
  auto text = ReadTextFile(path);
  if (!text.ok()) {
    return out;
  }
  for (absl::string_view line : absl::StrSplit(*text, '\n')) {
    line = absl::StripAsciiWhitespace(line);
    if (line.empty() || line[0] == '#') {
      continue;
    }
    const size_t eq = line.find('=');
    if (eq == absl::string_view::npos) {
      continue;
    }
    out[std::string(absl::StripAsciiWhitespace(line.substr(0, eq)))] =
        std::string(absl::StripAsciiWhitespace(line.substr(eq + 1)));
  }
  return out;
}

std::shared_ptr<grpc::Channel> Connect(const Globals& g) {
  if (g.ca.empty()) {
    return grpc::CreateChannel(g.addr, grpc::InsecureChannelCredentials());
  }
  grpc::SslCredentialsOptions tls;
  auto ca = ReadTextFile(g.ca);
  if (ca.ok()) {
    tls.pem_root_certs = *ca;
  }
  return grpc::CreateChannel(g.addr, grpc::SslCredentials(tls));
}

void Prepare(const Globals& g, grpc::ClientContext* ctx) {
  if (!g.api_key.empty()) {
    ctx->AddMetadata("authorization", "Bearer " + g.api_key);
  }
  if (g.timeout_ms > 0) {
    ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::milliseconds(g.timeout_ms));
  }
}

grpc::ByteBuffer ToBuffer(const Message& m) {
  grpc::Slice slice(m.SerializeAsString());
  return grpc::ByteBuffer(&slice, 1);
}

// One call of any arity over the generic stub: writes `requests`, reads
// every response into `on_response`.
grpc::Status Call(const Globals& g, const std::string& method,
                  const std::vector<const Message*>& requests,
                  const std::function<bool(const std::string&)>& on_response,
                  const std::function<void(size_t written)>& on_written = nullptr) {
  grpc::GenericStub stub(Connect(g));
  grpc::ClientContext ctx;
  Prepare(g, &ctx);
  grpc::CompletionQueue cq;
  auto rpc = stub.PrepareCall(&ctx, "/" + method, &cq);
  void* tag;
  bool ok = false;
  rpc->StartCall(nullptr);
  cq.Next(&tag, &ok);
  for (size_t i = 0; ok && i < requests.size(); ++i) {
    if (i + 1 == requests.size()) {
      rpc->WriteLast(ToBuffer(*requests[i]), grpc::WriteOptions(), nullptr);
    } else {
      rpc->Write(ToBuffer(*requests[i]), nullptr);
    }
    cq.Next(&tag, &ok);
    if (ok && on_written) {
      on_written(i + 1);
    }
  }
  if (ok && requests.empty()) {
    rpc->WritesDone(nullptr);
    cq.Next(&tag, &ok);
  }
  while (true) {
    grpc::ByteBuffer response;
    rpc->Read(&response, nullptr);
    cq.Next(&tag, &ok);
    if (!ok) {
      break;
    }
    std::string bytes;
    ByteBufferToString(response, &bytes);
    if (!on_response(bytes)) {
      ctx.TryCancel();
    }
  }
  grpc::Status status;
  rpc->Finish(&status, nullptr);
  cq.Next(&tag, &ok);
  return status;
}

int Import(const Globals& g, const CommandSpec& c,
           const std::map<std::string, std::string>& flags) {
  std::ifstream in(flags.at("file"));
  if (!in) {
    std::cerr << "error: cannot read " << flags.at("file") << "\n";
    return kUsage;
  }
  int rows = 0;
  const auto batches =
      ReadImportCsv(in, flags.count("source") ? flags.at("source") : "cli-import", &rows);
  std::vector<const Message*> requests;
  for (const auto& b : batches) {
    requests.push_back(b.get());
  }
  const bool tty = isatty(2);
  std::cerr << "importing " << rows << " rows in " << batches.size() << " batches\n";
  registry::v1::ImportEnterprisesResponse summary;
  // A batch is written once the gateway has taken it (flow control keeps
  // the client from running far ahead of the registry).
  size_t sent_rows = 0;
  grpc::Status status = Call(
      g, c.method, requests,
      [&](const std::string& bytes) { return summary.ParseFromString(bytes); },
      [&](size_t written) {
        sent_rows += batches[written - 1]->enterprises_size();
        if (!tty) {
          return;
        }
        const size_t filled = rows == 0 ? 40 : 40 * sent_rows / rows;
        std::cerr << "\r[" << std::string(filled, '#') << std::string(40 - filled, ' ') << "] "
                  << sent_rows << "/" << rows << std::flush;
      });
  if (tty) {
    std::cerr << "\n";
  }
  if (!status.ok()) {
    return PrintError(status);
  }
  PrintMessage(summary, g.output, std::cout);
  return kOk;
}

// Writes a file answer to `out`, whole or not at all: into a temporary
// file made with mkstemp beside it, flushed to disk, then moved into
// place. Without `out`, the file is named as the gateway named it, made
// safe (SafeFileName: a base name of the file's own type, so nothing is
// written outside the current folder), and an existing file of that name
// is never replaced. Prints the path written.
int SaveFile(const google::api::HttpBody& file, std::string out) {
  const FileType* type = FileTypeOfMedia(file.content_type());
  const bool named_by_server = out.empty();
  if (named_by_server) {
    if (type == nullptr) {
      std::cerr << "the answer is not a file type this CLI knows; name one with -o FILE\n";
      return kOther;
    }
    out = SafeFileName(FileNameOf(file), *type);
  }
  const size_t slash = out.find_last_of('/');
  std::string temporary =
      (slash == std::string::npos ? std::string(".") : out.substr(0, slash)) + "/.chitieu-XXXXXX";
  const int fd = mkstemp(temporary.data());
  if (fd < 0) {
    std::cerr << "cannot write beside " << out << ": " << std::strerror(errno) << "\n";
    return kOther;
  }
  bool written = true;
  for (size_t done = 0; written && done < file.data().size();) {
    const ssize_t n = write(fd, file.data().data() + done, file.data().size() - done);
    written = n > 0;
    done += written ? static_cast<size_t>(n) : 0;
  }
  written = fsync(fd) == 0 && written;
  written = close(fd) == 0 && written;
  // A name the server gave never replaces a file (link fails if it
  // exists); a name the caller gave does.
  bool placed = written;
  if (placed && named_by_server) {
    placed = link(temporary.c_str(), out.c_str()) == 0;
  } else if (placed) {
    placed = std::rename(temporary.c_str(), out.c_str()) == 0;
  }
  const int error = errno;
  unlink(temporary.c_str());  // After link; after rename it is gone already.
  if (!placed) {
    std::cerr << "cannot write " << out << ": "
              << (written ? std::strerror(error) : "the disk refused the data") << "\n";
    return kOther;
  }
  std::cout << out << " (" << file.data().size() << " bytes"
            << (type != nullptr ? absl::StrCat(", ", type->media_type) : "") << ")\n";
  return kOk;
}

int Run(Globals g, const std::vector<std::string>& args) {
  // Longest command whose words start the arguments.
  const CommandSpec* command = nullptr;
  for (const auto& c : Commands()) {
    if (args.size() >= c.words.size() && std::equal(c.words.begin(), c.words.end(), args.begin()) &&
        (command == nullptr || c.words.size() > command->words.size())) {
      command = &c;
    }
  }
  if (command == nullptr) {
    std::cerr << "unknown command: " << absl::StrJoin(args, " ") << "\n\n";
    Usage(std::cerr);
    return kUsage;
  }
  std::map<std::string, std::string> flags;
  for (size_t i = command->words.size(); i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--help" || a == "-h") {
      CommandHelp(*command);
      return kOk;
    }
    if (a == "-o" && command->kind == "file") {
      flags["out"] = i + 1 < args.size() ? args[++i] : "";
    } else if (absl::StartsWith(a, "--")) {
      const size_t eq = a.find('=');
      std::string name = a.substr(2, eq == std::string::npos ? std::string::npos : eq - 2);
      absl::StrReplaceAll({{"-", "_"}}, &name);
      std::string value;
      if (eq != std::string::npos) {
        value = a.substr(eq + 1);
      } else if (i + 1 < args.size() && !absl::StartsWith(args[i + 1], "--")) {
        value = args[++i];
      }
      flags[name] = value;
    } else if (!command->positional.empty() && !flags.count(command->positional)) {
      flags[command->positional] = a;
    } else {
      std::cerr << "unexpected argument: " << a << "\n";
      return kUsage;
    }
  }
  for (const auto& [name, value] : flags) {
    bool known = false;
    for (const auto& f : command->flags) {
      known |= f.name == name;
    }
    if (!known) {
      std::cerr << "unknown flag --" << name << " for `" << absl::StrJoin(command->words, " ")
                << "` (see --help)\n";
      return kUsage;
    }
  }
  for (const auto& f : command->flags) {
    if (!flags.count(f.name) && !f.fallback.empty()) {
      flags[f.name] = f.fallback;
    }
    if (f.required && !flags.count(f.name)) {
      std::cerr << "missing --" << f.name << ": " << f.help << "\n";
      return kUsage;
    }
  }
  if (command->kind == "import") {
    return Import(g, *command, flags);
  }

  const std::string method_name = absl::StrReplaceAll(command->method, {{"/", "."}});
  const auto* method =
      google::protobuf::DescriptorPool::generated_pool()->FindMethodByName(method_name);
  if (method == nullptr) {
    std::cerr << "internal: unknown method " << command->method << "\n";
    return kOther;
  }
  nlohmann::json request = nlohmann::json::object();
  std::string error;
  for (const auto& f : command->flags) {
    auto it = flags.find(f.name);
    if (it == flags.end()) {
      continue;
    }
    if (f.path.empty()) {
      continue;  // A flag of the CLI's own (--out).
    }
    std::string value = WithPrefix(f.prefix, it->second);
    if (command->unit_filter && f.name == "unit") {
      std::string filter = absl::StrCat("unit = \"", value, "\"");
      if (flags.count("filter")) {
        absl::StrAppend(&filter, " AND ", flags.at("filter"));
      }
      request["filter"] = filter;
      continue;
    }
    if (command->unit_filter && f.name == "filter") {
      continue;
    }
    if (f.name == "update_mask") {
      request["updateMask"] = value;
      continue;
    }
    if (!SetPath(method->input_type(), f.path, value, &request, &error)) {
      std::cerr << error << "\n";
      return kUsage;
    }
  }
  // A target assigned to the unit itself unless another assignee is named.
  if (command->method == "chitieu.quota.v1.QuotaService/CreateTarget" &&
      !request["target"].contains("assignee")) {
    request["target"]["assignee"] = request["parent"];
  }
  google::protobuf::DynamicMessageFactory factory;
  std::unique_ptr<Message> message(factory.GetPrototype(method->input_type())->New());
  google::protobuf::util::JsonParseOptions options;
  if (auto s = google::protobuf::util::JsonStringToMessage(request.dump(), message.get(), options);
      !s.ok()) {
    std::cerr << "invalid flags: " << s.message() << "\n";
    return kUsage;
  }
  std::unique_ptr<Message> response(factory.GetPrototype(method->output_type())->New());
  bool printed = false;
  grpc::Status status = Call(g, command->method, {message.get()}, [&](const std::string& bytes) {
    response->Clear();
    if (!response->ParseFromString(bytes)) {
      return false;
    }
    if (command->kind == "stream") {
      const auto* f = response->GetDescriptor()->field(0);
      std::cout << response->GetReflection()->GetString(*response, f) << "\n";
    }
    printed = true;
    return true;
  });
  if (!status.ok()) {
    return PrintError(status);
  }
  if (command->kind == "file") {
    google::api::HttpBody file;
    if (!printed || !file.ParseFromString(response->SerializeAsString())) {
      std::cerr << "the gateway answered no file\n";
      return kOther;
    }
    return SaveFile(file, flags.count("out") ? flags.at("out") : "");
  }
  if (command->kind != "stream" && printed) {
    PrintMessage(*response, g.output, std::cout);
  }
  return kOk;
}

}  // namespace
}  // namespace chitieu::cli

int main(int argc, char** argv) {
  using namespace chitieu::cli;
  Globals g;
  std::vector<std::string> args;
  std::map<std::string, std::string*> global_flags = {{"addr", &g.addr},
                                                      {"api_key", &g.api_key},
                                                      {"output", &g.output},
                                                      {"ca", &g.ca},
                                                      {"config", &g.config}};
  // The protos' descriptors, for the generic calls (linking them in).
  for (const auto* d :
       {chitieu::registry::v1::Unit::descriptor(), chitieu::quota::v1::Target::descriptor(),
        chitieu::reporting::v1::Progress::descriptor(),
        chitieu::gateway::v1::Scorecard::descriptor()}) {
    (void)d;
  }
  // Global flags may stand anywhere; the rest is the command's.
  std::string timeout;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (absl::StartsWith(a, "--")) {
      const size_t eq = a.find('=');
      const std::string name = a.substr(2, eq == std::string::npos ? std::string::npos : eq - 2);
      if (name == "timeout_ms" || global_flags.count(name)) {
        std::string value =
            eq == std::string::npos ? (i + 1 < argc ? argv[++i] : "") : a.substr(eq + 1);
        if (name == "timeout_ms") {
          timeout = value;
        } else {
          *global_flags[name] = value;
        }
        continue;
      }
      if (name == "help" && args.empty()) {
        Usage(std::cout);
        return kOk;
      }
    }
    args.push_back(a);
  }
  if (args.empty() || args[0] == "help") {
    Usage(args.empty() ? std::cerr : std::cout);
    return args.empty() ? kUsage : kOk;
  }
  if (!timeout.empty() && !absl::SimpleAtoi(timeout, &g.timeout_ms)) {
    return kUsage;
  }
  if (g.output != "table" && g.output != "json" && g.output != "csv") {
    std::cerr << "--output takes table, json or csv\n";
    return kUsage;
  }
  if (g.config.empty() && std::getenv("HOME") != nullptr) {
    g.config = std::string(std::getenv("HOME")) + "/.config/chitieu/config";
  }
  const auto config = ReadConfig(g.config);
  auto pick = [&](std::string* value, const char* env, const char* key, const char* fallback) {
    if (!value->empty()) {
      return;
    }
    if (const char* e = std::getenv(env); e != nullptr && *e) {
      *value = e;
    } else if (config.count(key)) {
      *value = config.at(key);
    } else {
      *value = fallback;
    }
  };
  pick(&g.addr, "CHITIEU_ADDR", "addr", "127.0.0.1:7400");
  pick(&g.api_key, "CHITIEU_API_KEY", "api_key", "");
  pick(&g.ca, "CHITIEU_CA", "ca", "");
  return Run(g, args);
}
