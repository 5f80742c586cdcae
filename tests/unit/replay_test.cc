// sgc replay and sgc test as a user runs them, the event file format and
// the alert format.
//
// tests/golden/replay/ holds a small rule file, an events file with bad
// lines among good ones, and what `sgc replay` prints for them: the alerts
// (alerts.jsonl, standard output) and the errors (errors.txt, standard
// error). To rewrite both from the current sgc, run the tests with
// SG_UPDATE_GOLDEN=1, then read the diff.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "runtime/match/event.h"
#include "runtime/match/event_json.h"
#include "runtime/output/alert_json.h"
#include "tests/unit/test_util.h"

namespace sg::testing {
namespace {

namespace fs = std::filesystem;
using match::Event;
namespace fid = match::fid;

std::string read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string sgc(const std::string& args) {
  return sgc_path() + " " + args;
}

fs::path golden_dir() {
  return fs::path(source_dir()) / "tests" / "golden" / "replay";
}

void compare_golden(const fs::path& expected_path, const std::string& got) {
  if (std::getenv("SG_UPDATE_GOLDEN") != nullptr) {
    std::ofstream(expected_path, std::ios::binary) << got;
  }
  ASSERT_TRUE(fs::exists(expected_path)) << expected_path.string();
  EXPECT_EQ(got, read(expected_path)) << expected_path.string();
}

// ---------------------------------------------------------- sgc replay

TEST(Replay, GoldenAlertsAndErrors) {
  TempDir dir;
  std::string pack = (dir.path() / "gold.pack").string();
  RunResult c = run(sgc("compile " + (golden_dir() / "rules.sg").string() +
                        " -o " + pack + " 2>&1"));
  ASSERT_EQ(c.status, 0) << c.out;
  // From the golden directory, so that errors name events.jsonl as is.
  std::string err = (dir.path() / "stderr.txt").string();
  RunResult r =
      run("cd " + golden_dir().string() + " && " +
          sgc("replay " + pack + " events.jsonl --host golden-host 2>" + err));
  EXPECT_EQ(r.status, 1) << "a bad line makes the exit status 1";
  compare_golden(golden_dir() / "alerts.jsonl", r.out);
  compare_golden(golden_dir() / "errors.txt", read(err));
  // Every alert line is one JSON object with the keys in their order.
  std::istringstream lines(r.out);
  size_t alerts = 0;
  for (std::string line; std::getline(lines, line); ++alerts) {
    nlohmann::ordered_json a = nlohmann::ordered_json::parse(line);
    std::vector<std::string> keys;
    for (auto& [k, v] : a.items()) {
      keys.push_back(k);
    }
    std::vector<std::string> want = {"rule", "message", "matched",
                                     "kind", "event",   "process"};
    ASSERT_GE(keys.size(), want.size() + 2) << line;
    EXPECT_TRUE(std::equal(want.begin(), want.end(), keys.begin())) << line;
    EXPECT_EQ(keys[keys.size() - 2], "host");
    EXPECT_EQ(keys.back(), "ts");
  }
  EXPECT_EQ(alerts, 5U);
}

TEST(Replay, CleanInputFromStdinExitsZero) {
  TempDir dir;
  std::string pack = (dir.path() / "gold.pack").string();
  ASSERT_EQ(run(sgc("compile " + (golden_dir() / "rules.sg").string() + " -o " +
                    pack + " 2>/dev/null"))
                .status,
            0);
  std::string events = dir.write(
      "ok.jsonl", R"({"kind":"net.connect","net.daddr":"203.0.113.9",)"
                  R"("host":"h1","ts":5})"
                  "\n\n"
                  R"({"kind":"net.connect","net.daddr":"10.0.0.9","ts":6})"
                  "\n");
  RunResult r = run(sgc("replay " + pack + " - < " + events + " 2>&1"));
  EXPECT_EQ(r.status, 0) << r.out;
  nlohmann::json a = nlohmann::json::parse(r.out);
  EXPECT_EQ(a["rule"]["id"], "gold-0003");
  EXPECT_EQ(a["host"], "h1"); // the event's own host wins
  EXPECT_EQ(a["ts"], 5);
  // Without a host or --host, the alert names this machine.
  std::string no_host = dir.write(
      "nohost.jsonl", R"({"kind":"net.connect","net.daddr":"1.1.1.1"})");
  RunResult h = run(sgc("replay " + pack + " " + no_host));
  EXPECT_EQ(h.status, 0);
  nlohmann::json b = nlohmann::json::parse(h.out);
  EXPECT_FALSE(b["host"].get<std::string>().empty());
  EXPECT_GT(b["ts"].get<uint64_t>(), 1600000000000000000ULL);
  // A bad line on stdin is named by line number.
  RunResult bad = run("printf '{}\\n' | " + sgc("replay " + pack + " - 2>&1"));
  EXPECT_EQ(bad.status, 1);
  EXPECT_EQ(bad.out, "<stdin>:1: error: the event has no \"kind\"\n");
}

TEST(Replay, BadPackAndMissingFiles) {
  TempDir dir;
  std::string junk = dir.write("junk.pack", std::string(100, 'x'));
  RunResult r = run(sgc("replay " + junk + " - < /dev/null 2>&1"));
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.out.find("not a rule pack"), std::string::npos) << r.out;
  EXPECT_EQ(run(sgc("replay /no/such.pack - 2>/dev/null")).status, 1);
  std::string pack = (dir.path() / "gold.pack").string();
  ASSERT_EQ(run(sgc("compile " + (golden_dir() / "rules.sg").string() + " -o " +
                    pack + " 2>/dev/null"))
                .status,
            0);
  EXPECT_EQ(run(sgc("replay " + pack + " /no/such.jsonl 2>/dev/null")).status,
            2);
  EXPECT_EQ(run(sgc("replay 2>/dev/null")).status, 2);
}

// ------------------------------------------------------------ sgc test

TEST(SgcTest, RepositoryRulesPass) {
  std::string root = source_dir();
  RunResult r =
      run(sgc("test " + root + "/stdlib-rules " + root + "/rules 2>&1"));
  EXPECT_EQ(r.status, 0) << r.out;
  std::smatch m;
  ASSERT_TRUE(
      std::regex_search(r.out, m, std::regex("(\\d+) passed, 0 failed\\n$")))
      << r.out;
  EXPECT_GE(std::stoi(m[1]), 20);
}

// The examples of rules/README.md, with the standard library: their inline
// tests pass too (a disabled rule's tests are skipped).
TEST(SgcTest, SiteReadmeExamplesPass) {
  std::string root = source_dir();
  std::string readme = read(fs::path(root) / "rules" / "README.md");
  std::regex fence("```sg\\n([\\s\\S]*?)```");
  std::string all;
  for (std::sregex_iterator it(readme.begin(), readme.end(), fence), end;
       it != end; ++it) {
    all += (*it)[1].str() + "\n";
  }
  ASSERT_FALSE(all.empty());
  TempDir dir;
  fs::copy(root + "/stdlib-rules", dir.path() / "stdlib-rules",
           fs::copy_options::recursive);
  dir.write("rules/examples.sg", all);
  RunResult r = run(sgc("test " + (dir.path() / "stdlib-rules").string() + " " +
                        (dir.path() / "rules").string() + " 2>&1"));
  EXPECT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find(" 0 failed"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("SKIP sg-cred-0003"), std::string::npos) << r.out;
}

const char* kFailing = R"(rule key_read {
  id "t-1"
  title "key read"
  level low
  event file.open

  select key: file.name == "id_rsa"
  condition: key

  test match "fires" {
    file.path: "/home/a/.ssh/id_rsa"
  }

  test match "no such file" {
    file.path: "/home/a/.ssh/id_ed25519"
  }

  test match "file.name disagrees with file.path" {
    file.path: "/home/a/.ssh/key"
    file.name: "id_rsa"
  }

  test nomatch "fires anyway" {
    file.path: "/root/id_rsa"
  }
}

rule off {
  id "t-2"
  title "off"
  level low
  event exec

  select s: proc.name == "x"
  condition: s

  test match "x" {
    proc.name: "x"
  }

  test nomatch "y" {
    proc.name: "y"
  }
}

override off {
  disable
}
)";

TEST(SgcTest, FailuresAreReportedWithTheirLocation) {
  TempDir dir;
  std::string f = dir.write("failing.sg", kFailing);
  RunResult r = run("cd " + dir.path().string() + " && " +
                    sgc("test failing.sg 2>/dev/null"));
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.out,
            "failing.sg:14:3: FAIL t-1 \"no such file\": the rule did not "
            "fire (selections that hold: none)\n"
            "failing.sg:18:3: FAIL t-1 \"file.name disagrees with "
            "file.path\": the rule fires, but the kernel filter drops the "
            "event: none of the 1 tests of the file.open filter matches it "
            "(see sgc explain)\n"
            "failing.sg:23:3: FAIL t-1 \"fires anyway\": the rule fired "
            "(selections that hold: key)\n"
            "failing.sg:37:3: SKIP t-2 \"x\": the rule is disabled by an "
            "override\n"
            "failing.sg:41:3: SKIP t-2 \"y\": the rule is disabled by an "
            "override\n"
            "1 passed, 3 failed, 2 skipped\n");
  // -v lists the passing test too.
  RunResult v = run("cd " + dir.path().string() + " && " +
                    sgc("test -v failing.sg 2>/dev/null"));
  EXPECT_NE(v.out.find("failing.sg:10:3: PASS t-1 \"fires\": fired "
                       "(selections that hold: key)\n"),
            std::string::npos)
      << v.out;
}

TEST(SgcTest, UsageAndRuleErrors) {
  EXPECT_EQ(run(sgc("test 2>/dev/null")).status, 2);
  EXPECT_EQ(run(sgc("test /no/such/dir 2>/dev/null")).status, 2);
  TempDir dir;
  std::string f = dir.write("bad.sg", "rule r { level high }\n");
  EXPECT_EQ(run(sgc("test " + f + " 2>/dev/null")).status, 1);
}

// --------------------------------------------------------- event format

std::string parse_error(const std::string& line) {
  Event e;
  return match::parse_event(line, e);
}

TEST(EventJson, ErrorsSayWhatIsWrong) {
  EXPECT_EQ(parse_error(R"({"kind":"exec","proc.pid":1})"), "");
  EXPECT_EQ(parse_error(R"({"kind":"exec","proc.nam":"x"})"),
            "unknown field 'proc.nam'");
  EXPECT_EQ(parse_error(R"({"kind":"exec","file.path":"/x"})"),
            "field 'file.path' does not exist for event kind 'exec'");
  EXPECT_EQ(parse_error(R"({"kind":"exec","proc.pid":"1"})"),
            "'proc.pid' takes an integer, not a string");
  EXPECT_EQ(parse_error(R"({"kind":"exec","proc.pid":1.5})"),
            "'proc.pid' takes an integer, not a fractional number");
  EXPECT_EQ(parse_error(R"({"kind":"exec","proc.exe_memfd":1})"),
            "'proc.exe_memfd' takes true or false, not an integer");
  EXPECT_EQ(parse_error(R"({"kind":"exec","proc.args":["a",1]})"),
            "'proc.args' takes an array of strings; an element is an "
            "integer");
  EXPECT_EQ(parse_error(R"({"kind":"net.connect","net.daddr":"1.2.3"})"),
            "'net.daddr': '1.2.3' is not an IP address");
  EXPECT_EQ(parse_error(R"({"kind":"net.connect","net.protocol":"tcpx"})"),
            "'net.protocol': 'tcpx' is not one of the protocols");
  EXPECT_EQ(parse_error(R"({"kind":"file.open","file.flags":["rw"]})"),
            "'file.flags': 'rw' is not one of the open flags");
  EXPECT_EQ(parse_error(R"({"kind":"nope"})"), "unknown event kind 'nope'");
  EXPECT_EQ(parse_error(R"({"proc.pid":1})"), "the event has no \"kind\"");
  EXPECT_EQ(parse_error(R"({"kind":7})"),
            "\"kind\" takes the name of an event kind, not an integer");
  EXPECT_EQ(parse_error(R"([1])"), "an event is a JSON object, not an array");
  EXPECT_EQ(parse_error(R"({"kind":"exec","ts":-1})"),
            "\"ts\" takes nanoseconds since the epoch as a non-negative "
            "integer, not an integer");
  EXPECT_EQ(parse_error(R"({"kind":"exec","proc.pid":9223372036854775808})"),
            "'proc.pid' is out of the range of a signed 64-bit integer");
  EXPECT_EQ(parse_error("{\"kind\":"), "not JSON: parse error at line 1, "
                                       "column 9: syntax error while "
                                       "parsing value - unexpected end of "
                                       "input; expected '[', '{', or a "
                                       "literal");
}

TEST(EventJson, ValuesAreTypedAndWrittenBackTheSame) {
  std::string line =
      R"({"kind":"file.open","proc.pid":-1,"proc.exe":"/usr/bin/cat",)"
      R"("proc.args":["a","b c"],"proc.exe_memfd":true,)"
      R"("file.path":"/etc/shadow","file.flags":["read","cloexec"],)"
      R"("ts":1733240000000000000,"host":"h"})";
  Event e;
  ASSERT_EQ(match::parse_event(line, e), "");
  EXPECT_EQ(e.kind(), schema::Kind::FileOpen);
  EXPECT_EQ(e.get_int(fid::ProcPid), -1);
  EXPECT_EQ(e.get_string(fid::ProcExe), "/usr/bin/cat");
  EXPECT_EQ(e.list_size(fid::ProcArgs), 2U);
  EXPECT_EQ(e.get_int(fid::ProcExeMemfd), 1);
  EXPECT_EQ(e.get_int(fid::FileFlags), (1 << 0) | (1 << 15));
  EXPECT_EQ(e.ts(), 1733240000000000000ULL);
  EXPECT_EQ(e.host(), "h");
  EXPECT_EQ(match::format_event(e), line);
  Event n;
  ASSERT_EQ(match::parse_event(
                R"({"kind":"net.connect","net.daddr":"::ffff:10.0.0.1",)"
                R"("net.saddr":"fd00::1","net.protocol":"udp"})",
                n),
            "");
  EXPECT_EQ(match::format_event(n),
            R"({"kind":"net.connect","net.protocol":"udp",)"
            R"("net.saddr":"fd00::1","net.daddr":"10.0.0.1"})");
}

// ---------------------------------------------------------- alert format

TEST(AlertJson, MessageTemplates) {
  Event e;
  ASSERT_EQ(match::parse_event(
                R"({"kind":"file.open","proc.exe":"/bin/x","proc.pid":7,)"
                R"("file.flags":["write","read"],"proc.args":["-a","-b"],)"
                R"("proc.exe_memfd":false})",
                e),
            "");
  EXPECT_EQ(output::render_message("{proc.exe} ({proc.pid})", e), "/bin/x (7)");
  EXPECT_EQ(output::render_message("{{literal}} {{{proc.pid}}}", e),
            "{literal} {7}");
  EXPECT_EQ(output::render_message("by {user.name} as {nope}", e),
            "by <unknown> as <unknown>");
  EXPECT_EQ(
      output::render_message("{file.flags} {proc.args} {proc.exe_memfd}", e),
      "read|write -a, -b false");
  EXPECT_EQ(output::render_message("unclosed {proc.exe", e),
            "unclosed {proc.exe");
  e.set_flags(fid::FileFlags, 0);
  EXPECT_EQ(output::render_message("{file.flags}", e), "0");
}

} // namespace
} // namespace sg::testing
