#pragma once

// Channels from one service to another. gRPC's default reconnect backoff
// grows to 120 s; between services on one site a peer that restarts should
// be found again within seconds, so the backoff is capped at 2 s.

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

namespace chitieu {

inline std::shared_ptr<grpc::Channel> PeerChannel(const std::string& address) {
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 2000);
  return grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(), args);
}

}  // namespace chitieu
