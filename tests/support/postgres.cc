#include "tests/support/postgres.h"

#include <pwd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"

namespace chitieu::testing {
namespace {

constexpr char kBin[] = "/usr/lib/postgresql/15/bin";

}  // namespace

PostgresServer::PostgresServer() {
  data_ = dir_.path() + "/data";
  socket_dir_ = dir_.path();
  if (geteuid() == 0) {
    run_as_ = "runuser -u postgres -- ";
    if (passwd* pw = getpwnam("postgres"); pw != nullptr) {
      if (chown(dir_.path().c_str(), pw->pw_uid, pw->pw_gid) != 0) {
        error_ = "chown failed";
      }
    }
  }
}

PostgresServer::~PostgresServer() {
  if (started_) {
    Run(absl::StrCat(run_as_, kBin, "/pg_ctl -D ", data_, " -m immediate -w stop"), "pg_ctl stop");
  }
}

bool PostgresServer::Run(const std::string& command, const std::string& what) {
  const std::string log = dir_.path() + "/commands.log";
  const int status = std::system((command + " >>" + log + " 2>&1").c_str());
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    error_ = absl::StrCat(what, " failed; see ", log);
    return false;
  }
  return true;
}

bool PostgresServer::Start() {
  if (!error_.empty()) {
    return false;
  }
  if (!Run(absl::StrCat(run_as_, kBin, "/initdb -D ", data_,
                        " -A trust -U chitieu -E UTF8 --locale=C.UTF-8 --no-sync"),
           "initdb")) {
    return false;
  }
  // Unix socket only; fsync off (test data is thrown away anyway), unless
  // CHITIEU_PG_DURABLE is set: the benchmarks measure durable commits.
  const bool durable = std::getenv("CHITIEU_PG_DURABLE") != nullptr;
  // CHITIEU_PG_OPTIONS: more server settings, for a profile (e.g.
  // "-c log_min_duration_statement=5ms"; docs/PERFORMANCE.md).
  const char* options = std::getenv("CHITIEU_PG_OPTIONS");
  if (!Run(absl::StrCat(run_as_, kBin, "/pg_ctl -D ", data_, " -w -t 60 -l ", dir_.path(),
                        "/server.log -o \"-c listen_addresses='' -k ", socket_dir_,
                        durable ? "" : " -c fsync=off -c synchronous_commit=off",
                        " -c max_connections=200 ", options == nullptr ? "" : options, "\" start"),
           "pg_ctl start")) {
    return false;
  }
  started_ = true;
  return true;
}

std::string PostgresServer::Url(const std::string& name) {
  // Tests call this from several threads at once (ASan caught the set
  // corrupted by two unguarded inserts).
  static absl::Mutex mu(absl::kConstInit);
  static std::set<std::string>* created = new std::set<std::string>();
  const std::string key = socket_dir_ + "/" + name;
  absl::MutexLock lock(&mu);
  if (!created->count(key)) {
    Run(absl::StrCat(kBin, "/createdb -h ", socket_dir_, " -U chitieu ", name), "createdb");
    created->insert(key);
  }
  return absl::StrCat("postgresql:///", name, "?host=", socket_dir_, "&user=chitieu");
}

PostgresServer* SharedPostgres() {
  static PostgresServer server;
  static const bool started = server.Start();
  (void)started;
  return &server;
}

absl::StatusOr<std::unique_ptr<FeedHeadHold>> FeedHeadHold::Take(const std::string& url) {
  auto db = PgDb::Open(url);
  if (!db.ok()) {
    return db.status();
  }
  if (absl::Status s = (*db)->Exec("BEGIN; SELECT 1 FROM feed_head WHERE id = 1 FOR UPDATE");
      !s.ok()) {
    return s;
  }
  return std::unique_ptr<FeedHeadHold>(new FeedHeadHold(std::move(*db)));
}

FeedHeadHold::~FeedHeadHold() { (void)Release(); }

absl::Status FeedHeadHold::Release() {
  if (!held_) {
    return absl::OkStatus();
  }
  held_ = false;
  return db_->Exec("COMMIT");
}

}  // namespace chitieu::testing

namespace chitieu::testing {

std::string TestStoreLocation(const std::string& backend, const std::string& prefix) {
  if (backend != "postgres") {
    return ":memory:";
  }
  static std::atomic<int> databases{0};
  return SharedPostgres()->Url(prefix + "_" + std::to_string(++databases));
}

}  // namespace chitieu::testing
