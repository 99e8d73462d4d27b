// PeerChannel against a peer that completes TCP's handshake but never
// answers HTTP/2: a connection attempt is given a peer call's time, then
// the peer is reported unreachable.

#include "libs/common/channel.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "tests/support/loopback_port.h"

namespace chitieu {
namespace {

// A connection attempt waits for a slow peer's handshake as long as a
// peer call may wait (2 s, peer_clients.h), then gives up. It used to give up after
// 100 ms (GRPC_ARG_MIN_RECONNECT_BACKOFF_MS is gRPC's minimum *connect
// timeout*, not a backoff): a registry busy for a tenth of a second failed
// the first call a service made to it, at once, with UNAVAILABLE (seen
// once in CI, under load).
TEST(PeerChannel, WaitsForASlowPeersHandshake) {
  // A peer stalled under load: the kernel completes TCP's handshake (the
  // listening socket's backlog), but nothing accepts, so no HTTP/2
  // SETTINGS frame ever comes.
  testing::LoopbackPort peer(testing::LoopbackPort::Kind::kListening);
  ASSERT_NE(peer.port(), 0);
  auto channel = PeerChannel(peer.address());
  ASSERT_EQ(channel->GetState(/*try_to_connect=*/true), GRPC_CHANNEL_IDLE);
  ASSERT_TRUE(channel->WaitForStateChange(
      GRPC_CHANNEL_IDLE, std::chrono::system_clock::now() + std::chrono::seconds(10)));
  ASSERT_EQ(channel->GetState(false), GRPC_CHANNEL_CONNECTING);
  // Still connecting a good while after the old 100 ms (and well before
  // the attempt's 2 s): the state did not change.
  EXPECT_FALSE(channel->WaitForStateChange(
      GRPC_CHANNEL_CONNECTING, std::chrono::system_clock::now() + std::chrono::milliseconds(500)));
  EXPECT_EQ(channel->GetState(false), GRPC_CHANNEL_CONNECTING);
  // And the attempt does end: the peer is then reported unreachable.
  ASSERT_TRUE(channel->WaitForStateChange(
      GRPC_CHANNEL_CONNECTING, std::chrono::system_clock::now() + std::chrono::seconds(30)));
  EXPECT_EQ(channel->GetState(false), GRPC_CHANNEL_TRANSIENT_FAILURE);
}

}  // namespace
}  // namespace chitieu
