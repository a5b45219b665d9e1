#include "cli/temp_directory.hpp"

#include <fmt/format.h>

#include <stdlib.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>
#include <system_error>

namespace mailferry::cli {

TempDirectory::TempDirectory(std::string_view prefix) {
    std::error_code ec;
    std::filesystem::path base = std::filesystem::temp_directory_path(ec);
    if (ec) {
        base = "/tmp";
    }
    std::string pattern = (base / (std::string(prefix) + "XXXXXX")).string();
    if (::mkdtemp(pattern.data()) == nullptr) {
        throw std::runtime_error(fmt::format("cannot create a temporary directory {}: {}", pattern,
                                             std::strerror(errno)));
    }
    path_ = pattern;
}

TempDirectory::~TempDirectory() {
    if (!keep_) {
        std::error_code ec;  // best effort: a leftover temp dir is harmless
        std::filesystem::remove_all(path_, ec);
    }
}

}  // namespace mailferry::cli
