#include "user-mgmt/routes.hpp"

#include <memory>

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

Response created(const User& user) {
  return Response::json(201, to_json(user)).header("Location", "/users/" + std::to_string(user.id));
}

}  // namespace

void mount(http::Router& router, db::Pool& pool) {
  auto service = std::make_shared<UserService>(pool);

  auto list = [service](const Request& req) {
    const auto limit = req.query_integer("limit").value_or(kDefaultLimit);
    const auto after_id = req.query_integer("after_id").value_or(0);
    auto page = service->list(limit, after_id, req.query_param("username"));
    auto body = nlohmann::ordered_json::array();
    for (const auto& user : page.users) body.push_back(to_json(user));
    auto response = Response::json(200, body);
    if (page.next_after_id) {
      // A username filter matches one user at most, so a next page never has
      // to carry it.
      response.header("Link", "</users?limit=" + std::to_string(limit) + "&after_id=" +
                                  std::to_string(*page.next_after_id) + ">; rel=\"next\"");
    }
    return response;
  };
  auto get = [service](const Request& req) {
    const auto id = req.id_param("id", "user");
    auto user = service->get(id);
    if (!user) no_such_user(id);
    return Response::json(200, to_json(*user));
  };
  auto create = [service](const Request& req) {
    return created(service->create(fields_from_json(req.json())));
  };
  auto replace = [service](const Request& req) {
    const auto id = req.id_param("id", "user");
    auto user = service->replace(id, fields_from_json(req.json()));
    if (!user) no_such_user(id);
    return Response::json(200, to_json(*user));
  };
  auto patch = [service](const Request& req) {
    const auto id = req.id_param("id", "user");
    auto user = service->patch(id, req.json());
    if (!user) no_such_user(id);
    return Response::json(200, to_json(*user));
  };
  auto remove = [service](const Request& req) {
    const auto id = req.id_param("id", "user");
    if (!service->remove(id)) no_such_user(id);
    return Response::no_content();
  };

  router.add(Method::get, "/users", list);
  router.add(Method::post, "/users", create);
  router.add(Method::get, "/users/{id}", get);
  router.add(Method::put, "/users/{id}", replace);
  router.add(Method::patch, "/users/{id}", patch);
  router.add(Method::del, "/users/{id}", remove);
  router.add(Method::post, "/user", create);
  router.add(Method::get, "/user/{id}", get);
  router.add(Method::del, "/user/{id}", remove);
}

}  // namespace roombook::user_mgmt
