// Peer channels with short reconnect backoff, keepalive and TLS (channel.h).

#include "libs/common/channel.h"

#include <algorithm>
#include <cstdlib>

#include "absl/flags/flag.h"
#include "libs/common/flags.h"
#include "libs/common/log.h"
#include "libs/common/tls.h"

namespace chitieu {

namespace {

// `connection` > 0: an argument that only sets the channel apart, so that
// gRPC's subchannel pool gives it a connection of its own.
std::shared_ptr<grpc::Channel> NewPeerChannel(const std::string& address, int connection) {
  auto credentials = PeerCredentials();
  if (!credentials.ok()) {
    LogError("cannot set up TLS to peers", {{"error", credentials.status().ToString()}});
    std::exit(1);
  }
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
  // gRPC reads this one as the minimum time a connection attempt is given
  // (its "min connect timeout"), not as a backoff: at 100 ms, a registry
  // slow to send its SETTINGS frame under load failed a service's first
  // call to it at once (channel_test.cc).
  args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, kPeerConnectTimeoutMs);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 2000);
  // A cut link (no reset, packets simply lost) is found by pings: an
  // unanswered one closes the connection, reconnecting fails, and the
  // channel's state becomes TRANSIENT_FAILURE — what the gateway refuses
  // calls on (Proxy::UpstreamFor).
  args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, kPeerKeepaliveMs);
  // Long enough for a ping's answer queued behind a large message.
  args.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, kPeerKeepaliveTimeoutMs);
  args.SetInt(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  args.SetInt(GRPC_ARG_HTTP2_MAX_PINGS_WITHOUT_DATA, 0);
  args.SetMaxReceiveMessageSize(absl::GetFlag(FLAGS_max_message_bytes));
  if (const std::string name = absl::GetFlag(FLAGS_peer_server_name); !name.empty()) {
    args.SetSslTargetNameOverride(name);
  }
  if (connection > 0) {
    args.SetInt("chitieu.peer_connection", connection);
  }
  return grpc::CreateCustomChannel(address, *credentials, args);
}

}  // namespace

std::shared_ptr<grpc::Channel> PeerChannel(const std::string& address) {
  return NewPeerChannel(address, 0);
}

std::vector<std::shared_ptr<grpc::Channel>> PeerChannels(const std::string& address,
                                                         int connections) {
  std::vector<std::shared_ptr<grpc::Channel>> out;
  for (int i = 0; i < std::max(1, connections); ++i) {
    out.push_back(NewPeerChannel(address, i));
  }
  return out;
}

}  // namespace chitieu
