// The PostgreSQL store core every service's store shares (pg_store.h).

#include "libs/common/pg_store.h"

#include <poll.h>

#include <algorithm>
#include <chrono>
#include <thread>

#include "absl/flags/flag.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "google/protobuf/util/time_util.h"
#include "libs/common/log.h"
#include "libs/common/pg_connection.h"
#include "libs/common/status_macros.h"

ABSL_FLAG(int, pg_pool_size, 0,
          "PostgreSQL connections each store may open (0: four a core, at least four)");

namespace chitieu {
namespace {
constexpr char kChannel[] = "chitieu_feed";

bool StartListening(PGconn* conn) {
  PGresult* listening = PQexec(conn, absl::StrCat("LISTEN ", kChannel).c_str());
  const bool ok = PQresultStatus(listening) == PGRES_COMMAND_OK;
  PQclear(listening);
  return ok;
}
}  // namespace

absl::Status PgChangeAppender::Append(
    const std::function<std::string(int64_t, const google::protobuf::Timestamp&)>& serialize) {
  const auto now =
      google::protobuf::util::TimeUtil::NanosecondsToTimestamp(absl::GetCurrentTimeNanos());
  // Under the transaction's txid (the column's default); sent with the
  // next statement or the COMMIT.
  RETURN_IF_ERROR(db_.Defer("INSERT INTO changes (data) VALUES (?)", {SqlBlob{serialize(0, now)}}));
  appended_ = true;
  return absl::OkStatus();
}

absl::Status PgChangeAppender::AppendAll(
    int n,
    const std::function<std::string(int, int64_t, const google::protobuf::Timestamp&)>& serialize) {
  const auto now =
      google::protobuf::util::TimeUtil::NanosecondsToTimestamp(absl::GetCurrentTimeNanos());
  for (int first = 0; first < n; first += kBatchRows) {
    const int rows = std::min(kBatchRows, n - first);
    std::vector<SqlValue> data;
    data.reserve(rows);
    for (int i = first; i < first + rows; ++i) {
      data.push_back(SqlBlob{serialize(i, 0, now)});
    }
    std::vector<std::string> marks(rows, "(?)");
    RETURN_IF_ERROR(
        db_.Defer(absl::StrCat("INSERT INTO changes (data) VALUES ", absl::StrJoin(marks, ", ")),
                  std::move(data)));
    appended_ = true;
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<PgStoreCore>> PgStoreCore::Open(
    const std::string& url, const std::vector<std::string>& migrations, ChangeNotifier* notifier,
    bool durable) {
  int size = absl::GetFlag(FLAGS_pg_pool_size);
  if (size <= 0) {
    size = std::max(4, 4 * static_cast<int>(std::thread::hardware_concurrency()));
  }
  auto connect = [url, durable]() -> absl::StatusOr<std::unique_ptr<PgDb>> {
    ASSIGN_OR_RETURN(auto db, PgDb::Open(url));
    if (!durable) {
      RETURN_IF_ERROR(db->SetSession("SET synchronous_commit = off"));
    }
    return db;
  };
  // A connection handed back broken (the server restarted, the link
  // broke) is reconnected (PgDb::ResetOnRelease).
  ASSIGN_OR_RETURN(auto pool, Pool::Open(connect, size, [](PgDb& db) { db.ResetOnRelease(); }));
  bool has_feed = false;
  {
    ASSIGN_OR_RETURN(auto db, pool->Acquire());
    RETURN_IF_ERROR(db->Migrate(migrations));
    ASSIGN_OR_RETURN(auto rows, db->Query("SELECT count(*) FROM information_schema.columns "
                                          "WHERE table_schema = current_schema() AND "
                                          "table_name = 'changes' AND column_name = 'txid'"));
    has_feed = rows.Int64(0, 0) > 0;
  }
  PGconn* listener = nullptr;
  if (notifier != nullptr) {
    listener = PQconnectdb(url.c_str());
    if (PQstatus(listener) != CONNECTION_OK) {
      const std::string why = PQerrorMessage(listener);
      PQfinish(listener);
      return absl::UnavailableError(absl::StrCat("cannot open the LISTEN connection: ", why));
    }
    if (!StartListening(listener)) {
      PQfinish(listener);
      return absl::InternalError("LISTEN failed");
    }
  }
  std::unique_ptr<PgStoreCore> core(new PgStoreCore(std::move(pool), listener, notifier));
  if (has_feed) {
    ASSIGN_OR_RETURN(auto own, core->pool_->Connect());
    core->sequencer_ = std::make_unique<PgSequencer>(std::move(own), notifier, kChannel);
  }
  if (notifier != nullptr) {
    ASSIGN_OR_RETURN(auto last, core->LastSequence());
    notifier->Notify(last);
  }
  return core;
}

PgStoreCore::PgStoreCore(std::unique_ptr<Pool> pool, PGconn* listener, ChangeNotifier* notifier)
    : pool_(std::move(pool)), listener_(listener), notifier_(notifier) {
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
// A lost connection is reopened (every 200 ms while the server refuses it)
// and LISTENs again; the followers are then woken to the head, which may
// have moved while nobody listened.
void PgStoreCore::Listen() {
  bool listening = true;
  bool behind = false;  // Reconnected; the followers not yet woken to the head.
  while (!stopping_) {
    if (!listening) {
      // Unbounded but for the store's stop (its destructor joins this
      // thread): a retry every 200 ms either way.
      listening = ReopenConnection(listener_, absl::InfiniteDuration(),
                                   [this] { return stopping_.load(); }) &&
                  StartListening(listener_);
      if (!listening) {
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
        continue;
      }
      LogInfo("the feed's LISTEN connection is back");
      behind = true;
    }
    if (behind) {
      // Until it succeeds (the database may still refuse the pool's
      // connections).
      if (auto last = LastSequence(); last.ok()) {
        notifier_->Notify(*last);
        behind = false;
      }
    }
    pollfd fd{PQsocket(listener_), POLLIN, 0};
    if (fd.fd < 0) {
      listening = false;
      continue;
    }
    if (poll(&fd, 1, 200) <= 0) {
      continue;
    }
    // A terminated backend's last message can be read without an error;
    // the connection is then closed (no socket).
    if (!PQconsumeInput(listener_) || PQstatus(listener_) != CONNECTION_OK) {
      LogError("the feed's LISTEN connection failed", {{"error", PQerrorMessage(listener_)}});
      listening = false;
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

absl::StatusOr<bool> PgStoreCore::Commit(
    const std::function<absl::Status(SqlSession&, ChangeLog&)>& body) {
  ASSIGN_OR_RETURN(auto db, pool_->Acquire());
  PgChangeAppender changes(*db);
  RETURN_IF_ERROR(db->InTransaction([&]() -> absl::Status {
    changes.Reset();  // A retried attempt starts again.
    return body(*db, changes);
  }));
  return changes.appended();
}

absl::Status PgStoreCore::Transact(
    const std::function<absl::Status(SqlSession&, ChangeLog&)>& body) {
  ASSIGN_OR_RETURN(const bool appended, Commit(body));
  // Acknowledged once the feed shows it, as on SQLite: a caller that wrote
  // and then reads the feed finds its change.
  if (appended) {
    AwaitFeed();
  }
  return absl::OkStatus();
}

absl::Status PgStoreCore::TransactBatch(
    const std::function<absl::Status(SqlSession&, ChangeLog&)>& body) {
  ASSIGN_OR_RETURN(const bool appended, Commit(body));
  if (appended && sequencer_ != nullptr) {
    sequencer_->Ask();
  }
  return absl::OkStatus();
}

void PgStoreCore::AwaitFeed() {
  if (sequencer_ != nullptr) {
    sequencer_->AwaitNumbered(absl::Seconds(5));
  }
}

absl::Status PgStoreCore::Read(const std::function<absl::Status(SqlSession&)>& body) {
  // Each statement reads the latest committed state, outside a transaction:
  // BEGIN and COMMIT would be two more round trips a read (measured: the
  // read model's GetProgress, about ten reads, went from 1.3 to 3.7 ms).
  return OnConnection(body);
}

absl::Status PgStoreCore::OnConnection(const std::function<absl::Status(PgDb&)>& read) {
  ASSIGN_OR_RETURN(auto db, pool_->Acquire());
  const int64_t resets = db->resets();
  absl::Status s = read(*db);
  // A connection the server dropped (a restart drops every pooled one):
  // reconnected, and the read, which has nothing to undo, run again once.
  if (db->ReconnectIfLost(s, resets)) {
    s = read(*db);
  }
  return s;
}

absl::StatusOr<std::vector<StoredChange>> PgStoreCore::ReadChanges(int64_t after, int limit) {
  std::vector<StoredChange> changes;
  RETURN_IF_ERROR(OnConnection([&](PgDb& db) -> absl::Status {
    ASSIGN_OR_RETURN(changes, db.ReadChanges(after, limit));
    return absl::OkStatus();
  }));
  return changes;
}

absl::StatusOr<int64_t> PgStoreCore::LastSequence() {
  int64_t last = 0;
  RETURN_IF_ERROR(OnConnection([&](PgDb& db) -> absl::Status {
    ASSIGN_OR_RETURN(last, db.LastSequence());
    return absl::OkStatus();
  }));
  return last;
}

}  // namespace chitieu
