#pragma once
// A log sink for imap::Client's protocol trace that runs `on_idling` once,
// when the trace shows the server's IDLE continuation ("S: + idling"): from
// then on the server pushes changes to the idling session, so a test can
// make them from another connection at exactly that point, without sleeps.

#include <spdlog/sinks/base_sink.h>

#include <functional>
#include <mutex>
#include <string_view>
#include <utility>

namespace mailferry::test {

class ContinuationSink final : public spdlog::sinks::base_sink<std::mutex> {
  public:
    explicit ContinuationSink(std::function<void()> on_idling) : on_idling_(std::move(on_idling)) {}

  protected:
    void sink_it_(const spdlog::details::log_msg& msg) override {
        const std::string_view text(msg.payload.data(), msg.payload.size());
        if (!fired_ && text.find(" S: + ") != std::string_view::npos) {
            fired_ = true;
            on_idling_();
        }
    }
    void flush_() override {}

  private:
    std::function<void()> on_idling_;
    bool fired_ = false;
};

}  // namespace mailferry::test
