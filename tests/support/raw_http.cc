#include "tests/support/raw_http.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace chitieu::testing {

const std::string* RawHttpAnswer::Header(const std::string& lower_name) const {
  for (const auto& [name, value] : headers) {
    if (name == lower_name) {
      return &value;
    }
  }
  return nullptr;
}

RawHttpConnection::RawHttpConnection(std::string host, int port, std::string source)
    : host_(std::move(host)), source_(std::move(source)), port_(port) {}

RawHttpConnection::~RawHttpConnection() { Close(); }

bool RawHttpConnection::Connect() {
  Close();
  fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0) {
    return false;
  }
  // As curl and browsers do.
  int one = 1;
  setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  if (!source_.empty()) {
    sockaddr_in local{};
    local.sin_family = AF_INET;
    inet_pton(AF_INET, source_.c_str(), &local.sin_addr);
    if (bind(fd_, reinterpret_cast<sockaddr*>(&local), sizeof(local)) != 0) {
      Close();
      return false;
    }
  }
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port_);
  inet_pton(AF_INET, host_.c_str(), &addr.sin_addr);
  if (connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    Close();
    return false;
  }
  if (ever_connected_) {
    ++reconnects_;
  }
  ever_connected_ = true;
  return true;
}

void RawHttpConnection::Close() {
  if (fd_ >= 0) {
    close(fd_);
  }
  fd_ = -1;
  buffer_.clear();
}

bool RawHttpConnection::Send(const std::string& bytes) {
  size_t sent = 0;
  while (fd_ >= 0 && sent < bytes.size()) {
    const ssize_t n = send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) {
      return false;
    }
    sent += n;
  }
  return fd_ >= 0;
}

bool RawHttpConnection::Readable(absl::Duration timeout) {
  if (!buffer_.empty()) {
    return true;
  }
  if (fd_ < 0) {
    return false;
  }
  pollfd p{fd_, POLLIN, 0};
  return poll(&p, 1, static_cast<int>(absl::ToInt64Milliseconds(timeout))) > 0;
}

bool RawHttpConnection::Fill(absl::Duration timeout) {
  if (!Readable(timeout)) {
    return false;
  }
  char chunk[16384];
  const ssize_t n = recv(fd_, chunk, sizeof(chunk), 0);
  if (n <= 0) {
    return false;
  }
  buffer_.append(chunk, n);
  return true;
}

bool RawHttpConnection::ClosedByPeer(absl::Duration timeout) {
  if (fd_ < 0 || !buffer_.empty()) {
    return false;
  }
  pollfd p{fd_, POLLIN, 0};
  if (poll(&p, 1, static_cast<int>(absl::ToInt64Milliseconds(timeout))) <= 0) {
    return false;
  }
  char c;
  return recv(fd_, &c, 1, MSG_PEEK) <= 0;
}

RawHttpAnswer RawHttpConnection::Read(absl::Duration timeout) {
  RawHttpAnswer answer;
  auto fail = [&] {
    answer.status = -1;
    answer.closed = true;
    Close();
    return answer;
  };
  size_t end;
  while ((end = buffer_.find("\r\n\r\n")) == std::string::npos) {
    if (!Fill(timeout)) {
      return fail();
    }
  }
  const std::string head = buffer_.substr(0, end);
  buffer_.erase(0, end + 4);
  std::vector<absl::string_view> lines = absl::StrSplit(head, "\r\n");
  std::vector<absl::string_view> first = absl::StrSplit(lines[0], ' ');
  int status = 0;
  if (first.size() < 2 || !absl::SimpleAtoi(first[1], &status)) {
    return fail();
  }
  size_t length = 0;
  bool chunked = false, close = false;
  for (size_t i = 1; i < lines.size(); ++i) {
    const size_t colon = lines[i].find(':');
    if (colon == absl::string_view::npos) {
      continue;
    }
    std::string name = absl::AsciiStrToLower(lines[i].substr(0, colon));
    std::string value(absl::StripAsciiWhitespace(lines[i].substr(colon + 1)));
    const std::string lower = absl::AsciiStrToLower(value);
    if (name == "content-length") {
      absl::SimpleAtoi(value, &length);
    }
    if (name == "transfer-encoding") {
      chunked = lower.find("chunked") != std::string::npos;
    }
    if (name == "connection") {
      close = lower.find("close") != std::string::npos;
    }
    answer.headers.emplace_back(std::move(name), std::move(value));
  }
  if (status >= 100 && status < 200) {
    // An interim answer (100 Continue): the real one follows.
    return Read(timeout);
  }
  if (chunked) {
    for (;;) {
      size_t line_end;
      while ((line_end = buffer_.find("\r\n")) == std::string::npos) {
        if (!Fill(timeout)) {
          return fail();
        }
      }
      size_t size = 0;
      if (!absl::SimpleHexAtoi(buffer_.substr(0, line_end), &size)) {
        return fail();
      }
      buffer_.erase(0, line_end + 2);
      while (buffer_.size() < size + 2) {
        if (!Fill(timeout)) {
          return fail();
        }
      }
      answer.body.append(buffer_, 0, size);
      buffer_.erase(0, size + 2);
      if (size == 0) {
        break;
      }
    }
  } else {
    while (buffer_.size() < length) {
      if (!Fill(timeout)) {
        return fail();
      }
    }
    answer.body = buffer_.substr(0, length);
    buffer_.erase(0, length);
  }
  answer.status = status;
  answer.closed = close;
  if (close) {
    Close();
  }
  return answer;
}

RawHttpAnswer RawHttpConnection::Exchange(const std::string& request, absl::Duration timeout) {
  if (fd_ < 0 && !Connect()) {
    return RawHttpAnswer{};
  }
  if (!Send(request)) {
    Close();
    return RawHttpAnswer{};
  }
  return Read(timeout);
}

std::string RawGet(const std::string& target, const std::vector<std::string>& headers) {
  std::string request = absl::StrCat("GET ", target, " HTTP/1.1\r\nHost: 127.0.0.1\r\n");
  for (const std::string& h : headers) {
    absl::StrAppend(&request, h, "\r\n");
  }
  return request + "\r\n";
}

}  // namespace chitieu::testing
