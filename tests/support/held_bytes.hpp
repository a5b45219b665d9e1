#pragma once
// What the process holds on the heap, counted by replacing the global
// operator new and delete (held_bytes.cpp; link it into one test executable
// only). Unlike the resident set, it does not move with page reuse, the
// allocator's caching or other processes: it is the bytes the code keeps.

#include <cstddef>

namespace mailferry::test {

// Bytes allocated through operator new and not yet deleted.
std::size_t held_bytes() noexcept;
// The most held at once since the last reset_held_peak().
std::size_t held_peak() noexcept;
// Starts a new peak from what is held now.
void reset_held_peak() noexcept;

}  // namespace mailferry::test
