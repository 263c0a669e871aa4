// foresight: the single binary. Flags are in flags.h, the process lifecycle in app.h.
#include <iostream>

#include "server/app.h"
#include "server/flags.h"

int main(int argc, char** argv) {
  foresight::server::ParsedFlags parsed = foresight::server::ParseFlags(argc, argv);
  if (parsed.exit) {
    (parsed.exit_code == 0 ? std::cout : std::cerr) << parsed.output << std::flush;
    return parsed.exit_code;
  }
  foresight::server::App app(std::move(parsed.flags));
  return app.Run();
}
