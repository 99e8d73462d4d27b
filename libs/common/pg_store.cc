#include "libs/common/pg_store.h"

#include <poll.h>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "google/protobuf/util/time_util.h"
#include "libs/common/log.h"

namespace chitieu {
namespace {
constexpr char kChannel[] = "chitieu_feed";
}  // namespace

absl::StatusOr<std::optional<StoredRequest>> PgGetRequest(PgDb& db, const std::string& request_id) {
  auto rows = db.Query("SELECT method, fingerprint, response FROM requests WHERE request_id = ?",
                       {request_id});
  if (!rows.ok()) return rows.status();
  if (rows->size() == 0) return std::optional<StoredRequest>();
  return std::optional<StoredRequest>(
      StoredRequest{rows->Bytes(0, 0), rows->Bytes(0, 1), rows->Bytes(0, 2)});
}

absl::Status PgPutRequest(PgDb& db, const std::string& request_id, const StoredRequest& r) {
  return db
      .Query("INSERT INTO requests (request_id, method, fingerprint, response) VALUES (?, ?, ?, ?)",
             {request_id, r.method, PgBytes{r.fingerprint}, PgBytes{r.response}})
      .status();
}

absl::StatusOr<int64_t> PgNextId(PgDb& db, const std::string& counter) {
  auto rows = db.Query(
      "INSERT INTO counters (name, value) VALUES (?, 1) "
      "ON CONFLICT (name) DO UPDATE SET value = counters.value + 1 RETURNING value",
      {counter});
  if (!rows.ok()) return rows.status();
  return rows->Int64(0, 0);
}

void PgChangeAppender::SetNow(google::protobuf::Timestamp* t) {
  *t = google::protobuf::util::TimeUtil::NanosecondsToTimestamp(absl::GetCurrentTimeNanos());
}

absl::StatusOr<std::unique_ptr<PgStoreCore>> PgStoreCore::Open(
    const std::string& url, const std::vector<std::string>& migrations, ChangeNotifier* notifier) {
  auto db = PgDb::Open(url);
  if (!db.ok()) return db.status();
  if (auto s = (*db)->Migrate(migrations); !s.ok()) return s;
  PGconn* listener = PQconnectdb(url.c_str());
  if (PQstatus(listener) != CONNECTION_OK) {
    const std::string why = PQerrorMessage(listener);
    PQfinish(listener);
    return absl::UnavailableError(absl::StrCat("cannot open the LISTEN connection: ", why));
  }
  PGresult* listening = PQexec(listener, absl::StrCat("LISTEN ", kChannel).c_str());
  const bool ok = PQresultStatus(listening) == PGRES_COMMAND_OK;
  PQclear(listening);
  if (!ok) {
    PQfinish(listener);
    return absl::InternalError("LISTEN failed");
  }
  std::unique_ptr<PgStoreCore> core(new PgStoreCore(std::move(*db), listener, notifier));
  auto last = core->LastSequence();
  if (!last.ok()) return last.status();
  notifier->Notify(*last);
  return core;
}

PgStoreCore::PgStoreCore(std::unique_ptr<PgDb> db, PGconn* listener, ChangeNotifier* notifier)
    : db_(std::move(db)), listener_(listener), notifier_(notifier) {
  listen_thread_ = std::thread([this] { Listen(); });
}

PgStoreCore::~PgStoreCore() {
  stopping_ = true;
  if (listen_thread_.joinable()) listen_thread_.join();
  PQfinish(listener_);
}

// Wakes this replica's feed followers when another replica commits changes.
void PgStoreCore::Listen() {
  while (!stopping_) {
    pollfd fd{PQsocket(listener_), POLLIN, 0};
    if (poll(&fd, 1, 200) <= 0) continue;
    if (!PQconsumeInput(listener_)) {
      LogError("the feed's LISTEN connection failed", {{"error", PQerrorMessage(listener_)}});
      PQreset(listener_);
      PQclear(PQexec(listener_, absl::StrCat("LISTEN ", kChannel).c_str()));
      continue;
    }
    while (PGnotify* n = PQnotifies(listener_)) {
      int64_t sequence = 0;
      if (absl::SimpleAtoi(n->extra, &sequence)) notifier_->Notify(sequence);
      PQfreemem(n);
    }
  }
}

absl::Status PgStoreCore::Transact(
    const std::function<absl::Status(PgDb&, PgChangeAppender&)>& body) {
  int64_t notify_up_to = 0;
  {
    absl::MutexLock lock(&mu_);
    PgChangeAppender changes(*db_);
    absl::Status status = db_->InTransaction([&]() -> absl::Status {
      changes.Reset();  // A retried attempt starts again.
      if (auto s = body(*db_, changes); !s.ok()) return s;
      if (changes.last_appended() == 0) return absl::OkStatus();
      // Delivered to every replica's LISTEN connection when this commits.
      return db_
          ->Query("SELECT pg_notify(?, ?)",
                  {std::string(kChannel), absl::StrCat(changes.last_appended())})
          .status();
    });
    if (!status.ok()) return status;
    notify_up_to = changes.last_appended();
  }
  if (notify_up_to > 0) notifier_->Notify(notify_up_to);
  return absl::OkStatus();
}

absl::StatusOr<std::vector<std::string>> PgStoreCore::ReadChanges(int64_t after, int limit) {
  absl::MutexLock lock(&mu_);
  return db_->ReadChanges(after, limit);
}

absl::StatusOr<int64_t> PgStoreCore::LastSequence() {
  absl::MutexLock lock(&mu_);
  return db_->LastSequence();
}

}  // namespace chitieu
