#pragma once

// The whole stack for end-to-end tests of clients: registry, quota,
// reporting and the gateway (gRPC and HTTP on free ports) in a temporary
// folder, sharing a service secret, with the given API keys and the demo
// seed loaded, each serving metrics on a free port; Start returns once
// reporting shows the seed.

#include <memory>
#include <string>
#include <vector>

#include "tests/support/service_process.h"

namespace chitieu::testing {

struct StackKey {
  std::string secret, principal, role, scope;
};

struct StackOptions {
  // Also load the Hoàn Kiếm scenario (the article's figures).
  bool scenario = false;
  // Also seed the wards' targets and leave 2012 and 2013 approved and
  // accepted, ward to city, as the demo does (needs `scenario`); reporting
  // then runs with --report_acceptance.
  bool approvals = false;
  // More flags for the gateway, and for reporting.
  std::vector<std::string> gateway_args;
  std::vector<std::string> reporting_args;
  // A folder of certificates made by scripts/dev-certs: then every service
  // listens with TLS and takes only peers with a certificate from its CA
  // (mTLS, no service secret), the gateway's listeners use TLS, and the
  // test's channels to the services present quota's certificate, to the
  // gateway none.
  std::string tls_certs;
};

class Stack {
 public:
  // The secret the stack's services share (--service_secret).
  static constexpr char kServiceSecret[] = "stack-test-secret";

  // `scenario`: also load the Hoàn Kiếm scenario (the article's figures).
  // `gateway_args`: more flags for the gateway.
  bool Start(const std::vector<StackKey>& keys, bool scenario,
             const std::vector<std::string>& gateway_args = {}) {
    return Start(keys, StackOptions{.scenario = scenario, .gateway_args = gateway_args});
  }
  bool Start(const std::vector<StackKey>& keys, const StackOptions& options);
  const std::string& error() const { return error_; }

  ServiceProcess& registry() { return *registry_; }
  ServiceProcess& quota() { return *quota_; }
  ServiceProcess& reporting() { return *reporting_; }
  ServiceProcess& gateway() { return *gateway_; }
  int http_port() const { return http_port_; }
  // The port of a service's Prometheus metrics ("registry", …, "gateway").
  int metrics_port(const std::string& service) const;
  const std::string& dir() const { return dir_.path(); }

 private:
  TempDir dir_;
  std::unique_ptr<ServiceProcess> registry_, quota_, reporting_, gateway_;
  int http_port_ = 0;
  std::string error_;
};

}  // namespace chitieu::testing
