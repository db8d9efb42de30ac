#include <iostream>

#include "cmd/commands.hpp"

int main(int argc, char** argv) {
  return roombook::cmd::dispatch(argc, argv, std::cout, std::cerr);
}
