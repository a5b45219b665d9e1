#include "cli/app.hpp"

int main(int argc, char** argv) {
    return mailferry::cli::run(argc, argv);
}
