// The structured JSON logger over spdlog (log.h).

#include "libs/common/log.h"

#include <memory>
#include <string>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "spdlog/sinks/stdout_sinks.h"
#include "spdlog/spdlog.h"

namespace chitieu {
namespace {

struct LogState {
  std::string service = "chitieu";
  std::shared_ptr<spdlog::logger> logger;
};

LogState& State() {
  static LogState* state = [] {
    auto* s = new LogState;
    s->logger = spdlog::stderr_logger_mt("chitieu");
    // The whole line is the JSON object we build.
    s->logger->set_pattern("%v");
    s->logger->flush_on(spdlog::level::info);
    return s;
  }();
  return *state;
}

void Log(spdlog::level::level_enum level, std::string_view level_name, std::string_view msg,
         nlohmann::json fields) {
  LogState& state = State();
  nlohmann::json line = nlohmann::json::object();
  line["time"] = absl::FormatTime("%Y-%m-%dT%H:%M:%E6SZ", absl::Now(), absl::UTCTimeZone());
  line["level"] = level_name;
  line["service"] = state.service;
  line["msg"] = msg;
  if (fields.is_object()) {
    line.update(fields);
  }
  // Replace invalid UTF-8 rather than throw: a log line never kills a call.
  state.logger->log(level, "{}",
                    line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

}  // namespace

void InitLogging(std::string_view service) { State().service = std::string(service); }

void LogInfo(std::string_view msg, nlohmann::json fields) {
  Log(spdlog::level::info, "info", msg, std::move(fields));
}
void LogWarn(std::string_view msg, nlohmann::json fields) {
  Log(spdlog::level::warn, "warn", msg, std::move(fields));
}
void LogError(std::string_view msg, nlohmann::json fields) {
  Log(spdlog::level::err, "error", msg, std::move(fields));
}

}  // namespace chitieu
