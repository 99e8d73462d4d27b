#pragma once

// The CLI's CSV import: a file with a header row of Enterprise field names
// (enterprise_code, display_name, legal_form, sector, seat_unit,
// registration_date, …) becomes ImportEnterprises batches of 500 rows. A
// row the JSON mapping refuses is sent with its code alone, so that the
// registry reports it as a rejected row rather than the CLI dropping it.

#include <istream>
#include <memory>
#include <string>
#include <vector>

#include "chitieu/registry/v1/registry.pb.h"

namespace chitieu::cli {

// "002" → "units/002"; "party" → "ORGANIZATION_KIND_PARTY" (an enum prefix
// ends with '_'); a value that already has the prefix is kept.
std::string WithPrefix(const std::string& prefix, std::string value);

// Splits one CSV line (RFC 4180 quotes).
std::vector<std::string> CsvFields(const std::string& line);

// Reads the whole CSV; `rows` counts the data rows.
std::vector<std::unique_ptr<registry::v1::ImportEnterprisesRequest>> ReadImportCsv(
    std::istream& in, const std::string& source, int* rows);

}  // namespace chitieu::cli
