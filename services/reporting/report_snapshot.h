#pragma once

// The frozen figures of a submitted report: their canonical text (the bytes
// a content hash, and later a detached digital signature, are over), the
// hash, and what differs between a snapshot and the live figures. Pure
// functions over protos: no store, no gRPC. docs/APPROVALS.md specifies the
// canonical text.

#include <string>
#include <vector>

#include "chitieu/reporting/v1/reporting.pb.h"

namespace chitieu::reporting {

// The canonical text of `snapshot` of `report` (its name): version line,
// report, feed positions, then one line per indicator, breakdown and
// counted record, each group in a fixed order. Display names are left out:
// they may be renamed without changing a figure.
std::string CanonicalSnapshotText(const std::string& report, const v1::ReportSnapshot& snapshot);

// "sha256:" and the lowercase hex SHA-256 of `text`.
std::string ContentHash(const std::string& text);

// Fills the snapshot's canonical_text and content_hash from its figures.
void SealSnapshot(const std::string& report, v1::ReportSnapshot& snapshot);

// Per indicator whose target or achieved figure differs, or whose counted
// records differ, between `snapshot` and the live `indicators` and
// `records`: the figures on both sides and the records added and removed.
std::vector<v1::FigureChange> ChangesSince(
    const v1::ReportSnapshot& snapshot,
    const google::protobuf::RepeatedPtrField<v1::IndicatorProgress>& indicators,
    const google::protobuf::RepeatedPtrField<v1::CountedRecord>& records);

}  // namespace chitieu::reporting
