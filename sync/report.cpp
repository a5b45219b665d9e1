#include "sync/report.hpp"

#include <algorithm>
#include <ctime>
#include <iterator>

#include <fmt/format.h>

namespace mailferry::sync {
namespace {

nlohmann::json messages_json(const MessageFigures& m) {
    return {{"source", m.source},     {"to_copy", m.to_copy},
            {"copied", m.copied},     {"already_there", m.already_there},
            {"filtered", m.filtered}, {"failed", m.failed}};
}

nlohmann::json bytes_json(const ByteFigures& b) {
    return {{"to_copy", b.to_copy}, {"copied", b.copied}};
}

std::string human_bytes(std::uint64_t n) {
    constexpr const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    if (n < 1024) {
        return fmt::format("{} B", n);
    }
    double value = static_cast<double>(n);
    std::size_t unit = 0;
    while (value >= 1024.0 && unit + 1 < std::size(units)) {
        value /= 1024.0;
        ++unit;
    }
    return fmt::format("{:.1f} {}", value, units[unit]);
}

}  // namespace

std::string format_utc(Report::Clock::time_point t) {
    const std::time_t seconds = Report::Clock::to_time_t(t);
    std::tm tm{};
    gmtime_r(&seconds, &tm);
    return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", tm.tm_year + 1900, tm.tm_mon + 1,
                       tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

Report Report::from_plan(const Plan& plan, std::string source, std::string target, bool dry_run,
                         Clock::time_point started) {
    Report r;
    r.dry_run_ = dry_run;
    r.source_ = std::move(source);
    r.target_ = std::move(target);
    r.started_ = started;
    // A real run counts a folder as created when the executor says so.
    r.folders_created_ = dry_run ? plan.folders_to_create.size() : 0;
    r.gmail_ = plan.gmail;
    r.add_plan(plan);
    return r;
}

void Report::add_plan(const Plan& plan) {
    for (const FolderPlan& f : plan.folders) {
        FolderReport* fr = folder(f.source);
        if (fr == nullptr) {
            FolderReport added;
            added.source = f.source;
            added.target = f.target;
            folders_.push_back(std::move(added));
            fr = &folders_.back();
        }
        const FolderCounts c = f.counts();
        fr->created = fr->created || (dry_run_ && f.created);
        fr->messages.source += c.source;
        fr->messages.to_copy += c.to_copy;
        fr->messages.already_there += c.already_there;
        fr->messages.filtered += c.filtered;
        fr->bytes.to_copy += c.bytes_to_copy;
        fr->flag_updates += c.flag_updates;
        fr->deletions += c.deletions;
        fr->messages.failed += f.refused.size() + f.kept_on_source.size();
        // What the plan already knows it will not do, for a dry run too.
        for (const RefusedCopy& refused : f.refused) {
            errors_.push_back({f.source, refused.source_key, refused.reason});
        }
        for (const SourceDeletion& kept : f.kept_on_source) {
            errors_.push_back({f.source, kept.source_key, std::string(kept_on_source_reason)});
        }
        if (f.deletions_held_back > 0) {
            errors_.push_back({f.source, "", f.held_back_reason});
        }
    }
}

FolderReport* Report::folder(std::string_view source_folder) {
    for (FolderReport& f : folders_) {
        if (f.source == source_folder) {
            return &f;
        }
    }
    return nullptr;
}

void Report::record_copied(std::string_view source_folder, std::uint64_t bytes) {
    if (FolderReport* f = folder(source_folder)) {
        ++f->messages.copied;
        f->bytes.copied += bytes;
    }
}

void Report::record_failed(std::string_view source_folder, std::string source_id,
                           std::string error) {
    if (FolderReport* f = folder(source_folder)) {
        ++f->messages.failed;
    }
    errors_.push_back({std::string(source_folder), std::move(source_id), std::move(error)});
}

void Report::record_folder_created(std::string_view target_folder) {
    ++folders_created_;
    for (FolderReport& f : folders_) {
        if (f.target == target_folder) {
            f.created = true;
        }
    }
}

void Report::record_folder_error(std::string_view source_folder, std::string error) {
    errors_.push_back({std::string(source_folder), "", std::move(error)});
}

MessageFigures& operator+=(MessageFigures& sum, const MessageFigures& m) noexcept {
    sum.source += m.source;
    sum.to_copy += m.to_copy;
    sum.copied += m.copied;
    sum.already_there += m.already_there;
    sum.filtered += m.filtered;
    sum.failed += m.failed;
    return sum;
}

ByteFigures& operator+=(ByteFigures& sum, const ByteFigures& b) noexcept {
    sum.to_copy += b.to_copy;
    sum.copied += b.copied;
    return sum;
}

ReportTotals& operator+=(ReportTotals& sum, const ReportTotals& t) noexcept {
    sum.messages += t.messages;
    sum.bytes += t.bytes;
    sum.flag_updates += t.flag_updates;
    sum.deletions += t.deletions;
    sum.folders_created += t.folders_created;
    return sum;
}

nlohmann::json to_json(const ReportTotals& t) {
    return {{"messages", messages_json(t.messages)},
            {"bytes", bytes_json(t.bytes)},
            {"flag_updates", t.flag_updates},
            {"deletions", t.deletions},
            {"folders_created", t.folders_created}};
}

ReportTotals Report::totals() const {
    ReportTotals t;
    for (const FolderReport& f : folders_) {
        t.messages += f.messages;
        t.bytes += f.bytes;
        t.flag_updates += f.flag_updates;
        t.deletions += f.deletions;
    }
    t.folders_created = folders_created_;
    return t;
}

nlohmann::json Report::to_json() const {
    nlohmann::json folders = nlohmann::json::array();
    for (const FolderReport& f : folders_) {
        folders.push_back({{"source", f.source},
                           {"target", f.target},
                           {"created", f.created},
                           {"messages", messages_json(f.messages)},
                           {"bytes", bytes_json(f.bytes)},
                           {"flag_updates", f.flag_updates},
                           {"deletions", f.deletions}});
    }
    const ReportTotals t = totals();
    nlohmann::json errors = nlohmann::json::array();
    for (const ReportError& e : errors_) {
        errors.push_back({{"folder", e.folder}, {"source_id", e.source_id}, {"error", e.error}});
    }
    const nlohmann::json throttling = {{"episodes", throttling_.episodes},
                                       {"wait_s", throttling_.wait_s},
                                       {"connections_start", throttling_.connections_start},
                                       {"connections_end", throttling_.connections_end}};
    nlohmann::json out = {{"dry_run", dry_run_},        {"source", source_},
                          {"target", target_},          {"started", format_utc(started_)},
                          {"duration_s", duration_s_},  {"folders", std::move(folders)},
                          {"totals", sync::to_json(t)}, {"errors", std::move(errors)},
                          {"throttling", throttling}};
    if (gmail_) {
        out["gmail"] = {{"strategy", gmail_->description},
                        {"messages_saved", gmail_->messages_saved},
                        {"bytes_saved", gmail_->bytes_saved}};
    }
    return out;
}

std::string Report::to_table() const {
    std::vector<std::string> labels;
    std::size_t width = std::string_view("Folder").size();
    for (const FolderReport& f : folders_) {
        std::string label = f.source == f.target ? f.source : f.source + " -> " + f.target;
        if (f.created) {
            label += " (new)";
        }
        width = std::max(width, label.size());
        labels.push_back(std::move(label));
    }
    std::string out = fmt::format(
        "{} {} -> {}\n", dry_run_ ? "Dry run (nothing changed):" : "Run:", source_, target_);
    const auto row = [&](std::string_view label, const MessageFigures& m, const ByteFigures& b,
                         std::size_t flags, std::size_t deletions) {
        out +=
            fmt::format("{:<{}}  {:>7}  {:>7}  {:>7}  {:>7}  {:>8}  {:>6}  {:>10}  {:>5}  {:>7}\n",
                        label, width, m.source, m.to_copy, m.copied, m.already_there, m.filtered,
                        m.failed, human_bytes(dry_run_ ? b.to_copy : b.copied), flags, deletions);
    };
    out += fmt::format("{:<{}}  {:>7}  {:>7}  {:>7}  {:>7}  {:>8}  {:>6}  {:>10}  {:>5}  {:>7}\n",
                       "Folder", width, "source", "to copy", "copied", "there", "filtered",
                       "failed", dry_run_ ? "to copy" : "copied", "flags", "deleted");
    for (std::size_t i = 0; i < folders_.size(); ++i) {
        const FolderReport& f = folders_[i];
        row(labels[i], f.messages, f.bytes, f.flag_updates, f.deletions);
    }
    const ReportTotals t = totals();
    row("Total", t.messages, t.bytes, t.flag_updates, t.deletions);
    if (gmail_) {
        out += fmt::format("Gmail: {}; saves {} message copies ({})\n", gmail_->description,
                           gmail_->messages_saved, human_bytes(gmail_->bytes_saved));
    }
    out += fmt::format("{} folder(s) {}, {} error(s)\n", t.folders_created,
                       dry_run_ ? "to create" : "created", errors_.size());
    for (const ReportError& e : errors_) {
        out += fmt::format("  {} {}: {}\n", e.folder, e.source_id, e.error);
    }
    if (throttling_.episodes > 0) {
        out += fmt::format(
            "Throttled by the server: {} episode(s), {:.1f} s waited, connections {} -> {}\n",
            throttling_.episodes, throttling_.wait_s, throttling_.connections_start,
            throttling_.connections_end);
    }
    return out;
}

}  // namespace mailferry::sync
