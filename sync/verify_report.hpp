#pragma once
// How a verification is shown: a table per folder for the terminal and the
// JSON of SPEC.md ("verify": folders with their counts, problems, proof).

#include "sync/verify.hpp"

#include <nlohmann/json.hpp>

#include <string>

namespace mailferry::sync {

// One row per folder (source, verified, missing, differs, duplicate,
// extra), a total, a final verdict line, then the problems.
std::string to_table(const Verification& v);

nlohmann::json to_json(const Verification& v);

}  // namespace mailferry::sync
