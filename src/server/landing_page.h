// The page at `/`: until the dashboard exists, what the printed address shows, so that opening it in a
// browser leads somewhere useful (the APIs, the targets, the self-metrics) instead of a 404.
#pragma once

#include <string>
#include <string_view>

namespace foresight::server {

// An HTML page naming the version and linking the main endpoints.
std::string LandingPageHtml(std::string_view version);

}  // namespace foresight::server
