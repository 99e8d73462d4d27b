#pragma once

// The demo's approvals: Hoàn Kiếm's wards get their 2012 and 2013 targets,
// and both years' reports are moved ward → district → city, as the article
// reports them (docs/APPROVALS.md).

#include <string>

namespace chitieu::seed {

// Sub-allocates the wards' targets through quota, waits until reporting
// shows each year's whole scenario, then submits, approves and accepts
// every expected ward's report and the district's. Safe to run again: a
// report already past a step is left as it is. 0 on success.
int SeedApprovals(const std::string& quota_addr, const std::string& reporting_addr);

}  // namespace chitieu::seed
