// Runs in its own executable: init() must never have been called.
#include <unistd.h>

#include <cstdio>
#include <regex>
#include <string>

#include <catch2/catch.hpp>

#include "log/log.hpp"

TEST_CASE("before init, loggers log info and up as text to stderr", "[log]") {
  std::fflush(stderr);
  const int saved = dup(2);
  std::FILE* file = std::tmpfile();
  dup2(fileno(file), 2);
  auto logger = roombook::log::get("early");
  logger->debug("debug hidden");
  logger->info("info shown");
  std::fflush(stderr);
  dup2(saved, 2);
  close(saved);

  std::string text;
  std::rewind(file);
  char buffer[1024];
  std::size_t n;
  while ((n = std::fread(buffer, 1, sizeof buffer, file)) > 0) text.append(buffer, n);
  std::fclose(file);

  CHECK(std::regex_match(
      text,
      std::regex(R"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z INFO  \[early\] info shown\n)")));
}
