// The kernel filter is sound: whenever the matcher fires a rule for an
// event, the pack's kernel filter lets that event through. Checked on
// random rule files (fixed seeds) compiled through the real pass list,
// with random events biased towards the rules' literals; and the filter
// simulation itself, atom by atom.
#include <algorithm>
#include <cstdio>
#include <optional>
#include <random>
#include <set>

#include <gtest/gtest.h>

#include "runtime/match/event.h"
#include "runtime/match/event_json.h"
#include "runtime/match/filter_sim.h"
#include "runtime/match/matcher.h"
#include "tests/unit/test_util.h"

namespace sg::testing {
namespace {

using match::Event;
namespace fid = match::fid;

struct Built {
  std::string diags;
  std::optional<pack::Pack> pack;
};

Built compile(const std::string& text) {
  TempDir dir;
  Compilation c;
  c.inputs = {dir.write("rules.sg", text)};
  c.check.today = "2026-06-01";
  run_passes(c);
  Built b;
  for (const Diagnostic& d : c.diags.sorted(c.program.sources)) {
    if (d.severity == Severity::Error) {
      b.diags += render_text(d, c.program.sources);
    }
  }
  if (c.diags.errors() == 0) {
    std::string error;
    b.pack = pack::Pack::load(c.pack, error);
    b.diags += error;
  }
  return b;
}

Event parse(const std::string& json) {
  Event e;
  std::string err = match::parse_event(json, e);
  EXPECT_EQ(err, "") << json;
  return e;
}

// ------------------------------------------------------------ the filter

TEST(FilterSim, AtomsTestWhatTheKernelSees) {
  Built b = compile(R"(rule paths {
  id "r-1"
  title "t"
  level low
  event file.open
  select exact: file.path == "/etc/shadow"
  select prefix: file.path startswith "/etc/cron.d/"
  select suffix: file.path endswith "/.ssh/authorized_keys"
  select name: file.name == "id_rsa"
  condition: 1 of them
}

rule procs {
  id "r-2"
  title "t"
  level low
  event exec
  select comm: proc.name == "nc"
  select exe: proc.exe == "/usr/bin/socat"
  select dir: proc.exe startswith "/tmp/"
  condition: 1 of them
}

rule everything {
  id "r-3"
  title "t"
  level low
  event net.connect
  select any: net.dport > 0
  condition: any
}
)");
  ASSERT_TRUE(b.pack) << b.diags;
  const pack::Pack& p = *b.pack;
  auto passes = [&](const std::string& json) {
    return match::simulate_filter(p, parse(json)).passes;
  };
  EXPECT_TRUE(passes(R"({"kind":"file.open","file.path":"/etc/shadow"})"));
  EXPECT_FALSE(passes(R"({"kind":"file.open","file.path":"/etc/shadow-"})"));
  EXPECT_TRUE(passes(R"({"kind":"file.open","file.path":"/etc/cron.d/x"})"));
  EXPECT_FALSE(passes(R"({"kind":"file.open","file.path":"/etc/cron.dx"})"));
  EXPECT_TRUE(passes(
      R"({"kind":"file.open","file.path":"/root/.ssh/authorized_keys"})"));
  // The name atom looks at the last component of file.path, not file.name.
  EXPECT_TRUE(
      passes(R"({"kind":"file.open","file.path":"/home/a/.ssh/id_rsa"})"));
  EXPECT_FALSE(passes(R"({"kind":"file.open","file.path":"/home/a/x",)"
                      R"("file.name":"id_rsa"})"));
  EXPECT_FALSE(passes(R"({"kind":"file.open","proc.exe":"/etc/shadow"})"));
  EXPECT_TRUE(passes(R"({"kind":"exec","proc.name":"nc"})"));
  EXPECT_FALSE(passes(R"({"kind":"exec","proc.name":"ncat"})"));
  EXPECT_TRUE(passes(R"({"kind":"exec","proc.exe":"/usr/bin/socat"})"));
  EXPECT_TRUE(passes(R"({"kind":"exec","proc.exe":"/tmp/a/b"})"));
  EXPECT_FALSE(passes(R"({"kind":"exec","proc.exe":"/usr/bin/socat2"})"));
  EXPECT_FALSE(passes(R"({"kind":"exec"})"));
  // A kind that passes whole, and a kind without rules.
  match::FilterVerdict all =
      match::simulate_filter(p, parse(R"({"kind":"net.connect"})"));
  EXPECT_TRUE(all.passes && all.pass_all && all.has_filter);
  match::FilterVerdict none =
      match::simulate_filter(p, parse(R"({"kind":"ptrace"})"));
  EXPECT_FALSE(none.passes || none.has_filter);
  match::FilterVerdict some = match::simulate_filter(
      p, parse(R"({"kind":"exec","proc.exe":"/tmp/x"})"));
  ASSERT_TRUE(some.atom.has_value());
  EXPECT_EQ(p.str(p.atoms()[*some.atom].value), "/tmp/");
  EXPECT_EQ(some.atoms, 3U);
}

// ------------------------------------------------------- random rules

// Literals per field, shared by rules and events so that events hit them.
const std::vector<std::string>& paths() {
  static const std::vector<std::string> k = {"/etc/shadow",
                                             "/etc/passwd",
                                             "/etc/cron.d/",
                                             "/etc/",
                                             "/tmp/",
                                             "/tmp/x.sh",
                                             "/home/alice/",
                                             "/.ssh/",
                                             "/.ssh/id_rsa",
                                             "/var/log/",
                                             "/var/log/syslog",
                                             "/usr/bin/",
                                             "/usr/bin/python3",
                                             "/bin/sh",
                                             ".sh",
                                             ".so",
                                             "id_",
                                             "shadow",
                                             "/dev/shm/",
                                             "Cron",
                                             "/ETC/",
                                             "x"};
  return k;
}
const std::vector<std::string>& names() {
  static const std::vector<std::string> k = {
      "shadow",  "passwd", "id_rsa", "x.sh",   "cat", "bash",
      "python3", "sh",     "Bash",   "syslog", "nc",  "sudo"};
  return k;
}
const std::vector<std::string>& cmdlines() {
  static const std::vector<std::string> k = {
      "curl",  "-c",   "/dev/tcp/", "wget",    "base64 -d", "sh -c",
      "nc -e", "sudo", "id",        "Python3", "x"};
  return k;
}

struct FieldSpec {
  std::string name;
  enum { Path, Name, Cmd, List, Flags, Int } type;
  bool file_only; // exists for file kinds only
  bool open_only; // file.open only
  bool optional;
};

const std::vector<FieldSpec>& fields() {
  static const std::vector<FieldSpec> k = {
      {"file.path", FieldSpec::Path, true, false, false},
      {"file.name", FieldSpec::Name, true, false, false},
      {"file.dir", FieldSpec::Path, true, false, false},
      {"proc.exe", FieldSpec::Path, false, false, false},
      {"proc.name", FieldSpec::Name, false, false, false},
      {"proc.cmdline", FieldSpec::Cmd, false, false, false},
      {"parent.exe", FieldSpec::Path, false, false, true},
      {"proc.args", FieldSpec::List, false, false, false},
      {"ancestors.name", FieldSpec::List, false, false, true},
      {"file.flags", FieldSpec::Flags, true, true, false},
      {"proc.uid", FieldSpec::Int, false, false, false},
  };
  return k;
}

class Generator {
public:
  explicit Generator(uint32_t seed) : rng_(seed) {}

  size_t below(size_t n) { return rng_() % n; }
  bool chance(unsigned percent) { return below(100) < percent; }
  template <typename T>
  const T& pick(const std::vector<T>& v) {
    return v[below(v.size())];
  }

  // A rule file of `rules` rules and a few exceptions.
  std::string rules_file(int rules);
  // An event of one of the kinds the rules use.
  Event event();

private:
  // Where the rule being written applies.
  enum class Kinds { Open, Exec, Files };

  bool fits(const FieldSpec& f) const {
    return (!f.file_only || kinds_ != Kinds::Exec) &&
           (!f.open_only || kinds_ == Kinds::Open);
  }
  const FieldSpec& field() {
    for (;;) {
      const FieldSpec& f = pick(fields());
      if (fits(f)) {
        return f;
      }
    }
  }
  std::string literal(const FieldSpec& f);
  std::string string_test(const FieldSpec& f);
  std::string test();
  std::string kernel_test();
  std::string expr(int depth, const std::vector<std::string>& names);
  std::string mutate(std::string s);
  std::string path_value();

  std::mt19937 rng_;
  Kinds kinds_ = Kinds::Open;
};

std::string Generator::literal(const FieldSpec& f) {
  switch (f.type) {
  case FieldSpec::Path:
    return pick(paths());
  case FieldSpec::Name:
    return pick(names());
  case FieldSpec::Cmd:
    return pick(cmdlines());
  default:
    return chance(50) ? pick(names()) : pick(cmdlines());
  }
}

// A glob made of literals, wildcards and escaped wildcards, as rule
// source text (backslashes doubled).
std::string glob_source(Generator& g, const std::string& a,
                        const std::string& b) {
  std::string out;
  if (g.chance(40)) {
    out += "*";
  }
  out += a;
  out += g.chance(50) ? "*" : "?";
  if (g.chance(20)) {
    out += g.chance(50) ? "\\\\*" : "\\\\?";
  }
  out += b;
  if (g.chance(30)) {
    out += "*";
  }
  return out;
}

std::string Generator::string_test(const FieldSpec& f) {
  static const std::vector<std::string> kOps = {
      "==", "in", "contains", "startswith", "endswith", "like", "matches"};
  const std::string& op = pick(kOps);
  bool nocase = chance(25);
  bool many = op == "in" || (op != "==" && chance(40));
  bool all = many && op != "in" && chance(30);
  size_t n = many ? 1 + below(3) : 1;
  std::vector<std::string> values;
  for (size_t i = 0; i < n; ++i) {
    std::string v = literal(f);
    if (op == "like") {
      v = glob_source(*this, v, literal(f));
    } else if (op == "matches") {
      std::string re;
      for (char c : v) {
        re += std::isalnum(uint8_t(c)) != 0 || c == '/' || c == '_' ||
                      c == ' ' || c == '-'
                  ? std::string(1, c)
                  : "\\\\" + std::string(1, c);
      }
      v = (chance(50) ? "^" : "") + re + (chance(30) ? "[a-z]*$" : "");
    }
    values.push_back("\"" + v + "\"");
  }
  std::string out =
      f.name + " " + op + (all ? " all" : "") + (nocase ? " nocase" : "") + " ";
  if (!many) {
    return out + values[0];
  }
  out += "[";
  for (size_t i = 0; i < values.size(); ++i) {
    out += (i == 0 ? "" : ", ") + values[i];
  }
  return out + "]";
}

std::string Generator::test() {
  const FieldSpec& f = field();
  switch (f.type) {
  case FieldSpec::Flags:
    return std::string("file.flags has ") + (chance(50) ? "all " : "") +
           pick(std::vector<std::string>{"[write, create]", "[read]",
                                         "[trunc, append]"});
  case FieldSpec::Int:
    return "proc.uid " + pick(std::vector<std::string>{"==", "<", ">=", "<="}) +
           " " + std::to_string(below(3) * 500);
  default:
    return string_test(f);
  }
}

// A test the kernel filter can check (mostly: one in ten ignores case,
// which the kernel cannot).
std::string Generator::kernel_test() {
  bool file = kinds_ != Kinds::Exec;
  std::string nocase = chance(10) ? " nocase" : "";
  switch (below(file ? 4 : 2)) {
  case 0: {
    std::string op = pick(std::vector<std::string>{"==", "startswith", "in"});
    bool list = op == "in" || (op == "startswith" && chance(50));
    return "proc.exe " + op + nocase + " " +
           (list ? "[\"" + pick(paths()) + "\", \"" + pick(paths()) + "\"]"
                 : "\"" + pick(paths()) + "\"");
  }
  case 1:
    return "proc.name in" + nocase + " [\"" + pick(names()) + "\"]";
  case 2:
    if (chance(30)) {
      return "file.path like" + nocase + " \"" + pick(paths()) + "*" +
             pick(names()) + "\"";
    }
    return "file.path " +
           pick(std::vector<std::string>{"in", "startswith", "endswith"}) +
           nocase + " [\"" + pick(paths()) + "\", \"" + pick(paths()) + "\"]";
  default:
    return "file.name ==" + nocase + " \"" + pick(names()) + "\"";
  }
}

std::string Generator::expr(int depth, const std::vector<std::string>& names) {
  if (depth == 0 || chance(30)) {
    std::string leaf =
        !names.empty() && chance(70) ? pick(names) : "(" + test() + ")";
    return chance(20) ? "not " + leaf : leaf;
  }
  std::string a = expr(depth - 1, names);
  std::string b = expr(depth - 1, names);
  std::string e = "(" + a + (chance(50) ? " and " : " or ") + b + ")";
  return chance(15) ? "not " + e : e;
}

std::string Generator::rules_file(int rules) {
  std::string out;
  for (int r = 0; r < rules; ++r) {
    kinds_ = Kinds(below(3));
    std::string n = std::to_string(r);
    out += "rule r" + n + " {\n  id \"r-" + n +
           "\"\n  title \"t\"\n  level low\n  tags [t" + std::to_string(r % 2) +
           "]\n  event " +
           (kinds_ == Kinds::Open   ? "file.open"
            : kinds_ == Kinds::Exec ? "exec"
                                    : "[file.unlink, file.rename]") +
           "\n";
    std::vector<std::string> names;
    size_t sels = 1 + below(3);
    for (size_t s = 0; s < sels; ++s) {
      names.push_back("s" + std::to_string(s));
      out += "  select " + names.back() + ":";
      size_t tests = 1 + below(2);
      for (size_t t = 0; t < tests; ++t) {
        out += (tests > 1 ? "\n    " : " ") + test();
      }
      out += "\n";
    }
    // The condition names every selection, so none is unused.
    std::string cond = expr(2, names);
    for (const std::string& s : names) {
      cond = "(" + cond + (chance(50) ? " or " : " and ") + s + ")";
    }
    // Most rules also need something the kernel can test.
    if (chance(70)) {
      std::string k = kernel_test();
      if (chance(30)) {
        k = "(" + k + " or " + kernel_test() + ")";
      }
      cond = k + " and " + cond;
    }
    out += "  condition: " + cond + "\n}\n";
    if (chance(30)) {
      out += "exception e" + n + " {\n  rule r" + n +
             "\n  reason \"r\"\n  when: " + expr(1, {}) + "\n}\n";
    }
  }
  // Exceptions by tag apply to rules of every kind: common fields only.
  kinds_ = Kinds::Exec;
  out += "exception by_tag {\n  tag t1\n  reason \"r\"\n  when: " + test() +
         "\n}\n";
  return out;
}

// A value near the literals: a literal, two joined, a changed case, or
// something unrelated.
std::string Generator::mutate(std::string s) {
  if (chance(30)) {
    s += pick(paths());
  }
  if (chance(20)) {
    s = pick(paths()) + s;
  }
  if (chance(15) && !s.empty()) {
    char& c = s[below(s.size())];
    c = char(std::isupper(uint8_t(c)) != 0 ? std::tolower(uint8_t(c))
                                           : std::toupper(uint8_t(c)));
  }
  if (chance(10)) {
    s = "/opt/app/" + std::to_string(below(100));
  }
  return s;
}

std::string Generator::path_value() {
  std::string p = chance(40) ? pick(paths()) : mutate(pick(paths()));
  if (p.empty() || p.front() != '/') {
    p = "/" + p;
  }
  if (chance(30)) {
    p += pick(names());
  }
  return p;
}

Event Generator::event() {
  static const schema::Kind kKinds[] = {
      schema::Kind::FileOpen, schema::Kind::Exec, schema::Kind::FileUnlink,
      schema::Kind::FileRename};
  schema::Kind kind = kKinds[below(4)];
  bool file = kind != schema::Kind::Exec;
  Event e(kind);
  if (file) {
    std::string path = path_value();
    size_t slash = path.rfind('/');
    e.copy_string(fid::FilePath, path);
    e.copy_string(fid::FileName, path.substr(slash + 1));
    e.copy_string(fid::FileDir, slash == 0 ? "/" : path.substr(0, slash));
    if (kind == schema::Kind::FileOpen) {
      e.set_flags(fid::FileFlags, below(64));
    }
    if (kind == schema::Kind::FileRename) {
      e.copy_string(fid::FileNewPath, path + ".1");
      e.copy_string(fid::FileNewName, path.substr(slash + 1) + ".1");
    }
  }
  std::string exe = path_value();
  e.copy_string(fid::ProcExe, exe);
  std::string name =
      chance(50) ? exe.substr(exe.rfind('/') + 1) : mutate(pick(names()));
  e.copy_string(fid::ProcName, name.substr(0, 15));
  e.copy_string(fid::ProcCmdline,
                mutate(pick(cmdlines())) + " " + mutate(pick(cmdlines())));
  if (chance(70)) {
    e.copy_string(fid::ParentExe, path_value());
  }
  e.begin_list(fid::ProcArgs);
  for (size_t i = below(4); i > 0; --i) {
    e.copy_item(mutate(chance(50) ? pick(names()) : pick(cmdlines())));
  }
  if (chance(50)) {
    e.begin_list(fid::AncestorsName);
    for (size_t i = below(3); i > 0; --i) {
      e.copy_item(mutate(pick(names())));
    }
  }
  e.set_int(fid::ProcUid, int64_t(below(3) * 500));
  return e;
}

TEST(Soundness, FiredEventsPassTheKernelFilter) {
  size_t cases = 0;
  size_t fired = 0;
  size_t dropped = 0;        // events the filter dropped
  size_t through_atoms = 0;  // fired events let through by an atom
  size_t filtered_kinds = 0; // kinds filtered by atoms, over all packs
  int failures = 0;
  for (uint32_t seed = 1; seed <= 200 && failures < 3; ++seed) {
    Generator g(seed);
    std::string text = g.rules_file(3);
    Built b = compile(text);
    ASSERT_TRUE(b.pack) << "seed " << seed << ":\n" << b.diags << text;
    const pack::Pack& p = *b.pack;
    for (const pack::FilterRecord& f : p.filters()) {
      filtered_kinds += (f.flags & pack::kFilterPassAll) == 0 ? 1 : 0;
    }
    match::Matcher fast(p);
    match::Matcher slow(p, match::MatcherOptions{false});
    std::vector<match::Match> out;
    std::vector<match::Match> all;
    for (int i = 0; i < 500; ++i) {
      Event e = g.event();
      out.clear();
      all.clear();
      ASSERT_TRUE(fast.match(e, out));
      ASSERT_TRUE(slow.match(e, all));
      ++cases;
      fired += out.size();
      bool same = std::equal(out.begin(), out.end(), all.begin(), all.end(),
                             [](auto& a, auto& b) { return a.rule == b.rule; });
      EXPECT_TRUE(same) << "the prefilter changed the result, seed " << seed
                        << "\n"
                        << match::format_event(e) << "\n"
                        << text;
      match::FilterVerdict v = match::simulate_filter(p, e);
      dropped += v.passes ? 0 : 1;
      through_atoms += !out.empty() && v.atom ? 1 : 0;
      if (!out.empty() && !v.passes) {
        ++failures;
        ADD_FAILURE() << "rule " << p.str(p.rules()[out[0].rule].id)
                      << " fires, but the kernel filter drops the event\n"
                      << "seed " << seed
                      << "\nevent: " << match::format_event(e) << "\nrules:\n"
                      << text;
        break;
      }
    }
  }
  EXPECT_GE(cases, 100000U);
  // The check is not vacuous: rules fired, and filters dropped events.
  EXPECT_GT(fired, 2000U);
  EXPECT_GT(dropped, 1000U);
  EXPECT_GT(filtered_kinds, 10U);
  EXPECT_GT(through_atoms, 200U);
  std::printf("soundness: %zu events, %zu fired, %zu dropped, %zu fired "
              "through atoms, %zu filtered kinds\n",
              cases, fired, dropped, through_atoms, filtered_kinds);
}

} // namespace
} // namespace sg::testing
