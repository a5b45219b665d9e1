#include "cli/secret_file_mode.hpp"

#include <spdlog/spdlog.h>

#include <sys/stat.h>

namespace mailferry::cli {

void warn_if_readable_by_others(const std::string& file, std::string_view kind,
                                const std::string& option) {
    struct stat st {};
    if (::stat(file.c_str(), &st) != 0 || (st.st_mode & S_IROTH) == 0) {
        return;
    }
    spdlog::warn(
        "the {} {} ({}) can be read by every user of this machine (mode {:04o}); "
        "make it private with: chmod 600 {}",
        kind, file, option, st.st_mode & 07777, file);
}

}  // namespace mailferry::cli
