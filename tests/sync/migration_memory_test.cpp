// A 20 MB message crosses in constant memory (STYLE §3): the servers run in a
// child process, so the peak resident size (VmHWM, reset first through
// /proc/self/clear_refs) of this process measures the migration alone.
#include "tests/sync/migration_fixture.hpp"

#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <fstream>

namespace mailferry::test {
namespace {

long status_kb(const char* field) {
    std::ifstream in("/proc/self/status");
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind(field, 0) == 0) {
            return std::stol(line.substr(std::string(field).size()));
        }
    }
    return -1;
}

std::string big_message() {
    std::string m = "Subject: big\r\nMessage-ID: <big@example.org>\r\n\r\n";
    std::string line(76, 'x');
    for (std::size_t i = 0; m.size() + 78 <= 20 * 1024 * 1024; ++i) {
        line[i % 76] = static_cast<char>('a' + i % 26);
        m += line + "\r\n";
    }
    return m;
}

// Child: serves both accounts, then reports whether the target got the
// message byte for byte.
[[noreturn]] void serve(int to_parent, int from_parent) {
    int ok = 0;
    {
        Account source, target;
        source.add("INBOX", {{big_message(), {"\\Seen"}, 1'700'000'000}});
        const std::string ports = source.imap().url + "\n" + target.imap().url + "\n";
        if (write(to_parent, ports.data(), ports.size()) != static_cast<ssize_t>(ports.size())) {
            _exit(2);
        }
        char go = 0;
        if (read(from_parent, &go, 1) == 1) {
            ok = target.read() == source.read() ? 1 : 0;
        }
    }
    const char result = ok != 0 ? 'y' : 'n';
    _exit(write(to_parent, &result, 1) == 1 ? 0 : 3);
}

TEST(MigrationMemory, TwentyMegabyteMessageCrossesInConstantMemory) {
    int up[2];
    int down[2];
    ASSERT_EQ(pipe(up), 0);
    ASSERT_EQ(pipe(down), 0);
    const pid_t child = fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
        close(up[0]);
        close(down[1]);
        serve(up[1], down[0]);
    }
    close(up[1]);
    close(down[0]);
    std::string urls;
    char c = 0;
    while (std::count(urls.begin(), urls.end(), '\n') < 2 && read(up[0], &c, 1) == 1) {
        urls += c;
    }
    ASSERT_EQ(std::count(urls.begin(), urls.end(), '\n'), 2) << "the servers did not start";
    const std::string source_url = urls.substr(0, urls.find('\n'));
    const std::string target_url =
        urls.substr(urls.find('\n') + 1, urls.rfind('\n') - urls.find('\n') - 1);

    StateFile state;
    std::ofstream("/proc/self/clear_refs") << "5";
    const long before = status_kb("VmRSS:");
    const auto run = migrate({source_url, "secret", "", false, false},
                             {target_url, "secret", "", false, false}, state.store());
    const long peak = status_kb("VmHWM:");
    ASSERT_EQ(run.outcome, sync::Outcome::ok) << run.message;
    EXPECT_EQ(run.report->totals().bytes.copied, big_message().size());
    // Well below the message's 20 MB: the pipe holds 1 MiB.
    EXPECT_LT(peak - before, 8 * 1024) << "peak grew by " << (peak - before) << " kB";

    const char go = 'g';
    ASSERT_EQ(write(down[1], &go, 1), 1);
    char verdict = 0;
    ASSERT_EQ(read(up[0], &verdict, 1), 1);
    EXPECT_EQ(verdict, 'y') << "the target's copy differs from the source";
    int status = 0;
    waitpid(child, &status, 0);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    close(up[0]);
    close(down[1]);
}

}  // namespace
}  // namespace mailferry::test
