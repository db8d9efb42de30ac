#include "rooms/user_client.hpp"

// Calls go through the table below, not curl's type-checking macros.
#define CURL_DISABLE_TYPECHECK
#include <curl/curl.h>

#include "core/error.hpp"
#include "core/shared_library.hpp"
#include "core/url.hpp"
#include "log/log.hpp"

namespace roombook::rooms {

namespace {

// libcurl, loaded by the first UserClient (see core/shared_library.hpp):
// user-mgmt and the admin commands never map it, nor the thirty libraries
// it brings.
// clang-format off
#define ROOMBOOK_LIBCURL(X) \
  X(curl_global_init) X(curl_easy_cleanup) X(curl_easy_init) X(curl_slist_append) \
  X(curl_easy_setopt) X(curl_easy_perform) X(curl_easy_getinfo) X(curl_slist_free_all) \
  X(curl_easy_strerror)
// clang-format on

struct LibCurl {
#define ROOMBOOK_MEMBER(name) decltype(&::name) name;
  ROOMBOOK_LIBCURL(ROOMBOOK_MEMBER)
#undef ROOMBOOK_MEMBER
};

/// Loaded, and initialised once per process before any thread uses it, as
/// libcurl requires. Throws std::runtime_error when it cannot be loaded.
const LibCurl& libcurl() {
  static const LibCurl api = [] {
    static const core::SharedLibrary library("libcurl.so.4", "libcurl4");
    LibCurl loaded{};
#define ROOMBOOK_LOAD(name) loaded.name = library.symbol<decltype(&::name)>(#name);
    ROOMBOOK_LIBCURL(ROOMBOOK_LOAD)
#undef ROOMBOOK_LOAD
    loaded.curl_global_init(CURL_GLOBAL_DEFAULT);
    return loaded;
  }();
  return api;
}
#undef ROOMBOOK_LIBCURL

std::size_t discard(char* /*data*/, std::size_t size, std::size_t count, void* /*user*/) {
  return size * count;
}

}  // namespace

UserClient::UserClient(const config::UserMgmtClient& settings)
    : base_url_(settings.url),
      connect_timeout_(settings.connect_timeout),
      timeout_(settings.timeout),
      breaker_("user-mgmt at " + core::mask_url(base_url_),
               BreakerOptions{settings.breaker_failures, settings.breaker_cooldown}) {
  while (!base_url_.empty() && base_url_.back() == '/') base_url_.pop_back();
  if (!settings.token.empty()) auth_header_ = "Authorization: Bearer " + settings.token;
  shown_url_ = core::mask_url(base_url_);
  libcurl();
}

UserClient::~UserClient() {
  for (auto* curl : idle_) libcurl().curl_easy_cleanup(static_cast<CURL*>(curl));
}

void* UserClient::take() {
  {
    std::lock_guard lock(mutex_);
    if (!idle_.empty()) {
      auto* curl = idle_.back();
      idle_.pop_back();
      return curl;
    }
  }
  return libcurl().curl_easy_init();
}

void UserClient::give_back(void* curl) {
  std::lock_guard lock(mutex_);
  idle_.push_back(curl);
}

bool UserClient::exists(std::int64_t user_id, const std::string& request_id) {
  if (const auto wait = breaker_.admit()) {
    const auto retry = std::chrono::ceil<std::chrono::seconds>(*wait);
    throw core::Error(core::ErrorKind::unavailable,
                      "user-mgmt at " + shown_url_ +
                          " failed repeatedly; not asking it again for " +
                          std::to_string(retry.count()) + " s")
        .with_retry_after(std::max(retry, std::chrono::seconds(1)));
  }
  try {
    const bool found = ask(user_id, request_id);
    breaker_.success();
    return found;
  } catch (const core::Error& e) {
    breaker_.failure(e.what());
    throw;
  }
}

bool UserClient::ask(std::int64_t user_id, const std::string& request_id) {
  auto* curl = static_cast<CURL*>(take());
  if (curl == nullptr) {
    throw core::Error(core::ErrorKind::unavailable, "cannot start an HTTP client for user-mgmt");
  }
  const std::string url = base_url_ + "/users/" + std::to_string(user_id);
  const std::string id_header = "X-Request-Id: " + request_id;
  curl_slist* headers = nullptr;
  headers = libcurl().curl_slist_append(headers, "Accept: application/json");
  if (!request_id.empty()) headers = libcurl().curl_slist_append(headers, id_header.c_str());
  if (!auth_header_.empty()) headers = libcurl().curl_slist_append(headers, auth_header_.c_str());

  libcurl().curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  libcurl().curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
  libcurl().curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  libcurl().curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, discard);
  libcurl().curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS,
                             static_cast<long>(connect_timeout_.count()));
  libcurl().curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout_.count()));
  // No signals from a multi-threaded server: timeouts must not use SIGALRM.
  libcurl().curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  char error[CURL_ERROR_SIZE] = "";
  libcurl().curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error);

  const CURLcode rc = libcurl().curl_easy_perform(curl);
  long status = 0;
  libcurl().curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  libcurl().curl_easy_setopt(curl, CURLOPT_HTTPHEADER, nullptr);
  libcurl().curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, nullptr);
  libcurl().curl_slist_free_all(headers);
  give_back(curl);

  if (rc != CURLE_OK) {
    // curl's message may quote the URL, password included.
    throw core::Error(
        core::ErrorKind::unavailable,
        "user-mgmt at " + shown_url_ + " (USER_MGMT_URL) is unavailable: " +
            core::mask_url(error[0] ? std::string(error) : libcurl().curl_easy_strerror(rc)));
  }
  if (status == 200) return true;
  if (status == 404) return false;
  if (status == 401 || status == 403) {
    // Not the client's doing: this service's own credentials are wrong.
    const std::string why =
        status == 401 ? (auth_header_.empty() ? "USER_MGMT_TOKEN is not set"
                                              : "the token in USER_MGMT_TOKEN is not valid there")
                      : "the token in USER_MGMT_TOKEN lacks the read scope";
    log::get("rooms")->error(
        "user-mgmt at {} refused this service's call with {}: {}; set USER_MGMT_TOKEN to a "
        "token made with `roombook token create NAME --scope read --service user-mgmt`",
        shown_url_, status, why);
    throw core::Error(core::ErrorKind::unavailable,
                      "user-mgmt refused this service's credentials; bookings are unavailable "
                      "until an operator sets USER_MGMT_TOKEN");
  }
  throw core::Error(core::ErrorKind::unavailable,
                    "user-mgmt at " + shown_url_ + " (USER_MGMT_URL) answered " +
                        std::to_string(status) + " for user " + std::to_string(user_id));
}

}  // namespace roombook::rooms
