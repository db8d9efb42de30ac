// Migration files: naming, grouping into migrations, reading from disk and
// creating new ones. Nothing here touches a database.

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <utility>

#include "migrate/migrate.hpp"

namespace roombook::migrate {
namespace {

namespace fs = std::filesystem;

// NNNN_name.up.sql, NNNN_name.down.sql, and their .postgres.sql variants.
const std::regex kFileName{R"(^([0-9]{4,})_([a-z0-9_]+)\.(up|down)(\.postgres)?\.sql$)"};
const std::regex kName{R"(^[a-z0-9_]+$)"};
const std::regex kService{R"(^[a-z0-9-]+$)"};

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

// Nullopt when `file` (a bare file name) is not a migration file name.
std::optional<ParsedName> parse_name(const std::string& file) {
  std::smatch m;
  if (!std::regex_match(file, m, kFileName)) return std::nullopt;
  ParsedName p;
  const std::string digits = m[1].str();
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), p.version);
  if (ec != std::errc{} || end != digits.data() + digits.size()) return std::nullopt;
  p.name = m[2].str();
  p.up = m[3].str() == "up";
  p.postgres = m[4].matched;
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
    if (!std::regex_match(service, kService)) {
      bad_file(f.path, "service folder '" + service + "' must match [a-z0-9-]+");
    }
    const auto parsed = parse_name(file);
    if (!parsed) {
      bad_file(f.path,
               "bad name: expected NNNN_name.up.sql or NNNN_name.down.sql (4+ digits, name "
               "[a-z0-9_]+, optional .postgres before .sql)");
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
  if (!std::regex_match(service, kService)) {
    throw std::invalid_argument("service '" + service +
                                "' is not valid: use lower-case letters, digits and '-' "
                                "([a-z0-9-]+), e.g. user-mgmt");
  }
  if (!std::regex_match(name, kName)) {
    throw std::invalid_argument("migration name '" + name +
                                "' is not valid: use lower-case letters, digits and '_' "
                                "([a-z0-9_]+), e.g. add_room_capacity");
  }
  const fs::path folder = fs::path(dir) / service;
  std::error_code ec;
  fs::create_directories(folder, ec);
  if (ec) throw Error("cannot create " + folder.string() + ": " + ec.message());

  std::int64_t last = 0;
  for (const auto& entry : fs::directory_iterator(folder)) {
    const auto parsed = parse_name(entry.path().filename().string());
    if (parsed) last = std::max(last, parsed->version);
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
