// Replaces the global operator new/delete of the executable it is linked
// into, to count the bytes held (held_bytes.hpp). Sizes come from
// malloc_usable_size so an unsized delete subtracts what its new added.
#include "tests/support/held_bytes.hpp"

#include <malloc.h>

#include <atomic>
#include <cstdlib>
#include <new>

namespace mailferry::test {
namespace {

std::atomic<std::size_t> held{0};
std::atomic<std::size_t> peak{0};

void* counted_alloc(std::size_t size) {
    void* p = std::malloc(size == 0 ? 1 : size);
    if (p == nullptr) {
        throw std::bad_alloc();
    }
    const std::size_t usable = malloc_usable_size(p);
    const std::size_t now = held.fetch_add(usable) + usable;
    std::size_t seen = peak.load();
    while (now > seen && !peak.compare_exchange_weak(seen, now)) {
    }
    return p;
}

void counted_free(void* p) noexcept {
    if (p != nullptr) {
        held.fetch_sub(malloc_usable_size(p));
        std::free(p);
    }
}

}  // namespace

std::size_t held_bytes() noexcept {
    return held.load();
}
std::size_t held_peak() noexcept {
    return peak.load();
}
void reset_held_peak() noexcept {
    peak.store(held.load());
}

}  // namespace mailferry::test

void* operator new(std::size_t size) {
    return mailferry::test::counted_alloc(size);
}
void* operator new[](std::size_t size) {
    return mailferry::test::counted_alloc(size);
}
void* operator new(std::size_t size, const std::nothrow_t&) noexcept {
    try {
        return mailferry::test::counted_alloc(size);
    } catch (const std::bad_alloc&) {
        return nullptr;
    }
}
void* operator new[](std::size_t size, const std::nothrow_t& tag) noexcept {
    return operator new(size, tag);
}
void operator delete(void* p) noexcept {
    mailferry::test::counted_free(p);
}
void operator delete[](void* p) noexcept {
    mailferry::test::counted_free(p);
}
void operator delete(void* p, std::size_t) noexcept {
    mailferry::test::counted_free(p);
}
void operator delete[](void* p, std::size_t) noexcept {
    mailferry::test::counted_free(p);
}
void operator delete(void* p, const std::nothrow_t&) noexcept {
    mailferry::test::counted_free(p);
}
void operator delete[](void* p, const std::nothrow_t&) noexcept {
    mailferry::test::counted_free(p);
}
