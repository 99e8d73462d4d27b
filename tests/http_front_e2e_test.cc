// End-to-end tests of the gateway's HTTP listener against hostile traffic
// (issue 17), over raw sockets (tests/support/raw_http.h) so that every byte
// is the test's: bodies past the limit, chunked or not; too many or too
// large headers; slow clients; many connections from one address; and
// keep-alive connections that last. Each test names the finding it guards;
// the "before" of each is in docs/RELIABILITY.md's attack table.
//
// Attackers connect from their own loopback addresses (127.0.0.x), so the
// per-address connection cap they hit never touches the honest client's.

#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "tests/support/raw_http.h"
#include "tests/support/stack.h"

namespace chitieu {
namespace {

using ::chitieu::testing::RawGet;
using ::chitieu::testing::RawHttpAnswer;
using ::chitieu::testing::RawHttpConnection;
using ::chitieu::testing::Stack;

constexpr char kKey[] = "k-front";
constexpr int kMaxBody = 65536;
constexpr int kPerAddress = 8;
constexpr int kBodyBudget = 100000;  // Bodies being read at once, in bytes.
const absl::Duration kAnswerWithin = absl::Seconds(20);

class HttpFrontE2ETest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    stack_ = new Stack();
    ASSERT_TRUE(stack_->Start(
        {{kKey, "user:front", "city_admin", "units/01"}}, false,
        {"--max_body_bytes=" + std::to_string(kMaxBody), "--http_header_seconds=1",
         "--http_body_seconds=2", "--http_connections_per_address=" + std::to_string(kPerAddress),
         "--http_max_body_bytes_in_flight=" + std::to_string(kBodyBudget),
         "--rate_limit_per_second=100000", "--rate_limit_burst=100000"}))
        << stack_->error();
  }
  static void TearDownTestSuite() { delete stack_; }

  static std::unique_ptr<RawHttpConnection> Connect(const std::string& source = "") {
    auto c = std::make_unique<RawHttpConnection>("127.0.0.1", stack_->http_port(), source);
    EXPECT_TRUE(c->Connect()) << "cannot connect from " << source;
    return c;
  }
  static std::string Authorization() { return std::string("Authorization: Bearer ") + kKey; }
  // The honest client: a fresh connection, a real call, 200.
  static void AnHonestCallIsAnswered() {
    auto c = Connect();
    const RawHttpAnswer a = c->Exchange(RawGet("/v1/units/002", {Authorization()}), kAnswerWithin);
    EXPECT_EQ(a.status, 200) << a.body;
  }
  static std::string Post(const std::string& path, const std::vector<std::string>& headers) {
    std::string r = absl::StrCat("POST ", path, " HTTP/1.1\r\nHost: 127.0.0.1\r\n", Authorization(),
                                 "\r\nContent-Type: application/json\r\n");
    for (const std::string& h : headers) {
      absl::StrAppend(&r, h, "\r\n");
    }
    return r + "\r\n";
  }

  static Stack* stack_;
};

Stack* HttpFrontE2ETest::stack_ = nullptr;

// Finding: a chunked body was read and parsed past --max_body_bytes (the
// limit applied to Content-Length only). Now the listener stops at the
// limit and answers 413.
TEST_F(HttpFrontE2ETest, AChunkedBodyPastTheLimitIs413) {
  auto c = Connect();
  ASSERT_TRUE(c->Send(Post("/v1/enterprises", {"Transfer-Encoding: chunked"})));
  const std::string chunk(16384, 'x');
  bool refused_early = false;
  // Up to 8 MB; the answer must come long before that.
  for (int i = 0; i < 512 && !refused_early; ++i) {
    if (!c->Send(absl::StrCat(absl::Hex(chunk.size()), "\r\n", chunk, "\r\n"))) {
      break;
    }
    refused_early = c->Readable(absl::ZeroDuration());
  }
  const RawHttpAnswer a = c->Read(kAnswerWithin);
  EXPECT_EQ(a.status, 413) << a.body;
  EXPECT_TRUE(a.closed);
  EXPECT_NE(a.body.find("larger than 65536 bytes"), std::string::npos) << a.body;
  AnHonestCallIsAnswered();
}

// A declared length past the limit is refused before any of the body is
// sent (nothing is read or kept).
TEST_F(HttpFrontE2ETest, ADeclaredLengthPastTheLimitIs413BeforeTheBody) {
  auto c = Connect();
  ASSERT_TRUE(c->Send(Post("/v1/enterprises", {"Content-Length: 9000000"})));
  const RawHttpAnswer a = c->Read(kAnswerWithin);
  EXPECT_EQ(a.status, 413) << a.body;
  // A body just under the limit is read and judged (here: not JSON).
  auto d = Connect();
  const std::string body(kMaxBody - 1, 'x');
  ASSERT_TRUE(
      d->Send(Post("/v1/enterprises", {"Content-Length: " + std::to_string(body.size())}) + body));
  EXPECT_EQ(d->Read(kAnswerWithin).status, 400);
}

// curl and other clients ask before a large body (Expect: 100-continue):
// they get the go-ahead at once, not after a wait of their own.
TEST_F(HttpFrontE2ETest, ExpectContinueIsAnswered) {
  auto c = Connect();
  ASSERT_TRUE(c->Send(Post("/v1/enterprises", {"Content-Length: 2", "Expect: 100-continue"})));
  ASSERT_TRUE(c->Readable(kAnswerWithin));
  ASSERT_TRUE(c->Send("{}"));
  // The body is an empty enterprise: refused by the registry for its
  // fields, so it went all the way.
  EXPECT_EQ(c->Read(kAnswerWithin).status, 400);
}

// Finding: one request with 20,000 headers (about 20 MB) was accepted.
TEST_F(HttpFrontE2ETest, TooManyOrTooLargeHeadersAre431) {
  {
    std::vector<std::string> many;
    for (int i = 0; i < 20000; ++i) {
      many.push_back(absl::StrCat("X-H", i, ": ", std::string(1000, 'v')));
    }
    auto c = Connect();
    c->Send(RawGet("/v1/units/002", many));  // May fail midway: the server stops reading.
    EXPECT_EQ(c->Read(kAnswerWithin).status, 431);
  }
  {
    // Under the byte limit, over the count.
    std::vector<std::string> many = {Authorization()};
    for (int i = 0; i < 150; ++i) {
      many.push_back(absl::StrCat("X-H", i, ": v"));
    }
    auto c = Connect();
    ASSERT_TRUE(c->Send(RawGet("/v1/units/002", many)));
    EXPECT_EQ(c->Read(kAnswerWithin).status, 431);
  }
  {
    auto c = Connect();
    ASSERT_TRUE(c->Send(RawGet("/v1/units/002", {"X-Long: " + std::string(40000, 'v')})));
    EXPECT_EQ(c->Read(kAnswerWithin).status, 431);
  }
  AnHonestCallIsAnswered();
}

// Finding: twenty connections each sending a header line a second froze
// the HTTP API until they closed (8 threads, a deadline per read only).
// Now they hold nothing but their own threads, the honest client is served
// while they trickle, and each gets 408 once its headers are a second late,
// however steadily it trickles.
TEST_F(HttpFrontE2ETest, SlowClientsStarveNoOneAndAre408) {
  std::vector<std::unique_ptr<RawHttpConnection>> slow;
  for (int i = 0; i < 20; ++i) {
    // Spread over addresses, under each one's cap.
    slow.push_back(Connect(absl::StrCat("127.0.1.", 1 + i / 4)));
    ASSERT_TRUE(slow.back()->Send("GET /v1/units/002 HTTP/1.1\r\nHost: x\r\n"));
  }
  AnHonestCallIsAnswered();
  // One of them trickles a byte every 50 ms: an idle timeout would never
  // fire; the deadline does.
  RawHttpConnection& trickler = *slow.front();
  for (int i = 0; i < 400 && !trickler.Readable(absl::Milliseconds(50)); ++i) {
    trickler.Send("X");
  }
  for (auto& c : slow) {
    const RawHttpAnswer a = c->Read(kAnswerWithin);
    EXPECT_EQ(a.status, 408) << a.body;
    EXPECT_TRUE(a.closed);
  }
}

// Connections from one address are capped; more are closed at once,
// unread, and other addresses are served meanwhile.
TEST_F(HttpFrontE2ETest, ConnectionsFromOneAddressAreCapped) {
  std::vector<std::unique_ptr<RawHttpConnection>> held;
  for (int i = 0; i < kPerAddress; ++i) {
    held.push_back(Connect("127.0.2.1"));
    // A complete request on each shows it was admitted, and keeps the
    // connection open (keep-alive) for the count.
    const RawHttpAnswer a = held.back()->Exchange(RawGet("/openapi.json"), kAnswerWithin);
    ASSERT_EQ(a.status, 200);
  }
  auto extra = Connect("127.0.2.1");
  EXPECT_TRUE(extra->ClosedByPeer(kAnswerWithin));
  AnHonestCallIsAnswered();
  // Once one closes, the address may connect again (as soon as the
  // listener has seen the close).
  held.front()->Close();
  bool admitted = false;
  for (const absl::Time give_up = absl::Now() + kAnswerWithin;
       !admitted && absl::Now() < give_up;) {
    auto again = Connect("127.0.2.1");
    admitted = again->Exchange(RawGet("/openapi.json"), kAnswerWithin).status == 200;
  }
  EXPECT_TRUE(admitted);
}

// Finding: on a reused connection every request after the first took
// ~45 ms (Nagle's algorithm meeting delayed ACKs), and the server closed
// the connection after 5 requests. Now a connection carries every request
// its client sends. (The speed is docs/PERFORMANCE.md's benchmark, not a
// timed assertion.)
TEST_F(HttpFrontE2ETest, AKeptAliveConnectionCarriesEveryRequest) {
  auto c = Connect();
  for (int i = 0; i < 50; ++i) {
    const RawHttpAnswer a =
        c->Exchange(RawGet("/v1/units/002/progress?year=2013", {Authorization()}), kAnswerWithin);
    ASSERT_EQ(a.status, 200) << "request " << i << ": " << a.body;
    EXPECT_FALSE(a.closed) << "request " << i;
  }
  EXPECT_EQ(c->reconnects(), 0);
  // Pipelined: two requests in one write, two answers in order.
  ASSERT_TRUE(c->Send(RawGet("/v1/units/002", {Authorization()}) +
                      RawGet("/v1/units/003", {Authorization()})));
  const RawHttpAnswer first = c->Read(kAnswerWithin), second = c->Read(kAnswerWithin);
  EXPECT_EQ(first.status, 200);
  EXPECT_NE(first.body.find("units/002"), std::string::npos);
  EXPECT_EQ(second.status, 200);
  EXPECT_NE(second.body.find("units/003"), std::string::npos);
}

// Review finding: a chunked body's trailer fields were added to the
// request's headers after the header limits were checked, so a credential
// could arrive where no header filter looks. Trailers are dropped.
TEST_F(HttpFrontE2ETest, ATrailerIsNotAHeader) {
  auto c = Connect();
  ASSERT_TRUE(
      c->Send("POST /v1/enterprises HTTP/1.1\r\nHost: x\r\nTrailer: Authorization\r\n"
              "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
              "2\r\n{}\r\n0\r\n" +
              Authorization() + "\r\n\r\n"));
  EXPECT_EQ(c->Read(kAnswerWithin).status, 401);
}

// Review finding: 1,024 connections could each hold an 8 MiB body being
// read. Bodies being read share a budget; past it, 503 with Retry-After,
// before the body is sent.
TEST_F(HttpFrontE2ETest, BodiesBeingReadShareABudget) {
  auto holder = Connect();
  // The 100 Continue comes once the listener reserved this body's length.
  ASSERT_TRUE(
      holder->Send(Post("/v1/enterprises", {"Content-Length: 60000", "Expect: 100-continue"})));
  ASSERT_TRUE(holder->Readable(kAnswerWithin));
  auto other = Connect();
  ASSERT_TRUE(other->Send(Post("/v1/enterprises", {"Content-Length: 60000"})));
  const RawHttpAnswer refused = other->Read(kAnswerWithin);
  EXPECT_EQ(refused.status, 503) << refused.body;
  ASSERT_NE(refused.Header("retry-after"), nullptr);
  // The holder's body is read and judged (not JSON: 400); then the budget
  // is free again.
  ASSERT_TRUE(holder->Send(std::string(60000, 'x')));
  EXPECT_EQ(holder->Read(kAnswerWithin).status, 400);
  // The holder's reservation is given back once its handler has returned,
  // just after its answer went out: a request may still meet the budget
  // spent for that moment, and is then told to retry, as any client is.
  int status = 503;
  for (const absl::Time give_up = absl::Now() + kAnswerWithin;
       status == 503 && absl::Now() < give_up;) {
    auto after = Connect();
    ASSERT_TRUE(
        after->Send(Post("/v1/enterprises", {"Content-Length: 60000"}) + std::string(60000, 'x')));
    status = after->Read(kAnswerWithin).status;
  }
  EXPECT_EQ(status, 400);
}

// Finding (the HTTP benchmark, 32 keep-alive connections for 5 s): the
// gateway's heap broke and it died once the connections closed — each
// connection's socket was closed after its io_context was gone (gcc
// destroyed the thread function's parameters in that order), writing to
// freed memory at every close. The benchmark crashed the old gateway in
// 3 runs of 3 and the mended one in none; this smaller pattern did not
// crash the old one here (the damage builds up), and stays as a guard
// that busy connections closing together leave the gateway serving.
TEST_F(HttpFrontE2ETest, ConnectionsClosingTogetherLeaveTheGatewayServing) {
  for (int round = 0; round < 3; ++round) {
    // 32 connections busy at once (as the benchmark's), then all closed.
    std::vector<std::thread> clients;
    std::atomic<int> answered{0};
    for (int i = 0; i < 32; ++i) {
      clients.emplace_back([i, &answered] {
        RawHttpConnection c("127.0.0.1", stack_->http_port(),
                            absl::StrCat("127.0.3.", 1 + i / kPerAddress));
        if (!c.Connect()) {
          return;
        }
        for (int k = 0; k < 30; ++k) {
          if (c.Exchange(RawGet("/v1/units/002/progress?year=2013", {Authorization()}),
                         kAnswerWithin)
                  .status != 200) {
            return;
          }
          ++answered;
        }
      });
    }
    for (std::thread& t : clients) {
      t.join();
    }
    EXPECT_EQ(answered.load(), 32 * 30) << "round " << round;
    AnHonestCallIsAnswered();
  }
}

// Garbage instead of HTTP gets 400 and a closed connection; the listener
// goes on.
TEST_F(HttpFrontE2ETest, GarbageIs400) {
  for (const std::string bytes :
       {std::string("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n", 15),
        std::string("GET / HTTP/9.9\r\n\r\n"), std::string("GET /\x01 HTTP/1.1\r\n\r\n"),
        std::string("POST /v1/enterprises HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: "
                    "6\r\n\r\n"),
        std::string("POST /v1/enterprises HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n")}) {
    auto c = Connect();
    ASSERT_TRUE(c->Send(bytes));
    const RawHttpAnswer a = c->Read(kAnswerWithin);
    EXPECT_EQ(a.status, 400) << bytes;
  }
  {
    // A malformed percent escape in the path or the query names the part.
    auto c = Connect();
    const RawHttpAnswer a =
        c->Exchange(RawGet("/v1/units/00%zz", {Authorization()}), kAnswerWithin);
    EXPECT_EQ(a.status, 400);
    EXPECT_NE(a.body.find("malformed percent escape"), std::string::npos) << a.body;
  }
  AnHonestCallIsAnswered();
}

}  // namespace
}  // namespace chitieu
