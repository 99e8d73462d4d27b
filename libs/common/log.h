#pragma once

// Structured logs: one JSON object a line on stderr, written through spdlog.
// Every line has time, level, service and msg; callers add fields such as
// request_id, principal, method and code.

#include <nlohmann/json.hpp>
#include <string_view>

namespace chitieu {

// Sets the service name stamped on every line. Call once from main().
void InitLogging(std::string_view service);

void LogInfo(std::string_view msg, nlohmann::json fields = nlohmann::json::object());
void LogWarn(std::string_view msg, nlohmann::json fields = nlohmann::json::object());
void LogError(std::string_view msg, nlohmann::json fields = nlohmann::json::object());

}  // namespace chitieu
