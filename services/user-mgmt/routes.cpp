#include "user-mgmt/routes.hpp"

#include "core/error.hpp"
#include "user-mgmt/service.hpp"

namespace roombook::user_mgmt {

namespace {

using http::Method;
using http::Request;
using http::Response;

[[noreturn]] void no_such_user(std::int64_t id) {
  throw core::not_found("user " + std::to_string(id) + " does not exist");
}

Response user_response(int status, const User& user) {
  return Response::json_text(status, core::json_of(user));
}

/// The users API: parse the request, call the service, answer JSON.
class Routes final : public service::Mounted {
 public:
  explicit Routes(db::Pool& pool) : service_(pool) {}

  Response list(const Request& req) {
    const auto page = req.page();
    auto result = service_.list(page, req.query_param("username"));
    auto response = Response::json_text(200, core::json_array_of(result.items));
    // A username filter matches one user at most, so a next page never has
    // to carry it.
    if (result.next_after_id) http::add_next_link(response, "/users", page, *result.next_after_id);
    return response;
  }

  Response create(const Request& req) {
    const auto user = service_.create(fields_from_json(req.json()));
    return user_response(201, user).header("Location", "/users/" + std::to_string(user.id));
  }

  Response get(const Request& req) {
    const auto id = req.id_param("id", "user");
    auto user = service_.get(id);
    if (!user) no_such_user(id);
    return user_response(200, *user);
  }

  Response replace(const Request& req) {
    const auto id = req.id_param("id", "user");
    auto user = service_.replace(id, fields_from_json(req.json()));
    if (!user) no_such_user(id);
    return user_response(200, *user);
  }

  Response patch(const Request& req) {
    const auto id = req.id_param("id", "user");
    auto user = service_.patch(id, req.json());
    if (!user) no_such_user(id);
    return user_response(200, *user);
  }

  Response remove(const Request& req) {
    const auto id = req.id_param("id", "user");
    if (!service_.remove(id)) no_such_user(id);
    return Response::no_content();
  }

 private:
  UserService service_;
};

}  // namespace

std::unique_ptr<service::Mounted> mount(http::Router& router, const service::ServiceDeps& deps) {
  auto routes = std::make_unique<Routes>(deps.pool);
  http::add_routes(router, *routes,
                   {
                       {Method::get, "/users", &Routes::list},
                       {Method::post, "/users", &Routes::create},
                       {Method::get, "/users/{id}", &Routes::get},
                       {Method::put, "/users/{id}", &Routes::replace},
                       {Method::patch, "/users/{id}", &Routes::patch},
                       {Method::del, "/users/{id}", &Routes::remove},
                       {Method::post, "/user", &Routes::create},
                       {Method::get, "/user/{id}", &Routes::get},
                       {Method::del, "/user/{id}", &Routes::remove},
                   });
  return routes;
}

}  // namespace roombook::user_mgmt
