// The read model's schema, every version, written once for SQLite and
// PostgreSQL (reporting_schema.h).

#include "services/reporting/reporting_schema.h"

#include "absl/strings/str_cat.h"
#include "libs/common/registry_sql.h"

namespace chitieu::reporting {

const std::vector<std::string>& RecountAdmissionStatements() {
  static const std::vector<std::string> kStatements = {
      "DELETE FROM admission_counts",
      "INSERT INTO admission_counts SELECT seat_unit, admission_year, sum(count) FROM admissions "
      "GROUP BY seat_unit, admission_year"};
  return kStatements;
}

// The versioned schema, written once for both backends (PortableMigrations
// in libs/common/sql_store.h); a new version is appended, never edited.
const SqlMigrations& ReadModelMigrations() {
  static const SqlMigrations kMigrations = PortableMigrations({
      {.tables = absl::StrCat(R"sql(
CREATE TABLE cursors (source TEXT PRIMARY KEY, sequence INTEGER NOT NULL, commit_time BLOB);
CREATE TABLE units (code TEXT PRIMARY KEY, parent TEXT, display_name TEXT NOT NULL);
CREATE INDEX units_parent ON units(parent);
CREATE TABLE bodies (id TEXT PRIMARY KEY, display_name TEXT NOT NULL);
CREATE TABLE enterprises (
  code TEXT PRIMARY KEY,
  seat_unit TEXT NOT NULL,
  display_name TEXT NOT NULL,
  registration_date TEXT NOT NULL,
  official_party INTEGER NOT NULL,
  trade_union_members INTEGER NOT NULL,
  youth_union_members INTEGER NOT NULL,
  counts BLOB
);
CREATE INDEX enterprises_seat ON enterprises(seat_unit, code);
)sql",
                              kEnterpriseStatusTable, R"sql(
CREATE TABLE organizations (
  name TEXT PRIMARY KEY,
  code TEXT NOT NULL,
  seat_unit TEXT NOT NULL,
  kind INTEGER NOT NULL,
  founding_body TEXT NOT NULL,
  founding_year INTEGER NOT NULL,
  founding_date TEXT NOT NULL,
  dissolution_date TEXT
);
CREATE INDEX organizations_seat ON organizations(seat_unit, founding_year);
CREATE INDEX organizations_code ON organizations(code, kind);
CREATE TABLE admissions (
  name TEXT PRIMARY KEY,
  seat_unit TEXT NOT NULL,
  admission_year INTEGER NOT NULL,
  count INTEGER NOT NULL
);
CREATE INDEX admissions_seat ON admissions(seat_unit, admission_year);
CREATE TABLE targets (
  name TEXT PRIMARY KEY,
  assignee TEXT NOT NULL,
  year INTEGER NOT NULL,
  indicator INTEGER NOT NULL,
  value INTEGER NOT NULL
);
CREATE INDEX targets_assignee ON targets(assignee, year);
CREATE TABLE thresholds (year INTEGER PRIMARY KEY, data BLOB NOT NULL);
)sql")},
      // 2: what reports count, kept per seat unit by triggers, so a
      // report sums a few rows per unit of its subtree instead of
      // counting every organization (docs/PERFORMANCE.md).
      {.tables = R"sql(
CREATE TABLE organization_counts (
  seat_unit TEXT NOT NULL,
  founding_year INTEGER NOT NULL,
  kind INTEGER NOT NULL,
  founding_body TEXT NOT NULL,
  n INTEGER NOT NULL,
  PRIMARY KEY (seat_unit, founding_year, kind, founding_body)
);
INSERT INTO organization_counts
  SELECT seat_unit, founding_year, kind, founding_body, count(*) FROM organizations
  GROUP BY seat_unit, founding_year, kind, founding_body;
CREATE TABLE admission_counts (
  seat_unit TEXT NOT NULL,
  admission_year INTEGER NOT NULL,
  n INTEGER NOT NULL,
  PRIMARY KEY (seat_unit, admission_year)
);
INSERT INTO admission_counts
  SELECT seat_unit, admission_year, sum(count) FROM admissions GROUP BY seat_unit, admission_year;
)sql",
       .sqlite_only = R"sql(
CREATE TRIGGER organizations_counted AFTER INSERT ON organizations BEGIN
  INSERT INTO organization_counts VALUES
    (NEW.seat_unit, NEW.founding_year, NEW.kind, NEW.founding_body, 1)
  ON CONFLICT (seat_unit, founding_year, kind, founding_body) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER organizations_uncounted AFTER DELETE ON organizations BEGIN
  UPDATE organization_counts SET n = n - 1 WHERE seat_unit = OLD.seat_unit AND
    founding_year = OLD.founding_year AND kind = OLD.kind AND founding_body = OLD.founding_body;
END;
CREATE TRIGGER organizations_recounted AFTER UPDATE ON organizations BEGIN
  UPDATE organization_counts SET n = n - 1 WHERE seat_unit = OLD.seat_unit AND
    founding_year = OLD.founding_year AND kind = OLD.kind AND founding_body = OLD.founding_body;
  INSERT INTO organization_counts VALUES
    (NEW.seat_unit, NEW.founding_year, NEW.kind, NEW.founding_body, 1)
  ON CONFLICT (seat_unit, founding_year, kind, founding_body) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER admissions_counted AFTER INSERT ON admissions BEGIN
  INSERT INTO admission_counts VALUES (NEW.seat_unit, NEW.admission_year, NEW.count)
  ON CONFLICT (seat_unit, admission_year) DO UPDATE SET n = n + NEW.count;
END;
CREATE TRIGGER admissions_uncounted AFTER DELETE ON admissions BEGIN
  UPDATE admission_counts SET n = n - OLD.count
    WHERE seat_unit = OLD.seat_unit AND admission_year = OLD.admission_year;
END;
CREATE TRIGGER admissions_recounted AFTER UPDATE ON admissions BEGIN
  UPDATE admission_counts SET n = n - OLD.count
    WHERE seat_unit = OLD.seat_unit AND admission_year = OLD.admission_year;
  INSERT INTO admission_counts VALUES (NEW.seat_unit, NEW.admission_year, NEW.count)
  ON CONFLICT (seat_unit, admission_year) DO UPDATE SET n = n + NEW.count;
END;
)sql",
       .postgres_only = R"sql(
CREATE FUNCTION organization_counts_follow() RETURNS trigger AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    UPDATE organization_counts SET n = n - 1 WHERE seat_unit = OLD.seat_unit AND
      founding_year = OLD.founding_year AND kind = OLD.kind AND founding_body = OLD.founding_body;
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    INSERT INTO organization_counts VALUES
      (NEW.seat_unit, NEW.founding_year, NEW.kind, NEW.founding_body, 1)
    ON CONFLICT (seat_unit, founding_year, kind, founding_body)
      DO UPDATE SET n = organization_counts.n + 1;
  END IF;
  RETURN NULL;
END $$ LANGUAGE plpgsql;
CREATE TRIGGER organizations_counted AFTER INSERT OR UPDATE OR DELETE ON organizations
  FOR EACH ROW EXECUTE FUNCTION organization_counts_follow();
CREATE FUNCTION admission_counts_follow() RETURNS trigger AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    UPDATE admission_counts SET n = n - OLD.count
      WHERE seat_unit = OLD.seat_unit AND admission_year = OLD.admission_year;
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    INSERT INTO admission_counts VALUES (NEW.seat_unit, NEW.admission_year, NEW.count)
    ON CONFLICT (seat_unit, admission_year) DO UPDATE SET n = admission_counts.n + NEW.count;
  END IF;
  RETURN NULL;
END $$ LANGUAGE plpgsql;
CREATE TRIGGER admissions_counted AFTER INSERT OR UPDATE OR DELETE ON admissions
  FOR EACH ROW EXECUTE FUNCTION admission_counts_follow();
)sql"},
      // 3: what reports' approvals need (reporting_approvals.h): units'
      // open and close dates (the units a year expects reports from), and
      // who recorded each organization and admission, and when (the
      // changes since a report was submitted). The model is emptied, so
      // the followers replay both feeds once to fill them.
      {.tables = R"sql(
ALTER TABLE units ADD COLUMN open_date TEXT;
ALTER TABLE units ADD COLUMN close_date TEXT;
ALTER TABLE organizations ADD COLUMN recorded_by TEXT;
ALTER TABLE organizations ADD COLUMN record_time BLOB;
ALTER TABLE admissions ADD COLUMN recorded_by TEXT;
ALTER TABLE admissions ADD COLUMN record_time BLOB;
DELETE FROM organization_counts;
DELETE FROM admission_counts;
DELETE FROM cursors;
DELETE FROM units;
DELETE FROM bodies;
DELETE FROM enterprises;
DELETE FROM enterprise_status;
DELETE FROM organizations;
DELETE FROM admissions;
DELETE FROM targets;
DELETE FROM thresholds;
)sql"},
  });
  return kMigrations;
}

}  // namespace chitieu::reporting
