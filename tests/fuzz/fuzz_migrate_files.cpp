// Fuzzes migrate::assemble (src/migrate/migrate.hpp): the names and contents
// of migration files, read from migrations/ or `migrate --dir`.
//
// The input is a list of files: a line "== PATH" starts a file named PATH,
// and the lines after it, up to the next such line, are its contents (bytes
// before the first one are ignored). std::invalid_argument is the refusal of
// a bad set of files, and must name a file. Checked beside the sanitizers,
// for files that assemble, on both dialects:
// - the migrations are sorted by (service, version), each once;
// - each one's paths are the given files' of its service, up ends in .up.sql
//   and down in .down.sql, .postgres ones only on PostgreSQL; its SQL is those
//   files' contents, its checksum 16 hexadecimal digits;
// - the file name's version and name are the migration's;
// - both dialects find the same migrations, with the same checksum where
//   neither has a PostgreSQL variant of its up file.

#include <cstddef>
#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "migrate/migrate.hpp"

namespace {

namespace migrate = roombook::migrate;
using roombook::db::Dialect;

std::vector<migrate::SourceFile> files_of(std::string_view text) {
  std::vector<migrate::SourceFile> files;
  bool in_file = false;
  while (!text.empty()) {
    const auto nl = text.find('\n');
    const std::string_view line = text.substr(0, nl);
    const std::string_view with_break =
        nl == std::string_view::npos ? text : text.substr(0, nl + 1);
    if (line.rfind("== ", 0) == 0) {
      files.push_back({std::string(line.substr(3)), ""});
      in_file = true;
    } else if (in_file) {
      files.back().contents += with_break;
    }
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
  }
  return files;
}

bool ends_with(const std::string& s, std::string_view suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix.data(), suffix.size()) == 0;
}

void check(const std::vector<migrate::SourceFile>& files, const std::vector<migrate::Migration>& ms,
           Dialect dialect) {
  std::map<std::string, const migrate::SourceFile*> by_path;
  for (const auto& f : files) by_path[f.path] = &f;
  for (std::size_t i = 0; i < ms.size(); ++i) {
    const auto& m = ms[i];
    if (i > 0 &&
        !(std::tie(ms[i - 1].service, ms[i - 1].version) < std::tie(m.service, m.version))) {
      __builtin_trap();
    }
    const auto up = by_path.find(m.up_path);
    const auto down = by_path.find(m.down_path);
    if (up == by_path.end() || down == by_path.end()) __builtin_trap();
    if (up->second->contents != m.up_sql || down->second->contents != m.down_sql) __builtin_trap();
    if (m.up_path.rfind(m.service + "/", 0) != 0 || m.down_path.rfind(m.service + "/", 0) != 0) {
      __builtin_trap();
    }
    if (!ends_with(m.up_path, ".up.sql") && !ends_with(m.up_path, ".up.postgres.sql")) {
      __builtin_trap();
    }
    if (!ends_with(m.down_path, ".down.sql") && !ends_with(m.down_path, ".down.postgres.sql")) {
      __builtin_trap();
    }
    if (dialect == Dialect::sqlite &&
        (ends_with(m.up_path, ".postgres.sql") || ends_with(m.down_path, ".postgres.sql"))) {
      __builtin_trap();
    }
    if (m.checksum.size() != 16 ||
        m.checksum.find_first_not_of("0123456789abcdef") != std::string::npos) {
      __builtin_trap();
    }
    // "svc/0042_name.up.sql": digits whose value is the version, then _name.
    const std::string file = m.up_path.substr(m.service.size() + 1);
    const auto underscore = file.find('_');
    const auto dot = file.find('.');
    if (underscore == std::string::npos || dot == std::string::npos || dot < underscore) {
      __builtin_trap();
    }
    std::int64_t version = 0;
    for (std::size_t k = 0; k < underscore; ++k) version = version * 10 + (file[k] - '0');
    if (version != m.version || file.substr(underscore + 1, dot - underscore - 1) != m.name) {
      __builtin_trap();
    }
    if (migrate::stem(m.version, m.name).size() < m.name.size() + 5) __builtin_trap();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto files = files_of(std::string_view(reinterpret_cast<const char*>(data), size));
  std::vector<migrate::Migration> sqlite;
  try {
    sqlite = migrate::assemble(files, Dialect::sqlite);
  } catch (const std::invalid_argument& e) {
    if (std::string_view(e.what()).rfind("migration file ", 0) != 0) __builtin_trap();
    // The same files are as bad on PostgreSQL: names, not dialects, decide.
    try {
      migrate::assemble(files, Dialect::postgres);
    } catch (const std::invalid_argument&) {
      return 0;
    }
    __builtin_trap();
  }
  const auto postgres = migrate::assemble(files, Dialect::postgres);  // must not throw
  check(files, sqlite, Dialect::sqlite);
  check(files, postgres, Dialect::postgres);
  if (sqlite.size() != postgres.size()) __builtin_trap();
  for (std::size_t i = 0; i < sqlite.size(); ++i) {
    const auto& a = sqlite[i];
    const auto& b = postgres[i];
    if (a.service != b.service || a.version != b.version || a.name != b.name) __builtin_trap();
    if (a.up_path == b.up_path && a.checksum != b.checksum) __builtin_trap();
  }
  return 0;
}
