#pragma once
// Running a test's coroutine to completion, and failing it from inside one.

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include <gtest/gtest.h>

#include <exception>

// ASSERT_* cannot be used in a coroutine (it returns, not co_returns).
#define CO_REQUIRE(cond, detail)                                   \
    do {                                                           \
        if (!(cond)) {                                             \
            ADD_FAILURE() << "required: " #cond << ": " << detail; \
            co_return;                                             \
        }                                                          \
    } while (0)

namespace mailferry::test {

// Runs `fn()` (a coroutine lambda) on a fresh io_context to completion;
// an exception from it is rethrown here.
template <typename Fn>
void run_coroutine(Fn& fn) {
    boost::asio::io_context io;
    std::exception_ptr failure;
    bool done = false;
    boost::asio::co_spawn(io, fn(), [&](std::exception_ptr e) {
        failure = e;
        done = true;
    });
    io.run();
    if (failure) {
        std::rethrow_exception(failure);
    }
    EXPECT_TRUE(done);
}

}  // namespace mailferry::test
