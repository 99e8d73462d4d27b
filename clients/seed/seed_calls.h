#pragma once

// How chitieu-seed calls the services: as a trusted caller holding the
// service secret, waiting for a service still starting, and (for report
// transitions) on behalf of the officer who makes them.

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <iostream>
#include <string>

#include "libs/common/principal.h"

namespace chitieu::seed {

// True if the call succeeded or the resource already existed.
inline bool Check(const grpc::Status& s, const std::string& what) {
  if (s.ok() || s.error_code() == grpc::StatusCode::ALREADY_EXISTS) {
    return true;
  }
  std::cerr << "seed: " << what << ": " << s.error_code() << " " << s.error_message() << "\n";
  return false;
}

// `fn(context)` with the service secret, waiting up to 10 s for the service.
template <typename Fn>
grpc::Status Call(Fn fn) {
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  ctx.set_wait_for_ready(true);
  AddServiceSecret(&ctx);
  return fn(&ctx);
}

// An officer the seed acts as.
struct Officer {
  std::string name;
  std::string scope;  // One unit name.
  Role role;
};

// `fn(context)` on behalf of `officer`: the seed holds the service secret,
// so the services take the principal it names (principal.h).
template <typename Fn>
grpc::Status CallAs(const Officer& officer, Fn fn) {
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  ctx.set_wait_for_ready(true);
  AddPrincipal(Principal{officer.name, officer.role, {officer.scope}}, &ctx);
  return fn(&ctx);
}

}  // namespace chitieu::seed
