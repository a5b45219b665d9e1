# Compiler options as INTERFACE targets, linked PRIVATE by every target, so
# nothing edits CMAKE_CXX_FLAGS globally.

option(MAILFERRY_WERROR "Treat warnings as errors" OFF)
option(MAILFERRY_SANITIZE "Build with AddressSanitizer and UndefinedBehaviorSanitizer" OFF)

if(NOT CMAKE_CXX_COMPILER_LAUNCHER)
    find_program(CCACHE_PROGRAM ccache)
    if(CCACHE_PROGRAM)
        set(CMAKE_CXX_COMPILER_LAUNCHER ${CCACHE_PROGRAM})
    endif()
endif()

add_library(mailferry_warnings INTERFACE)
target_compile_options(mailferry_warnings INTERFACE
    -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wsign-conversion
    -Wnon-virtual-dtor -Wold-style-cast -Woverloaded-virtual
    -Wimplicit-fallthrough -Wformat=2
    # GCC 12 reports a false -Wmismatched-new-delete on Asio's coroutine
    # frames at -O2 (its own operator new/delete pair); nothing of ours.
    $<$<CXX_COMPILER_ID:GNU>:-Wno-mismatched-new-delete>
    $<$<BOOL:${MAILFERRY_WERROR}>:-Werror>)

add_library(mailferry_options INTERFACE)
target_compile_definitions(mailferry_options INTERFACE
    # Asio: no deprecated interfaces, and one io_context per thread model.
    BOOST_ASIO_NO_DEPRECATED
    BOOST_ASIO_DISABLE_CONCEPTS)
if(MAILFERRY_SANITIZE)
    # Two costs paid at every process start, and the integration layer
    # starts hundreds of processes (a sanitized mailferry took 1-2 s to print
    # its version): ASan registering each of a Debug build's globals, string
    # literals included (GCC: not instrumented, so overflows of globals go
    # unseen; heap and stack are checked), and the dynamic loader applying
    # millions of relocations to UBSan's check data (a non-PIE link has none).
    target_compile_options(mailferry_options INTERFACE
        -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
        $<$<CXX_COMPILER_ID:GNU>:--param=asan-globals=0>)
    target_link_options(mailferry_options INTERFACE -fsanitize=address,undefined -no-pie)
endif()
target_link_libraries(mailferry_options INTERFACE Threads::Threads)

# Each top-level folder is one library target (mailferry_clients, ...),
# made of components: small static libraries of one job each, so a test links
# only what it exercises.
#
# mailferry_library(NAME): the folder's target, an INTERFACE aggregate.
function(mailferry_library name)
    add_library(${name} INTERFACE)
endfunction()

# mailferry_component(LIB PART SOURCES ... [DEPS ...]): static library
# LIB_PART with the shared options; DEPS are linked PUBLIC. The project root
# is the include root, so headers are included as "clients/wire/base64.hpp".
function(mailferry_component lib part)
    cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
    set(target ${lib}_${part})
    add_library(${target} STATIC ${ARG_SOURCES})
    target_include_directories(${target} PUBLIC ${PROJECT_SOURCE_DIR} ${PROJECT_BINARY_DIR}/generated)
    target_link_libraries(${target} PUBLIC ${ARG_DEPS} PRIVATE mailferry_warnings mailferry_options)
    target_link_libraries(${lib} INTERFACE ${target})
endfunction()
