#pragma once
// A fresh private directory under the system's temporary directory, removed
// with everything in it on destruction unless keep() was called. Used by
// `mailferry demo` for its state file and by dry runs that have no state
// file yet (so they leave nothing behind).

#include <filesystem>
#include <string_view>

namespace mailferry::cli {

class TempDirectory {
  public:
    // Creates "<tmp>/<prefix>XXXXXX" (mode 0700). Throws std::runtime_error
    // naming the directory when that fails.
    explicit TempDirectory(std::string_view prefix);
    ~TempDirectory();
    TempDirectory(const TempDirectory&) = delete;
    TempDirectory& operator=(const TempDirectory&) = delete;

    const std::filesystem::path& path() const noexcept { return path_; }
    void keep() noexcept { keep_ = true; }

  private:
    std::filesystem::path path_;
    bool keep_ = false;
};

}  // namespace mailferry::cli
