#include "cli/app.hpp"

int main(int argc, char** argv) { return hwplan::cli::run(argc, argv); }
