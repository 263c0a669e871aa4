// foresight: the single binary. Flags are in flags.h, the process lifecycle in app.h.
#include <malloc.h>

#include <iostream>

#include "server/app.h"
#include "server/flags.h"

int main(int argc, char** argv) {
  // glibc's defaults hand a query's freed memory back to the kernel after every request and fault it in again
  // on the next: 15-45 ms of a 50 ms range query (measured with query_bench --breakdown). Keep up to 512 MiB
  // of freed memory for reuse instead; large buffers stay in the heap rather than in per-call mmaps.
  mallopt(M_TRIM_THRESHOLD, 512 << 20);
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  foresight::server::ParsedFlags parsed = foresight::server::ParseFlags(argc, argv);
  if (parsed.exit) {
    (parsed.exit_code == 0 ? std::cout : std::cerr) << parsed.output << std::flush;
    return parsed.exit_code;
  }
  foresight::server::BlockHandledSignals();  // before App's constructor starts any thread
  foresight::server::App app(std::move(parsed.flags));
  return app.Run();
}
