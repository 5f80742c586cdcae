#include "tests/kernel/kernel_util.h"

#include <fstream>

#include <sys/wait.h>
#include <unistd.h>

#include "compiler/driver/passes.h"

namespace sg::testing {

namespace fs = std::filesystem;

bool bpf_required() {
  const char* v = std::getenv("SG_REQUIRE_BPF");
  return v != nullptr && std::string(v) == "1";
}

std::optional<pack::Pack> compile_pack(const std::string& rules,
                                       std::string& error) {
  ScratchDir dir;
  Compilation c;
  c.inputs = {dir.write("rules.sg", rules)};
  c.check.today = "2026-06-01";
  run_passes(c);
  for (const Diagnostic& d : c.diags.sorted(c.program.sources)) {
    if (d.severity == Severity::Error) {
      error += render_text(d, c.program.sources);
    }
  }
  if (c.diags.errors() > 0) {
    return std::nullopt;
  }
  return pack::Pack::load(c.pack, error);
}

ScratchDir::ScratchDir() {
  std::string tmpl = "/tmp/sg-kernel-XXXXXX";
  if (mkdtemp(tmpl.data()) == nullptr) {
    ADD_FAILURE() << "mkdtemp failed";
    return;
  }
  path_ = fs::canonical(tmpl);
}

ScratchDir::~ScratchDir() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

std::string ScratchDir::write(const std::string& name,
                              const std::string& text) const {
  fs::path p = path_ / name;
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << text;
  return p.string();
}

std::vector<Captured>
collect(sensor::Sensor& s, const std::function<bool(const Captured&)>& keep,
        const std::function<bool(const std::vector<Captured>&)>& done,
        std::chrono::milliseconds timeout) {
  std::vector<Captured> out;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  sensor::EventHandler handler = [&](sensor::RawEvent raw) {
    if (sensor::header_of(raw) == nullptr) {
      ADD_FAILURE() << "a record of " << raw.size() << " bytes is malformed";
      return;
    }
    Captured c{{raw.begin(), raw.end()}};
    if (keep(c)) {
      out.push_back(std::move(c));
    }
  };
  while (!done(out) && std::chrono::steady_clock::now() < deadline) {
    auto r = s.poll(50, handler);
    if (!r) {
      ADD_FAILURE() << r.error().message();
      break;
    }
  }
  return out;
}

int run_child(const std::function<int()>& child, int* status) {
  pid_t pid = fork();
  if (pid == 0) {
    _exit(child());
  }
  int st = 0;
  waitpid(pid, &st, 0);
  if (status != nullptr) {
    *status = st;
  }
  return pid;
}

} // namespace sg::testing
