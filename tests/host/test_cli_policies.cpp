// `mpsim policies` through the real binary: every policy and every documented key is listed,
// one policy can be asked for, and an unknown name is one line with the nearest name, status 2.
#include <catch2/catch.hpp>

#include <sys/wait.h>

#include <cstdio>
#include <string>

#include "host/config/policy_config.hpp"
#include "tests/support/run_mpsim.hpp"

namespace {

struct Run {
  int status = -1;
  std::string out;
};

// stdout and stderr together, and the exit status.
Run run_mpsim(const std::string& args) {
  const std::string cmd = std::string(MPSIM_BINARY) + " " + args + " 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  REQUIRE(p != nullptr);
  Run r;
  char buf[4096];
  for (std::size_t n; (n = fread(buf, 1, sizeof buf, p)) > 0;) r.out.append(buf, n);
  const int raw = pclose(p);
  r.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
  mpsim::test::throw_on_sanitizer_report(r.out);
  return r;
}

}  // namespace

TEST_CASE("mpsim policies lists every policy and key of the description table", "[host][cli]") {
  const Run all = run_mpsim("policies");
  REQUIRE(all.status == 0);
  for (const mpsim::host::PolicyDescription& d : mpsim::host::policy_descriptions()) {
    INFO(d.name);
    CHECK_THAT(all.out, Catch::Contains(std::string("\n") + d.name + ": " + d.summary + "\n"));
    for (const mpsim::host::ParamDescription& p : d.params) CHECK_THAT(all.out, Catch::Contains(std::string("  ") + p.key + " "));
  }
  const Run lee = run_mpsim("policies lee");
  REQUIRE(lee.status == 0);
  CHECK(lee.out.rfind("lee: ", 0) == 0);
  CHECK_THAT(lee.out, Catch::Contains("promotion"));
  CHECK_THAT(lee.out, !Catch::Contains("mixed16:"));
  const Run bad = run_mpsim("policies leee");
  CHECK(bad.status == 2);
  CHECK(bad.out == "mpsim policies: unknown policy 'leee' (did you mean 'lee'?)\n");
}
