// The PostgreSQL store core every service's store shares (pg_store.h).

#include "libs/common/pg_store.h"

#include <poll.h>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "google/protobuf/util/time_util.h"
#include "libs/common/log.h"
#include "libs/common/status_macros.h"

namespace chitieu {
namespace {
constexpr char kChannel[] = "chitieu_feed";
}  // namespace

absl::Status PgChangeAppender::Append(
    const std::function<std::string(int64_t, const google::protobuf::Timestamp&)>& serialize) {
  ASSIGN_OR_RETURN(auto sequence, db_.NextSequence());
  const auto now =
      google::protobuf::util::TimeUtil::NanosecondsToTimestamp(absl::GetCurrentTimeNanos());
  RETURN_IF_ERROR(db_.InsertChange(sequence, serialize(sequence, now)));
  last_ = sequence;
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<PgStoreCore>> PgStoreCore::Open(
    const std::string& url, const std::vector<std::string>& migrations, ChangeNotifier* notifier) {
  ASSIGN_OR_RETURN(auto db, PgDb::Open(url));
  RETURN_IF_ERROR(db->Migrate(migrations));
  if (notifier == nullptr) {
    return std::unique_ptr<PgStoreCore>(new PgStoreCore(std::move(db), nullptr, nullptr));
  }
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
  std::unique_ptr<PgStoreCore> core(new PgStoreCore(std::move(db), listener, notifier));
  ASSIGN_OR_RETURN(auto last, core->LastSequence());
  notifier->Notify(last);
  return core;
}

PgStoreCore::PgStoreCore(std::unique_ptr<PgDb> db, PGconn* listener, ChangeNotifier* notifier)
    : db_(std::move(db)), listener_(listener), notifier_(notifier) {
  if (listener_ != nullptr) {
    listen_thread_ = std::thread([this] { Listen(); });
  }
}

PgStoreCore::~PgStoreCore() {
  stopping_ = true;
  if (listen_thread_.joinable()) {
    listen_thread_.join();
  }
  if (listener_ != nullptr) {
    PQfinish(listener_);
  }
}

// Wakes this replica's feed followers when another replica commits changes.
void PgStoreCore::Listen() {
  while (!stopping_) {
    pollfd fd{PQsocket(listener_), POLLIN, 0};
    if (poll(&fd, 1, 200) <= 0) {
      continue;
    }
    if (!PQconsumeInput(listener_)) {
      LogError("the feed's LISTEN connection failed", {{"error", PQerrorMessage(listener_)}});
      PQreset(listener_);
      PQclear(PQexec(listener_, absl::StrCat("LISTEN ", kChannel).c_str()));
      continue;
    }
    while (PGnotify* n = PQnotifies(listener_)) {
      int64_t sequence = 0;
      if (absl::SimpleAtoi(n->extra, &sequence)) {
        notifier_->Notify(sequence);
      }
      PQfreemem(n);
    }
  }
}

absl::Status PgStoreCore::Transact(
    const std::function<absl::Status(SqlSession&, ChangeLog&)>& body) {
  int64_t notify_up_to = 0;
  {
    absl::MutexLock lock(&mu_);
    PgChangeAppender changes(*db_);
    RETURN_IF_ERROR(db_->InTransaction([&]() -> absl::Status {
      changes.Reset();  // A retried attempt starts again.
      RETURN_IF_ERROR(body(*db_, changes));
      if (changes.last_appended() == 0 || notifier_ == nullptr) {
        return absl::OkStatus();
      }
      // Delivered to every replica's LISTEN connection when this commits.
      return db_->Run("SELECT pg_notify(?, ?)",
                      {std::string(kChannel), absl::StrCat(changes.last_appended())});
    }));
    notify_up_to = changes.last_appended();
  }
  if (notify_up_to > 0 && notifier_ != nullptr) {
    notifier_->Notify(notify_up_to);
  }
  return absl::OkStatus();
}

absl::Status PgStoreCore::Read(const std::function<absl::Status(SqlSession&)>& body) {
  absl::MutexLock lock(&mu_);
  return body(*db_);
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
