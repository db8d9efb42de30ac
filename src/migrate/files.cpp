// Migration files: naming, grouping into migrations, reading from disk and
// creating new ones. Nothing here touches a database.

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string_view>
#include <utility>

#include "migrate/migrate.hpp"

namespace roombook::migrate {
namespace {

namespace fs = std::filesystem;

// Names are checked by plain scans, not std::regex: the regex engine
// recurses once per character, and a long enough name from the command line
// overflowed the stack.

/// Longest migration name ("add_room_capacity") and service folder name.
constexpr std::size_t kMaxNameLength = 100;
constexpr std::size_t kMaxServiceLength = 64;
/// Largest migration file read: a schema change is a few KiB of SQL, and
/// each file is held in memory whole.
constexpr std::uintmax_t kMaxFileBytes = 16 << 20;

bool is_name_char(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'; }
bool is_service_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
}

/// [a-z0-9_]+, at most kMaxNameLength characters.
bool is_valid_name(std::string_view s) {
  return !s.empty() && s.size() <= kMaxNameLength && std::all_of(s.begin(), s.end(), is_name_char);
}

/// [a-z0-9-]+, at most kMaxServiceLength characters.
bool is_valid_service(std::string_view s) {
  return !s.empty() && s.size() <= kMaxServiceLength &&
         std::all_of(s.begin(), s.end(), is_service_char);
}

std::string fnv1a64(const std::string& data) {
  std::uint64_t h = 14695981039346656037ull;
  for (unsigned char c : data) {
    h ^= c;
    h *= 1099511628211ull;
  }
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

struct ParsedName {
  std::int64_t version = 0;
  std::string name;
  bool up = true;
  bool postgres = false;
};

// NNNN_name.up.sql, NNNN_name.down.sql, and their .postgres.sql variants:
// 4 or more digits, '_', then [a-z0-9_]+ up to the first '.'. Nullopt when
// `file` (a bare file name) is not of that form. Throws std::invalid_argument
// naming `path` when it is, but its name is longer than kMaxNameLength or its
// version does not fit an int64.
std::optional<ParsedName> parse_name(std::string_view file, const std::string& path) {
  const auto dot = file.find('.');
  if (dot == std::string_view::npos) return std::nullopt;
  ParsedName p;
  const std::string_view suffix = file.substr(dot);
  if (suffix == ".up.sql" || suffix == ".up.postgres.sql") {
    p.up = true;
  } else if (suffix == ".down.sql" || suffix == ".down.postgres.sql") {
    p.up = false;
  } else {
    return std::nullopt;
  }
  p.postgres = suffix.find(".postgres") != std::string_view::npos;
  const std::string_view stem_part = file.substr(0, dot);
  std::size_t digits = 0;
  while (digits < stem_part.size() && stem_part[digits] >= '0' && stem_part[digits] <= '9') {
    ++digits;
  }
  if (digits < 4 || digits == stem_part.size() || stem_part[digits] != '_') return std::nullopt;
  const std::string_view name = stem_part.substr(digits + 1);
  if (name.empty() || !std::all_of(name.begin(), name.end(), is_name_char)) return std::nullopt;

  if (name.size() > kMaxNameLength) {
    throw std::invalid_argument("migration file " + path + ": the name is " +
                                std::to_string(name.size()) + " characters long; at most " +
                                std::to_string(kMaxNameLength) + " are allowed");
  }
  // Digit by digit, refusing before the value passes INT64_MAX.
  constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
  for (std::size_t i = 0; i < digits; ++i) {
    const int d = stem_part[i] - '0';
    if (p.version > (kMax - d) / 10) {
      throw std::invalid_argument("migration file " + path + ": the version is larger than " +
                                  std::to_string(kMax));
    }
    p.version = p.version * 10 + d;
  }
  p.name = std::string(name);
  return p;
}

// The files one migration may have, pointing into the input.
struct Group {
  std::string name;
  std::string first_path;  // for messages about the group as a whole
  const SourceFile* up = nullptr;
  const SourceFile* down = nullptr;
  const SourceFile* up_postgres = nullptr;
  const SourceFile* down_postgres = nullptr;
};

[[noreturn]] void bad_file(const std::string& path, const std::string& why) {
  throw std::invalid_argument("migration file " + path + ": " + why);
}

}  // namespace

std::vector<Migration> assemble(const std::vector<SourceFile>& files, db::Dialect dialect) {
  std::map<std::pair<std::string, std::int64_t>, Group> groups;
  for (const SourceFile& f : files) {
    const auto slash = f.path.find('/');
    if (slash == std::string::npos || f.path.find('/', slash + 1) != std::string::npos) {
      bad_file(f.path, "expected <service>/NNNN_name.up.sql (one folder per service)");
    }
    const std::string service = f.path.substr(0, slash);
    const std::string file = f.path.substr(slash + 1);
    if (!is_valid_service(service)) {
      bad_file(f.path, "service folder '" + service + "' must match [a-z0-9-]+, at most " +
                           std::to_string(kMaxServiceLength) + " characters");
    }
    const auto parsed = parse_name(file, f.path);
    if (!parsed) {
      bad_file(f.path,
               "bad name: expected NNNN_name.up.sql or NNNN_name.down.sql (4+ digits, name "
               "[a-z0-9_]+, at most " +
                   std::to_string(kMaxNameLength) + " characters, optional .postgres before .sql)");
    }
    Group& g = groups[{service, parsed->version}];
    if (g.first_path.empty()) {
      g.name = parsed->name;
      g.first_path = f.path;
    } else if (g.name != parsed->name) {
      bad_file(f.path, "duplicate version: " + stem(parsed->version, parsed->name) +
                           " in service " + service + " (also used by " + g.first_path + ")");
    }
    const SourceFile** slot = parsed->up ? (parsed->postgres ? &g.up_postgres : &g.up)
                                         : (parsed->postgres ? &g.down_postgres : &g.down);
    if (*slot) bad_file(f.path, "listed twice");
    *slot = &f;
  }

  std::vector<Migration> out;
  out.reserve(groups.size());
  for (const auto& [key, g] : groups) {
    if (!g.up) {
      const SourceFile* any = g.down ? g.down : g.up_postgres ? g.up_postgres : g.down_postgres;
      bad_file(any->path, "no matching .up.sql");
    }
    if (!g.down) bad_file(g.up->path, "no matching .down.sql");
    const bool pg = dialect == db::Dialect::postgres;
    const SourceFile& up = pg && g.up_postgres ? *g.up_postgres : *g.up;
    const SourceFile& down = pg && g.down_postgres ? *g.down_postgres : *g.down;
    Migration m;
    m.service = key.first;
    m.version = key.second;
    m.name = g.name;
    m.up_path = up.path;
    m.up_sql = up.contents;
    m.down_path = down.path;
    m.down_sql = down.contents;
    m.checksum = fnv1a64(m.up_sql);
    out.push_back(std::move(m));
  }
  return out;  // std::map already ordered it by (service, version)
}

std::vector<SourceFile> read_dir(const std::string& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    throw Error("migrations directory " + dir + " does not exist or is not a directory");
  }
  std::vector<SourceFile> out;
  try {
    for (const auto& entry : fs::recursive_directory_iterator(dir)) {
      if (!entry.is_regular_file() || entry.path().extension() != ".sql") continue;
      if (const auto size = entry.file_size(); size > kMaxFileBytes) {
        throw Error("migration file " + entry.path().string() + " is " + std::to_string(size) +
                    " bytes; at most " + std::to_string(kMaxFileBytes >> 20) + " MiB are allowed");
      }
      std::ifstream in(entry.path(), std::ios::binary);
      std::ostringstream contents;
      contents << in.rdbuf();
      if (!in) throw Error("cannot read migration file " + entry.path().string());
      out.push_back({fs::relative(entry.path(), dir).generic_string(), contents.str()});
    }
  } catch (const fs::filesystem_error& e) {
    throw Error("cannot read migrations directory " + dir + ": " + e.what());
  }
  std::sort(out.begin(), out.end(),
            [](const SourceFile& a, const SourceFile& b) { return a.path < b.path; });
  return out;
}

std::vector<std::string> create(const std::string& dir, const std::string& service,
                                const std::string& name) {
  // Too long to quote back: say how long instead.
  if (service.size() > kMaxServiceLength) {
    throw std::invalid_argument("service name is " + std::to_string(service.size()) +
                                " characters long; at most " + std::to_string(kMaxServiceLength) +
                                " lower-case letters, digits and '-' ([a-z0-9-]+), e.g. user-mgmt");
  }
  if (!is_valid_service(service)) {
    throw std::invalid_argument("service '" + service + "' is not valid: use 1 to " +
                                std::to_string(kMaxServiceLength) +
                                " lower-case letters, digits and '-' ([a-z0-9-]+), e.g. user-mgmt");
  }
  if (name.size() > kMaxNameLength) {
    throw std::invalid_argument(
        "migration name is " + std::to_string(name.size()) + " characters long; at most " +
        std::to_string(kMaxNameLength) +
        " lower-case letters, digits and '_' ([a-z0-9_]+), e.g. add_room_capacity");
  }
  if (!is_valid_name(name)) {
    throw std::invalid_argument(
        "migration name '" + name + "' is not valid: use 1 to " + std::to_string(kMaxNameLength) +
        " lower-case letters, digits and '_' ([a-z0-9_]+), e.g. add_room_capacity");
  }
  const fs::path folder = fs::path(dir) / service;
  std::error_code ec;
  fs::create_directories(folder, ec);
  if (ec) throw Error("cannot create " + folder.string() + ": " + ec.message());

  std::int64_t last = 0;
  for (const auto& entry : fs::directory_iterator(folder)) {
    const auto parsed = parse_name(entry.path().filename().string(), entry.path().string());
    if (parsed) last = std::max(last, parsed->version);
  }
  if (last == std::numeric_limits<std::int64_t>::max()) {
    throw Error("cannot number the next migration of " + service + ": " + std::to_string(last) +
                " is the largest version");
  }
  const std::string file_stem = stem(last + 1, name);
  const fs::path up = folder / (file_stem + ".up.sql");
  const fs::path down = folder / (file_stem + ".down.sql");
  for (const fs::path& p : {up, down}) {
    if (fs::exists(p)) throw Error("refusing to overwrite " + p.string());
  }
  const auto write = [](const fs::path& p, const std::string& text) {
    std::ofstream out(p, std::ios::binary);
    out << text;
    if (!out) throw Error("cannot write " + p.string());
  };
  const std::string title = service + " " + file_stem;
  write(up, "-- " + title +
                ": what changes and why.\n"
                "-- Runs in one transaction together with its schema_migrations row.\n\n");
  write(down, "-- " + title + ": undo exactly what the .up.sql does.\n\n");
  return {up.string(), down.string()};
}

std::string padded_version(std::int64_t version) {
  char padded[32];
  std::snprintf(padded, sizeof padded, "%04lld", static_cast<long long>(version));
  return padded;
}

std::string stem(std::int64_t version, const std::string& name) {
  return padded_version(version) + "_" + name;
}

}  // namespace roombook::migrate
