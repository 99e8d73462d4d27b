#pragma once

// Channels from one service to another. gRPC's default reconnect backoff
// grows to 120 s; between services on one site a peer that restarts should
// be found again within seconds, so the backoff is capped at 2 s. TLS (and
// the client certificate) come from --peer_ca and friends (tls.h); the
// largest message received from --max_message_bytes. Keepalive pings find
// a cut link within seconds.

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>
#include <vector>

namespace chitieu {

// How often a peer channel pings an idle connection, and how long it waits
// for the answer before it gives the connection up; servers accept pings
// twice as often (server.cc).
inline constexpr int kPeerKeepaliveMs = 2000;
inline constexpr int kPeerKeepaliveTimeoutMs = 10000;

// How long one connection attempt may take, TCP and TLS handshakes and the
// peer's first HTTP/2 SETTINGS frame included: as long as a peer call may
// wait (peer_clients.h). A peer busy for a moment (under load, a SETTINGS
// frame 100 ms late) is waited for, not reported unreachable; a peer that
// refuses the connection (stopped) is reported at once whatever this is.
inline constexpr int kPeerConnectTimeoutMs = 2000;

// Exits the process (status 1, logged) if the TLS files cannot be read: a
// channel is made at start-up, where a broken configuration must stop it.
std::shared_ptr<grpc::Channel> PeerChannel(const std::string& address);

// `connections` channels to one peer, each on a TCP connection of its own
// (gRPC shares one between channels made alike), the first PeerChannel's.
std::vector<std::shared_ptr<grpc::Channel>> PeerChannels(const std::string& address,
                                                         int connections);

}  // namespace chitieu
