#include "sync/verify_report.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <string_view>

namespace mailferry::sync {
namespace {

nlohmann::json counts_json(const VerifyCounts& c) {
    return {{"source", c.source},   {"verified", c.verified},   {"missing", c.missing},
            {"differs", c.differs}, {"duplicate", c.duplicate}, {"extra", c.extra}};
}

}  // namespace

std::string to_table(const Verification& v) {
    std::size_t width = std::string_view("Folder").size();
    std::vector<std::string> labels;
    for (const FolderVerification& f : v.folders) {
        labels.push_back(f.source == f.target ? f.source : f.source + " -> " + f.target);
        width = std::max(width, labels.back().size());
    }
    std::string out =
        fmt::format("Verify{}: {} -> {}\n", v.sampled ? " (bytes of a sample per folder)" : "",
                    v.source, v.target);
    const auto row = [&](std::string_view label, const VerifyCounts& c) {
        out += fmt::format("{:<{}}  {:>7}  {:>8}  {:>7}  {:>7}  {:>9}  {:>5}\n", label, width,
                           c.source, c.verified, c.missing, c.differs, c.duplicate, c.extra);
    };
    out += fmt::format("{:<{}}  {:>7}  {:>8}  {:>7}  {:>7}  {:>9}  {:>5}\n", "Folder", width,
                       "source", "verified", "missing", "differs", "duplicate", "extra");
    for (std::size_t i = 0; i < v.folders.size(); ++i) {
        row(labels[i], v.folders[i].messages);
    }
    const VerifyCounts t = v.totals();
    row("Total", t);
    if (v.complete()) {
        out += fmt::format("complete: all {} message(s) are on the target{}; proof {}\n",
                           t.verified, t.extra > 0 ? " (and some extra ones)" : "", v.digest);
    } else {
        out += fmt::format("INCOMPLETE: {} missing, {} differ, {} duplicate(s)\n", t.missing,
                           t.differs, t.duplicate);
    }
    for (const VerifyProblem& p : v.problems) {
        std::string where = p.folder + " " + std::string(to_string(p.kind));
        if (!p.source_id.empty()) {
            where += " source " + p.source_id;
        }
        if (p.target_uid) {
            where += " target UID " + std::to_string(*p.target_uid);
        }
        out += fmt::format("  {}: {}\n", where, p.detail);
    }
    return out;
}

nlohmann::json to_json(const Verification& v) {
    nlohmann::json folders = nlohmann::json::array();
    nlohmann::json proof_folders = nlohmann::json::array();
    for (const FolderVerification& f : v.folders) {
        folders.push_back(
            {{"source", f.source}, {"target", f.target}, {"messages", counts_json(f.messages)}});
        nlohmann::json messages = nlohmann::json::array();
        for (const ProvenMessage& m : f.proof) {
            messages.push_back(
                {{"sha256", m.sha256}, {"size", m.size}, {"flags", m.flags}, {"date", m.date}});
        }
        proof_folders.push_back({{"source", f.source},
                                 {"target", f.target},
                                 {"messages", std::move(messages)},
                                 {"digest", f.digest}});
    }
    nlohmann::json problems = nlohmann::json::array();
    for (const VerifyProblem& p : v.problems) {
        problems.push_back(
            {{"folder", p.folder},
             {"kind", std::string(to_string(p.kind))},
             {"source_id", p.source_id},
             {"target_uid", p.target_uid ? nlohmann::json(*p.target_uid) : nlohmann::json(nullptr)},
             {"message_id", p.message_id},
             {"detail", p.detail}});
    }
    return {{"source", v.source},
            {"target", v.target},
            {"sampled", v.sampled},
            {"complete", v.complete()},
            {"folders", std::move(folders)},
            {"totals", counts_json(v.totals())},
            {"problems", std::move(problems)},
            {"proof", {{"folders", std::move(proof_folders)}, {"digest", v.digest}}}};
}

}  // namespace mailferry::sync
