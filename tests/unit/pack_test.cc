// Rule packs: `sgc dump` of small rules against golden files, the
// meaning of the bytecode, determinism of the compiler's output, and the
// reader's refusal of every kind of damage.
//
// The goldens are tests/golden/dump/<name>.txt. To rewrite them from the
// current compiler, run the tests with SG_UPDATE_GOLDEN=1, then read each
// diff.
#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <random>
#include <sstream>
#include <stdexcept>

#include <gtest/gtest.h>

#include "runtime/pack/reader.h"
#include "tests/unit/test_util.h"

// The checksum is recomputed after an edit so that the checks behind it
// are reached; header-only, as the reader uses it.
#define XXH_INLINE_ALL
#include <xxhash.h>

namespace sg::testing {
namespace {

namespace fs = std::filesystem;
using pack::Opcode;
using pack::Pack;
using pack::SectionKind;

using Files = std::map<std::string, std::string>;

std::string read_bytes(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string sgc(const std::string& args) {
  return sgc_path() + " " + args;
}

// A rule with the items every rule needs around `body`.
std::string rule(const std::string& name, const std::string& id,
                 const std::string& event, const std::string& body) {
  return "rule " + name + " {\n  id \"" + id + "\"\n  title \"" + name +
         "\"\n  level medium\n  event " + event + "\n\n" + body + "}\n";
}

// ------------------------------------------------------------ compiling

// The pack and its dump, made by the real sgc run inside a temp dir on
// relative paths, so that no temp dir name reaches the output.
struct Dumped {
  std::string pack;
  std::string dump;
};

Dumped compile_and_dump(const Files& files) {
  TempDir dir;
  std::string names;
  for (auto& [name, text] : files) {
    dir.write(name, text);
    names += " " + name;
  }
  std::string cd = "cd " + dir.path().string() + " && ";
  RunResult c =
      run(cd + sgc("compile --today 2026-06-01" + names + " -o out.pack 2>&1"));
  EXPECT_EQ(c.status, 0) << c.out;
  RunResult d = run(cd + sgc("dump out.pack 2>&1"));
  EXPECT_EQ(d.status, 0) << d.out;
  return {read_bytes(dir.path() / "out.pack"), d.out};
}

// The pack of `files`, through the pass list in this process.
std::string compile_pack(const Files& files) {
  TempDir dir;
  Compilation c;
  c.check.today = "2026-06-01";
  for (auto& [name, text] : files) {
    dir.write(name, text);
    c.inputs.push_back(name);
  }
  fs::path cwd = fs::current_path();
  fs::current_path(dir.path());
  run_passes(c);
  fs::current_path(cwd);
  EXPECT_EQ(c.diags.errors(), 0U);
  EXPECT_TRUE(c.unreadable.empty());
  return c.pack;
}

Pack load(const std::string& bytes) {
  std::string error;
  std::optional<Pack> p = Pack::load(bytes, error);
  if (!p) {
    throw std::runtime_error("the pack does not load: " + error);
  }
  return std::move(*p);
}

void expect_golden(const std::string& name, const std::string& dump) {
  fs::path path =
      fs::path(source_dir()) / "tests" / "golden" / "dump" / (name + ".txt");
  if (std::getenv("SG_UPDATE_GOLDEN") != nullptr) {
    fs::create_directories(path.parent_path());
    std::ofstream(path, std::ios::binary) << dump;
  }
  ASSERT_TRUE(fs::exists(path)) << path.string();
  EXPECT_EQ(dump, read_bytes(path)) << "golden " << path.string();
}

// ------------------------------------------------------------ the pack

const pack::RuleRecord& rule_by_id(const Pack& p, std::string_view id) {
  for (const pack::RuleRecord& r : p.rules()) {
    if (p.str(r.id) == id) {
      return r;
    }
  }
  throw std::runtime_error("no rule " + std::string(id));
}

// The predicate whose first string literal is `literal`.
uint32_t pred_with(const Pack& p, std::string_view literal) {
  for (uint32_t i = 0; i < p.predicates().size(); ++i) {
    const pack::PredRecord& r = p.predicates()[i];
    if (r.op <= uint8_t(pack::PredOp::StrMatches) &&
        p.ref(r.first) == literal) {
      return i;
    }
  }
  throw std::runtime_error("no predicate on \"" + std::string(literal) + "\"");
}

std::string field_of(const Pack& p, uint32_t pred) {
  return std::string(schema::field_by_id(p.predicates()[pred].field)->name);
}

// Runs the routine [begin, end) with predicate values from `value`, as the
// matcher does, and counts the steps: forward jumps allow one per
// instruction at most.
bool run_routine(const Pack& p, uint32_t begin, uint32_t end,
                 const std::function<bool(uint32_t)>& value) {
  bool acc = false;
  uint32_t steps = 0;
  for (uint32_t pc = begin; pc < end; ++steps) {
    EXPECT_LE(steps, end - begin) << "the routine does not terminate";
    const pack::Instr& in = p.code()[pc];
    switch (Opcode(in.op)) {
    case Opcode::Pred:
      acc = value(in.arg);
      break;
    case Opcode::Const:
      acc = in.arg != 0;
      break;
    case Opcode::Not:
      acc = !acc;
      break;
    case Opcode::JumpIfFalse:
      if (!acc) {
        EXPECT_GT(in.arg, pc);
        pc = in.arg;
        continue;
      }
      break;
    case Opcode::JumpIfTrue:
      if (acc) {
        EXPECT_GT(in.arg, pc);
        pc = in.arg;
        continue;
      }
      break;
    case Opcode::Ret:
      return acc;
    }
    ++pc;
  }
  ADD_FAILURE() << "the routine ran past its end";
  return false;
}

std::vector<uint32_t> preds_used(const Pack& p, uint32_t begin, uint32_t end) {
  std::vector<uint32_t> out;
  for (uint32_t pc = begin; pc < end; ++pc) {
    if (Opcode(p.code()[pc].op) == Opcode::Pred) {
      out.push_back(p.code()[pc].arg);
    }
  }
  return out;
}

// ------------------------------------------------------------ goldens

TEST(PackDump, SingleEquality) {
  Dumped d =
      compile_and_dump({{"eq.sg", rule("shell", "t-eq", "exec",
                                       "  select sh: proc.name == \"sh\"\n"
                                       "  condition: sh\n")}});
  expect_golden("equality", d.dump);
  Pack p = load(d.pack);
  ASSERT_EQ(p.predicates().size(), 1U);
  const pack::RuleRecord& r = p.rules()[0];
  ASSERT_EQ(r.code_end - r.code_begin, 2U);
  EXPECT_EQ(Opcode(p.code()[r.code_begin].op), Opcode::Pred);
  EXPECT_EQ(Opcode(p.code()[r.code_begin + 1].op), Opcode::Ret);
  // The one test is a command name the kernel can check.
  ASSERT_EQ(r.atoms_count, 1U);
  EXPECT_EQ(p.atoms()[r.atoms_first].kind, uint8_t(pack::AtomKind::Comm));
  EXPECT_EQ(p.str(p.atoms()[r.atoms_first].value), "sh");
  EXPECT_NE(d.dump.find("eq.sg:7:14"), std::string::npos) << d.dump;
}

TEST(PackDump, NestedAndOrNot) {
  Dumped d = compile_and_dump(
      {{"nest.sg", rule("nested", "t-nest", "exec",
                        "  select a: proc.name == \"a\"\n"
                        "  select b: proc.name == \"b\"\n"
                        "  select c: proc.name == \"c\"\n"
                        "  select d: proc.uid == 0\n"
                        "  condition: (a or b) and not (c and d) or "
                        "proc.exe == \"/e\"\n")}});
  expect_golden("nested", d.dump);
  Pack p = load(d.pack);
  // The variables: a, b, c, e by literal; d is the one int predicate.
  std::vector<uint32_t> var = {pred_with(p, "a"), pred_with(p, "b"),
                               pred_with(p, "c"), UINT32_MAX,
                               pred_with(p, "/e")};
  for (uint32_t i = 0; i < p.predicates().size(); ++i) {
    if (field_of(p, i) == "proc.uid") {
      var[3] = i;
    }
  }
  const pack::RuleRecord& r = p.rules()[0];
  // Every assignment of the five tests gives the condition's value, so
  // every jump lands where the short circuit must continue.
  for (unsigned bits = 0; bits < 32; ++bits) {
    auto v = [&](size_t k) { return ((bits >> k) & 1U) != 0; };
    auto value = [&](uint32_t pred) {
      auto it = std::find(var.begin(), var.end(), pred);
      EXPECT_NE(it, var.end()) << "unexpected predicate " << pred;
      return v(size_t(it - var.begin()));
    };
    bool want = ((v(0) || v(1)) && !(v(2) && v(3))) || v(4);
    EXPECT_EQ(run_routine(p, r.code_begin, r.code_end, value), want)
        << "assignment " << bits;
    // Each selection's routine is its test alone.
    for (uint32_t s = 0; s < r.sels_count; ++s) {
      const pack::SelRecord& sel = p.selections()[r.sels_first + s];
      EXPECT_EQ(run_routine(p, sel.code_begin, sel.code_end, value), v(s))
          << p.str(sel.name);
    }
  }
}

TEST(PackDump, MacroSharedByTwoRules) {
  std::string text = "macro from_tmp = proc.exe startswith \"/tmp/\"\n\n" +
                     rule("curl_tmp", "t-m1", "exec",
                          "  select s: proc.name == \"curl\"\n"
                          "  condition: s and from_tmp\n") +
                     "\n" +
                     rule("wget_tmp", "t-m2", "exec",
                          "  select s: proc.name == \"wget\"\n"
                          "  condition: s and from_tmp\n");
  Dumped d = compile_and_dump({{"macro.sg", text}});
  expect_golden("macro_shared", d.dump);
  Pack p = load(d.pack);
  EXPECT_EQ(p.predicates().size(), 3U);
  uint32_t shared = pred_with(p, "/tmp/");
  for (std::string_view id : {"t-m1", "t-m2"}) {
    const pack::RuleRecord& r = rule_by_id(p, id);
    std::vector<uint32_t> used = preds_used(p, r.code_begin, r.code_end);
    EXPECT_NE(std::find(used.begin(), used.end(), shared), used.end()) << id;
  }
}

TEST(PackDump, ExceptionIsAndNot) {
  std::string text =
      rule("passwd_open", "t-x", "file.open",
           "  select target: file.path == \"/etc/passwd\"\n"
           "  condition: target\n") +
      "\nexception root_may {\n  rule passwd_open\n  reason \"tests\"\n"
      "  when: user.name == \"root\"\n}\n";
  Dumped d = compile_and_dump({{"except.sg", text}});
  expect_golden("exception", d.dump);
  Pack p = load(d.pack);
  uint32_t target = pred_with(p, "/etc/passwd");
  uint32_t root = pred_with(p, "root");
  const pack::RuleRecord& r = p.rules()[0];
  for (unsigned bits = 0; bits < 4; ++bits) {
    auto value = [&](uint32_t pred) {
      return pred == target ? (bits & 1U) != 0 : (bits & 2U) != 0;
    };
    EXPECT_EQ(run_routine(p, r.code_begin, r.code_end, value), bits == 1)
        << bits;
  }
  EXPECT_EQ(preds_used(p, r.code_begin, r.code_end),
            (std::vector<uint32_t>{target, root}));
  // The exception cannot widen the kernel filter.
  ASSERT_EQ(r.atoms_count, 1U);
  EXPECT_EQ(p.str(p.atoms()[r.atoms_first].value), "/etc/passwd");
}

TEST(PackDump, ListValuedField) {
  Dumped d = compile_and_dump(
      {{"args.sg",
        rule("socat_exec", "t-l", "exec",
             "  select args: proc.args contains all [\"exec:\", \"tcp:\"]\n"
             "  select line: proc.cmdline contains all [\"exec:\", "
             "\"tcp:\"]\n"
             "  select sshd: ancestors.name in [\"sshd\", \"login\"]\n"
             "  condition: args and line and not sshd\n")}});
  expect_golden("list_field", d.dump);
  Pack p = load(d.pack);
  // On a list field, `all` is one predicate a literal, each holding when
  // some element matches; on a string, one predicate with the flag.
  size_t args_preds = 0;
  for (const pack::PredRecord& r : p.predicates()) {
    std::string field(schema::field_by_id(r.field)->name);
    if (field == "proc.args") {
      ++args_preds;
      EXPECT_EQ(r.count, 1U);
      EXPECT_EQ(r.flags & pack::kPredAll, 0);
    } else if (field == "proc.cmdline") {
      EXPECT_EQ(r.count, 2U);
      EXPECT_EQ(r.flags & pack::kPredAll, pack::kPredAll);
    }
  }
  EXPECT_EQ(args_preds, 2U);
}

TEST(PackDump, Regex) {
  Dumped d = compile_and_dump(
      {{"re.sg",
        rule("fetch_ip", "t-re", "exec",
             "  select url: proc.cmdline matches nocase "
             "\"https?://[0-9]+(\\\\.[0-9]+){3}\"\n"
             "  select tool: proc.name matches [\"^curl$\", \"^wget\"]\n"
             "  condition: url and tool\n")}});
  expect_golden("regex", d.dump);
  Pack p = load(d.pack);
  uint32_t url = pred_with(p, "https?://[0-9]+(\\.[0-9]+){3}");
  const RE2* re = p.regex(url, 0);
  ASSERT_NE(re, nullptr);
  EXPECT_TRUE(RE2::PartialMatch("wget HTTP://10.1.2.3/x", *re));
  EXPECT_FALSE(RE2::PartialMatch("wget http://mirror/x", *re));
  uint32_t tool = pred_with(p, "^curl$");
  ASSERT_NE(p.regex(tool, 1), nullptr);
  EXPECT_FALSE(RE2::PartialMatch("WGET", *p.regex(tool, 1)));
  EXPECT_EQ(p.regex(tool, 2), nullptr);
}

TEST(PackDump, Cidr) {
  Dumped d = compile_and_dump(
      {{"net.sg",
        rule("egress", "t-net", "net.connect",
             "  select inside: net.daddr cidr [\"10.0.0.0/8\", \"fd00::/8\"]\n"
             "  select hosts: net.daddr in [\"192.0.2.1\", \"::1\"]\n"
             "  condition: hosts and not inside\n")}});
  expect_golden("cidr", d.dump);
  Pack p = load(d.pack);
  ASSERT_EQ(p.nets().size(), 4U);
  // IPv4 in IPv4-mapped form, its prefix moved by 96 bits.
  bool found = false;
  for (const pack::NetRecord& n : p.nets()) {
    const uint8_t want[16] = {0, 0, 0,    0,    0,  0, 0, 0,
                              0, 0, 0xff, 0xff, 10, 0, 0, 0};
    if (std::memcmp(n.addr, want, 16) == 0) {
      found = true;
      EXPECT_EQ(n.prefix, 104);
    }
  }
  EXPECT_TRUE(found);
  EXPECT_NE(d.dump.find("ip_cidr [10.0.0.0/8, fd00::/8]"), std::string::npos)
      << d.dump;
}

TEST(PackDump, Flags) {
  Dumped d = compile_and_dump(
      {{"flags.sg",
        rule("setuid_create", "t-fl", "file.open",
             "  select creating: file.flags has all [write, create]\n"
             "  select special: file.mode has [setuid, setgid]\n"
             "  condition: creating and special\n")}});
  expect_golden("flags", d.dump);
  Pack p = load(d.pack);
  ASSERT_EQ(p.predicates().size(), 2U);
  for (const pack::PredRecord& r : p.predicates()) {
    ASSERT_EQ(r.count, 1U);
    int64_t mask = p.ints()[r.first];
    if (pack::PredOp(r.op) == pack::PredOp::FlagsAll) {
      EXPECT_EQ(mask, 2 | 4);
    } else {
      EXPECT_EQ(pack::PredOp(r.op), pack::PredOp::FlagsAny);
      EXPECT_EQ(mask, 04000 | 02000);
    }
  }
  EXPECT_NE(d.dump.find("flags_all write|create"), std::string::npos);
}

TEST(PackDump, MultiKindRule) {
  std::string text = rule("etc_touched", "t-k1", "[file.open, file.unlink]",
                          "  select etc: file.path startswith \"/etc/\"\n"
                          "  condition: etc\n") +
                     "\n" +
                     rule("history_removed", "t-k2", "file.unlink",
                          "  select history: file.name == \".bash_history\"\n"
                          "  condition: history\n");
  Dumped d = compile_and_dump({{"kinds.sg", text}});
  expect_golden("multi_kind", d.dump);
  Pack p = load(d.pack);
  EXPECT_EQ(rule_by_id(p, "t-k1").kinds,
            schema::kind_bit(schema::Kind::FileOpen) |
                schema::kind_bit(schema::Kind::FileUnlink));
  ASSERT_EQ(p.filters().size(), 2U);
  EXPECT_EQ(p.filters()[0].kind, uint32_t(schema::Kind::FileOpen));
  EXPECT_EQ(p.filters()[0].atoms_count, 1U);
  EXPECT_EQ(p.filters()[1].kind, uint32_t(schema::Kind::FileUnlink));
  EXPECT_EQ(p.filters()[1].atoms_count, 2U);
}

TEST(PackDump, ConstantFolding) {
  std::string text = rule("folded_away", "t-c1", "exec",
                          "  select sh: proc.name == \"sh\"\n"
                          "  select none: proc.name in []\n"
                          "  condition: sh or none\n") +
                     "\n" +
                     rule("never", "t-c2", "exec",
                          "  select none: proc.name in []\n"
                          "  condition: none\n") +
                     "\n" +
                     rule("always", "t-c3", "exec",
                          "  select none: proc.name in []\n"
                          "  condition: not none\n");
  Dumped d = compile_and_dump({{"fold.sg", text}});
  expect_golden("constant_folding", d.dump);
  Pack p = load(d.pack);
  auto ops = [&](const pack::RuleRecord& r) {
    std::vector<std::pair<Opcode, uint32_t>> out;
    for (uint32_t pc = r.code_begin; pc < r.code_end; ++pc) {
      out.emplace_back(Opcode(p.code()[pc].op), p.code()[pc].arg);
    }
    return out;
  };
  using Listing = std::vector<std::pair<Opcode, uint32_t>>;
  EXPECT_EQ(ops(rule_by_id(p, "t-c1")),
            (Listing{{Opcode::Pred, 0}, {Opcode::Ret, 0}}));
  EXPECT_EQ(ops(rule_by_id(p, "t-c2")),
            (Listing{{Opcode::Const, 0}, {Opcode::Ret, 0}}));
  EXPECT_EQ(ops(rule_by_id(p, "t-c3")),
            (Listing{{Opcode::Const, 1}, {Opcode::Ret, 0}}));
  // Never: nothing for the kernel to pass. Always: everything.
  const pack::RuleRecord& never = rule_by_id(p, "t-c2");
  EXPECT_EQ(never.flags & pack::kRulePassAll, 0);
  EXPECT_EQ(never.atoms_count, 0U);
  EXPECT_EQ(rule_by_id(p, "t-c3").flags & pack::kRulePassAll,
            pack::kRulePassAll);
}

TEST(PackDump, LikeAndNocase) {
  Dumped d = compile_and_dump(
      {{"like.sg",
        rule("conf_written", "t-g", "file.open",
             "  select conf: file.path like [\"/etc/*.conf\", \"*.key\", "
             "\"/srv/\\\\*literal\"]\n"
             "  select named: file.path like nocase \"*.PEM\"\n"
             "  condition: conf or named\n")}});
  expect_golden("like_nocase", d.dump);
  Pack p = load(d.pack);
  // A real glob, a suffix, and an escaped star that is no wildcard.
  EXPECT_EQ(pack::PredOp(p.predicates()[pred_with(p, "/etc/*.conf")].op),
            pack::PredOp::StrLike);
  EXPECT_EQ(pack::PredOp(p.predicates()[pred_with(p, ".key")].op),
            pack::PredOp::StrEnds);
  EXPECT_EQ(pack::PredOp(p.predicates()[pred_with(p, "/srv/*literal")].op),
            pack::PredOp::StrIn);
  // nocase literals are stored in lower case, and the kernel cannot help.
  uint32_t named = pred_with(p, ".pem");
  EXPECT_EQ(p.predicates()[named].flags & pack::kPredNocase, pack::kPredNocase);
  EXPECT_NE(p.rules()[0].flags & pack::kRulePassAll, 0);
  EXPECT_NE(p.str(p.rules()[0].filter_reason).find("ignores case"),
            std::string::npos);
}

// ------------------------------------------------------------ determinism

const Files& base_rules() {
  static const Files kFiles = {
      {"a.sg", "list private = [\"10.0.0.0/8\", \"fd00::/8\"]\n\n" +
                   rule("shadow_written", "c-1", "file.open",
                        "  tags [attack.x, site.y]\n"
                        "  select target: file.path in [\"/etc/shadow\", "
                        "\"/etc/gshadow\"]\n"
                        "  select writing: file.flags has [write, trunc]\n"
                        "  select tool: proc.cmdline matches \"x[0-9]+y\"\n"
                        "  condition: target and writing and not tool\n") +
                   "\n" +
                   rule("egress", "c-2", "net.connect",
                        "  select outside: net.daddr cidr private\n"
                        "  select high: net.dport > 1000\n"
                        "  condition: high or not outside\n")},
      {"b.sg", rule("tmp_exec", "c-3", "[exec, file.open]",
                    "  select tmp: proc.exe startswith \"/tmp/\"\n"
                    "  condition: tmp or proc.uid in [0, 1]\n")}};
  return kFiles;
}

TEST(PackDeterminism, SameRulesSameBytes) {
  std::string first = compile_pack(base_rules());
  std::string second = compile_pack(base_rules());
  ASSERT_FALSE(first.empty());
  EXPECT_EQ(first, second);
  // The binary writes what the pass list builds.
  EXPECT_EQ(compile_and_dump(base_rules()).pack, first);
}

TEST(PackDeterminism, RepositoryRulesSameBytes) {
  TempDir dir;
  std::string src = source_dir();
  for (const char* out : {"one.pack", "two.pack", "swapped.pack"}) {
    std::string paths = std::string(out) == "swapped.pack"
                            ? src + "/rules " + src + "/stdlib-rules"
                            : src + "/stdlib-rules " + src + "/rules";
    RunResult r = run(sgc("compile --today 2026-06-01 " + paths + " -o " +
                          (dir.path() / out).string() + " 2>&1"));
    ASSERT_EQ(r.status, 0) << r.out;
  }
  std::string one = read_bytes(dir.path() / "one.pack");
  EXPECT_GT(one.size(), sizeof(pack::Header));
  EXPECT_EQ(one, read_bytes(dir.path() / "two.pack"));
  // The order the inputs are named in does not matter either.
  EXPECT_EQ(one, read_bytes(dir.path() / "swapped.pack"));
  RunResult a = run(sgc("dump " + (dir.path() / "one.pack").string()));
  RunResult b = run(sgc("dump " + (dir.path() / "one.pack").string()));
  EXPECT_EQ(a.status, 0);
  EXPECT_EQ(a.out, b.out);
}

// ------------------------------------------------------------ corruption

const std::string& base_pack() {
  static const std::string kPack = compile_pack(base_rules());
  return kPack;
}

template <typename T>
T get(const std::string& b, size_t offset) {
  T v{};
  std::memcpy(&v, b.data() + offset, sizeof v);
  return v;
}

template <typename T>
void put(std::string& b, size_t offset, const T& v) {
  std::memcpy(b.data() + offset, &v, sizeof v);
}

pack::Header header(const std::string& b) {
  return get<pack::Header>(b, 0);
}

void flip(std::string& b, size_t at, uint8_t bits) {
  b[at] = char(uint8_t(b[at]) ^ bits);
}

void fix_checksum(std::string& b) {
  put<uint64_t>(b, offsetof(pack::Header, checksum), 0);
  put<uint64_t>(b, offsetof(pack::Header, checksum),
                XXH64(b.data(), b.size(), 0));
}

size_t entry_offset(size_t i) {
  return sizeof(pack::Header) + i * sizeof(pack::SectionEntry);
}

// The index in the section table of the section of kind `k`.
size_t entry_index(const std::string& b, SectionKind k) {
  for (size_t i = 0; i < header(b).section_count; ++i) {
    if (get<pack::SectionEntry>(b, entry_offset(i)).kind == uint32_t(k)) {
      return i;
    }
  }
  throw std::runtime_error("no section " + std::to_string(uint32_t(k)));
}

pack::SectionEntry entry(const std::string& b, SectionKind k) {
  return get<pack::SectionEntry>(b, entry_offset(entry_index(b, k)));
}

template <typename T>
size_t count(const std::string& b, SectionKind k) {
  return entry(b, k).size / sizeof(T);
}

// Applies `f` to record `i` of section `k`, then fixes the checksum.
template <typename T>
std::string edit(SectionKind k, size_t i, const std::function<void(T&)>& f) {
  std::string b = base_pack();
  size_t at = entry(b, k).offset + i * sizeof(T);
  EXPECT_LE(at + sizeof(T), entry(b, k).offset + entry(b, k).size);
  auto rec = get<T>(b, at);
  f(rec);
  put(b, at, rec);
  fix_checksum(b);
  return b;
}

std::string edit_entry(SectionKind k,
                       const std::function<void(pack::SectionEntry&)>& f) {
  std::string b = base_pack();
  size_t at = entry_offset(entry_index(b, k));
  auto e = get<pack::SectionEntry>(b, at);
  f(e);
  put(b, at, e);
  fix_checksum(b);
  return b;
}

std::string edit_header(const std::function<void(pack::Header&)>& f,
                        bool fix = true) {
  std::string b = base_pack();
  pack::Header h = header(b);
  f(h);
  put(b, 0, h);
  if (fix) {
    fix_checksum(b);
  }
  return b;
}

void expect_refused(const std::string& bytes, const std::string& problem) {
  std::string error;
  std::optional<Pack> p = Pack::load(bytes, error);
  EXPECT_FALSE(p.has_value()) << "accepted; expected: " << problem;
  EXPECT_NE(error.find(problem), std::string::npos)
      << "error: " << error << "\nexpected: " << problem;
}

// The index of the first rule record's first jump instruction.
uint32_t first_jump(const Pack& p) {
  for (uint32_t pc = 0; pc < p.code().size(); ++pc) {
    auto op = Opcode(p.code()[pc].op);
    if (op == Opcode::JumpIfFalse || op == Opcode::JumpIfTrue) {
      return pc;
    }
  }
  throw std::runtime_error("no jump");
}

uint32_t first_pred_of_op(const Pack& p, pack::PredOp op) {
  for (uint32_t i = 0; i < p.predicates().size(); ++i) {
    if (pack::PredOp(p.predicates()[i].op) == op) {
      return i;
    }
  }
  throw std::runtime_error("no predicate of op " + std::to_string(int(op)));
}

TEST(PackReader, BaseLoadsWithEverySectionInUse) {
  Pack p = load(base_pack());
  EXPECT_EQ(p.rules().size(), 3U);
  EXPECT_FALSE(p.ints().empty());
  EXPECT_FALSE(p.nets().empty());
  EXPECT_FALSE(p.atoms().empty());
  EXPECT_GE(p.filters().size(), 2U);
  EXPECT_FALSE(p.selections().empty());
  EXPECT_NE(p.regex(first_pred_of_op(p, pack::PredOp::StrMatches), 0), nullptr);
}

TEST(PackReader, RefusesTruncated) {
  const std::string& b = base_pack();
  size_t strings = entry(b, SectionKind::Strings).offset;
  for (size_t n : {size_t{0}, size_t{1}, size_t{8}, size_t{63}}) {
    SCOPED_TRACE(n);
    expect_refused(b.substr(0, n), "shorter than the 64-byte header");
  }
  // Inside the section table, inside a section, one byte short.
  for (size_t n :
       {size_t{64}, size_t{100}, strings + 3, b.size() / 2, b.size() - 1}) {
    SCOPED_TRACE(n);
    expect_refused(b.substr(0, n), "pack is truncated: the header says");
  }
  expect_refused(b + std::string(8, '\0'), "pack is too long");
}

TEST(PackReader, RefusesTruncatedWithConsistentHeader) {
  // The header and checksum agree with the shorter file: the section
  // bounds catch it.
  const std::string& b = base_pack();
  for (size_t n : {size_t{64}, size_t{300}, b.size() - 8}) {
    SCOPED_TRACE(n);
    std::string t = b.substr(0, n);
    put<uint64_t>(t, offsetof(pack::Header, file_size), n);
    fix_checksum(t);
    std::string error;
    EXPECT_FALSE(Pack::load(t, error).has_value());
    EXPECT_TRUE(error.find("section") != std::string::npos) << error;
  }
}

TEST(PackReader, RefusesBadMagic) {
  expect_refused(edit_header([](pack::Header& h) { h.magic[0] = 'X'; }),
                 "not a rule pack");
  expect_refused(edit_header([](pack::Header& h) { h.magic[7] = '\r'; }),
                 "not a rule pack");
}

TEST(PackReader, RefusesNewerFormat) {
  expect_refused(edit_header([](pack::Header& h) { ++h.format_version; }),
                 "pack format version 2 is newer than this program reads");
  expect_refused(edit_header([](pack::Header& h) { h.format_version = 0; }),
                 "pack format version 0 is unknown");
}

TEST(PackReader, RefusesOtherSchema) {
  expect_refused(edit_header([](pack::Header& h) { ++h.schema_version; }),
                 "compiled for event schema version 2");
  expect_refused(edit_header([](pack::Header& h) { h.schema_version = 0; }),
                 "recompile the rules");
}

TEST(PackReader, RefusesFileSizeMismatch) {
  expect_refused(edit_header([](pack::Header& h) { h.file_size += 8; }),
                 "pack is truncated: the header says");
  expect_refused(edit_header([](pack::Header& h) { h.file_size -= 8; }),
                 "pack is too long");
}

TEST(PackReader, RefusesChecksumMismatch) {
  const std::string& b = base_pack();
  // Every byte after the fields checked before the checksum, a sample.
  size_t from = offsetof(pack::Header, checksum);
  for (size_t at = from; at < b.size(); at += 37) {
    for (uint8_t bit : {uint8_t(1), uint8_t(0x80)}) {
      std::string c = b;
      flip(c, at, bit);
      std::string error;
      ASSERT_FALSE(Pack::load(c, error).has_value()) << at;
      EXPECT_EQ(error, "pack is corrupted: checksum mismatch") << at;
    }
  }
  std::string last = b;
  flip(last, last.size() - 1, 1);
  expect_refused(last, "checksum mismatch");
}

TEST(PackReader, RefusesSectionOutOfBounds) {
  size_t size = base_pack().size();
  expect_refused(edit_entry(SectionKind::Rules,
                            [&](pack::SectionEntry& e) { e.offset = size; }),
                 "section 'rules' at offset");
  expect_refused(
      edit_entry(SectionKind::Code,
                 [&](pack::SectionEntry& e) { e.size = size - e.offset + 8; }),
      "lies outside the pack");
  expect_refused(
      edit_entry(SectionKind::Strings,
                 [&](pack::SectionEntry& e) { e.offset = uint64_t(1) << 63; }),
      "lies outside the pack");
  expect_refused(edit_entry(SectionKind::Strings,
                            [&](pack::SectionEntry& e) { e.size = ~0ULL; }),
                 "lies outside the pack");
  // Over the header or the section table.
  expect_refused(edit_entry(SectionKind::Ints,
                            [&](pack::SectionEntry& e) { e.offset = 8; }),
                 "overlaps the header");
  expect_refused(edit_header([](pack::Header& h) { h.section_count = 65; }),
                 "section table of 65 entries does not fit");
  expect_refused(edit_header([&](pack::Header& h) {
                   h.section_count = uint32_t(size / 24);
                 }),
                 "does not fit the pack");
}

TEST(PackReader, RefusesMisalignedSection) {
  expect_refused(edit_entry(SectionKind::Predicates,
                            [](pack::SectionEntry& e) { e.offset += 4; }),
                 "section 'predicates' at offset");
  expect_refused(edit_entry(SectionKind::Strings,
                            [](pack::SectionEntry& e) {
                              e.offset += 1;
                              e.size -= 1;
                            }),
                 "is not 8-byte aligned");
}

TEST(PackReader, RefusesMissingSection) {
  // The last entry of the table dropped.
  std::string b = edit_header([](pack::Header& h) { --h.section_count; });
  expect_refused(b, "section 'atoms' is missing");
}

TEST(PackReader, RefusesDuplicateSection) {
  expect_refused(edit_entry(SectionKind::Atoms,
                            [](pack::SectionEntry& e) {
                              e.kind = uint32_t(SectionKind::Ints);
                            }),
                 "section 'ints' appears twice");
}

TEST(PackReader, RefusesUnknownSectionKind) {
  expect_refused(edit_entry(SectionKind::Atoms,
                            [](pack::SectionEntry& e) { e.kind = 12; }),
                 "has unknown kind 12");
  expect_refused(edit_entry(SectionKind::Strings,
                            [](pack::SectionEntry& e) { e.kind = 0; }),
                 "has unknown kind 0");
}

TEST(PackReader, RefusesPartialRecords) {
  expect_refused(edit_entry(SectionKind::Predicates,
                            [](pack::SectionEntry& e) { e.size -= 1; }),
                 "section 'predicates' size");
  expect_refused(edit_entry(SectionKind::Rules,
                            [](pack::SectionEntry& e) { e.size -= 8; }),
                 "is not a whole number of records");
}

TEST(PackReader, RefusesStringOutsideStrings) {
  uint32_t strings = uint32_t(entry(base_pack(), SectionKind::Strings).size);
  expect_refused(edit<pack::StrRef>(SectionKind::StrRefs, 0,
                                    [&](pack::StrRef& r) {
                                      r.offset = strings;
                                      r.size = 1;
                                    }),
                 "string ref 0 points outside the strings");
  expect_refused(
      edit<pack::StrRef>(SectionKind::StrRefs, 1,
                         [&](pack::StrRef& r) { r.size = UINT32_MAX; }),
      "string ref 1 points outside the strings");
  expect_refused(edit<pack::RuleRecord>(SectionKind::Rules, 1,
                                        [&](pack::RuleRecord& r) {
                                          r.title.offset = strings - 1;
                                          r.title.size = 2;
                                        }),
                 "rule 1: a string points outside the strings");
  expect_refused(edit<pack::SelRecord>(
                     SectionKind::Selections, 0,
                     [&](pack::SelRecord& s) { s.name.offset = UINT32_MAX; }),
                 "selection 0: name points outside the strings");
  expect_refused(edit<pack::AtomRecord>(
                     SectionKind::Atoms, 0,
                     [&](pack::AtomRecord& a) { a.value.size = strings + 1; }),
                 "value outside the strings");
}

TEST(PackReader, RefusesUnknownField) {
  expect_refused(
      edit<pack::PredRecord>(SectionKind::Predicates, 0,
                             [](pack::PredRecord& r) { r.field = 999; }),
      "predicate 0: unknown field id 999");
  expect_refused(
      edit<pack::PredRecord>(SectionKind::Predicates, 0,
                             [](pack::PredRecord& r) { r.field = 0; }),
      "unknown field id 0");
}

TEST(PackReader, RefusesUnknownOp) {
  for (uint8_t op :
       {uint8_t(0), uint8_t(pack::kPredOpLast + 1), uint8_t(255)}) {
    expect_refused(
        edit<pack::PredRecord>(SectionKind::Predicates, 0,
                               [&](pack::PredRecord& r) { r.op = op; }),
        "unknown operation " + std::to_string(op));
  }
  expect_refused(
      edit<pack::PredRecord>(SectionKind::Predicates, 0,
                             [](pack::PredRecord& r) { r.flags = 4; }),
      "or flags 4");
}

TEST(PackReader, RefusesOpNotFittingField) {
  Pack p = load(base_pack());
  uint32_t path = pred_with(p, "/etc/gshadow"); // file.path str_in
  uint32_t cidr = first_pred_of_op(p, pack::PredOp::IpCidr);
  uint32_t flags = first_pred_of_op(p, pack::PredOp::FlagsAny);
  auto with_op = [&](uint32_t pred, pack::PredOp op) {
    return edit<pack::PredRecord>(
        SectionKind::Predicates, pred,
        [&](pack::PredRecord& r) { r.op = uint8_t(op); });
  };
  expect_refused(with_op(path, pack::PredOp::IpCidr),
                 "operation 13 does not apply to field 'file.path'");
  expect_refused(with_op(path, pack::PredOp::IntGt),
                 "does not apply to field 'file.path'");
  expect_refused(with_op(cidr, pack::PredOp::StrIn),
                 "does not apply to field 'net.daddr'");
  expect_refused(with_op(flags, pack::PredOp::IntIn),
                 "does not apply to field 'file.flags'");
  // A flags test has one mask.
  expect_refused(
      edit<pack::PredRecord>(SectionKind::Predicates, flags,
                             [](pack::PredRecord& r) { r.count = 2; }),
      "predicate " + std::to_string(flags) +
          ": a flags test takes one mask, not 2");
}

TEST(PackReader, RefusesLiteralsOutOfRange) {
  Pack p = load(base_pack());
  uint32_t path = pred_with(p, "/etc/gshadow");
  uint32_t cidr = first_pred_of_op(p, pack::PredOp::IpCidr);
  uint32_t refs = uint32_t(p.refs().size());
  expect_refused(edit<pack::PredRecord>(SectionKind::Predicates, path,
                                        [&](pack::PredRecord& r) {
                                          r.first = refs - 1;
                                          r.count = 2;
                                        }),
                 "lie outside their table");
  expect_refused(edit<pack::PredRecord>(
                     SectionKind::Predicates, path,
                     [&](pack::PredRecord& r) { r.first = UINT32_MAX; }),
                 "lie outside their table");
  expect_refused(
      edit<pack::PredRecord>(SectionKind::Predicates, path,
                             [&](pack::PredRecord& r) { r.count = 0; }),
      "literals " + std::to_string(p.predicates()[path].first) + "+0");
  expect_refused(edit<pack::PredRecord>(SectionKind::Predicates, cidr,
                                        [&](pack::PredRecord& r) {
                                          r.count =
                                              uint32_t(p.nets().size() + 1);
                                        }),
                 "lie outside their table");
  // A network's prefix is at most 128 bits.
  expect_refused(
      edit<pack::NetRecord>(SectionKind::Nets, 0,
                            [](pack::NetRecord& n) { n.prefix = 129; }),
      "net 0: prefix 129 is over 128 bits");
}

TEST(PackReader, RefusesBadRegex) {
  Pack p = load(base_pack());
  uint32_t re = first_pred_of_op(p, pack::PredOp::StrMatches);
  pack::StrRef r = p.refs()[p.predicates()[re].first];
  ASSERT_EQ(p.str(r), "x[0-9]+y");
  std::string b = base_pack();
  // "x(0-9]+y": an unclosed group.
  b[entry(b, SectionKind::Strings).offset + r.offset + 1] = '(';
  fix_checksum(b);
  expect_refused(b, "regular expression does not compile: missing )");
}

TEST(PackReader, RefusesUnknownOpcode) {
  for (uint8_t op : {uint8_t(0), uint8_t(pack::kOpcodeLast + 1)}) {
    expect_refused(edit<pack::Instr>(SectionKind::Code, 0,
                                     [&](pack::Instr& in) { in.op = op; }),
                   "instruction 0: unknown opcode " + std::to_string(op));
  }
}

TEST(PackReader, RefusesPredOperandOutOfRange) {
  Pack p = load(base_pack());
  uint32_t n = uint32_t(p.predicates().size());
  ASSERT_EQ(Opcode(p.code()[0].op), Opcode::Pred);
  expect_refused(edit<pack::Instr>(SectionKind::Code, 0,
                                   [&](pack::Instr& in) { in.arg = n; }),
                 "instruction 0: predicate " + std::to_string(n) +
                     " does not exist");
}

TEST(PackReader, RefusesConstOperandOverOne) {
  expect_refused(edit<pack::Instr>(SectionKind::Code, 0,
                                   [](pack::Instr& in) {
                                     in.op = uint8_t(Opcode::Const);
                                     in.arg = 2;
                                   }),
                 "instruction 0: constant 2 is not 0 or 1");
}

TEST(PackReader, RefusesBackwardJump) {
  uint32_t pc = first_jump(load(base_pack()));
  for (uint32_t target : {pc, pc - 1, uint32_t(0)}) {
    expect_refused(edit<pack::Instr>(SectionKind::Code, pc,
                                     [&](pack::Instr& in) { in.arg = target; }),
                   "instruction " + std::to_string(pc) + " jumps to " +
                       std::to_string(target));
  }
}

TEST(PackReader, RefusesJumpPastRoutineEnd) {
  Pack p = load(base_pack());
  uint32_t pc = first_jump(p);
  const pack::RuleRecord* owner = nullptr;
  for (const pack::RuleRecord& r : p.rules()) {
    if (r.code_begin <= pc && pc < r.code_end) {
      owner = &r;
    }
  }
  ASSERT_NE(owner, nullptr);
  // The end of the routine is the next routine's first instruction.
  expect_refused(
      edit<pack::Instr>(SectionKind::Code, pc,
                        [&](pack::Instr& in) { in.arg = owner->code_end; }),
      "jumps to " + std::to_string(owner->code_end) + ", outside");
  expect_refused(edit<pack::Instr>(SectionKind::Code, pc,
                                   [&](pack::Instr& in) { in.arg = ~0U; }),
                 "jumps to 4294967295");
}

TEST(PackReader, RefusesRoutineNotEndingInRet) {
  Pack p = load(base_pack());
  const pack::RuleRecord& r = p.rules()[0];
  expect_refused(
      edit<pack::Instr>(SectionKind::Code, r.code_end - 1,
                        [](pack::Instr& in) { in.op = uint8_t(Opcode::Not); }),
      "code does not end in ret");
  // A selection's routine too.
  const pack::SelRecord& s = p.selections()[0];
  expect_refused(edit<pack::SelRecord>(SectionKind::Selections, 0,
                                       [&](pack::SelRecord& sel) {
                                         sel.code_end = s.code_end - 1;
                                       }),
                 "selection '" + std::string(p.str(s.name)) +
                     "': code does not end in ret");
}

TEST(PackReader, RefusesRuleCodeOutOfBounds) {
  uint32_t n = uint32_t(load(base_pack()).code().size());
  expect_refused(
      edit<pack::RuleRecord>(SectionKind::Rules, 0,
                             [&](pack::RuleRecord& r) { r.code_end = n + 1; }),
      "rule 'c-1': code range");
  expect_refused(edit<pack::RuleRecord>(
                     SectionKind::Rules, 0,
                     [&](pack::RuleRecord& r) { r.code_begin = r.code_end; }),
                 "lies outside the " + std::to_string(n) + " instructions");
}

TEST(PackReader, RefusesRuleWithUnknownKindsOrLevel) {
  expect_refused(
      edit<pack::RuleRecord>(SectionKind::Rules, 0,
                             [](pack::RuleRecord& r) { r.kinds = 0; }),
      "rule 'c-1': unknown event kinds 0");
  expect_refused(
      edit<pack::RuleRecord>(SectionKind::Rules, 0,
                             [](pack::RuleRecord& r) { r.kinds |= 1U << 31; }),
      "unknown event kinds");
  expect_refused(
      edit<pack::RuleRecord>(SectionKind::Rules, 0,
                             [](pack::RuleRecord& r) { r.kinds = 1; }),
      "unknown event kinds 1");
  expect_refused(
      edit<pack::RuleRecord>(SectionKind::Rules, 0,
                             [](pack::RuleRecord& r) { r.level = 5; }),
      "unknown level 5");
  expect_refused(
      edit<pack::RuleRecord>(SectionKind::Rules, 0,
                             [](pack::RuleRecord& r) { r.flags = 2; }),
      "or flags 2");
  expect_refused(edit_header([](pack::Header& h) { ++h.rule_count; }),
                 "header counts 4 rules, the rules section has 3");
}

TEST(PackReader, RefusesTablesOutOfBounds) {
  size_t sels = count<pack::SelRecord>(base_pack(), SectionKind::Selections);
  expect_refused(edit<pack::RuleRecord>(SectionKind::Rules, 0,
                                        [&](pack::RuleRecord& r) {
                                          r.sels_first = uint32_t(sels);
                                        }),
                 "tags or selections lie outside their tables");
  expect_refused(edit<pack::RuleRecord>(SectionKind::Rules, 0,
                                        [&](pack::RuleRecord& r) {
                                          r.sels_count = uint32_t(sels + 1);
                                        }),
                 "tags or selections lie outside their tables");
  expect_refused(edit<pack::RuleRecord>(
                     SectionKind::Rules, 0,
                     [](pack::RuleRecord& r) { r.tags_first = UINT32_MAX; }),
                 "tags or selections lie outside their tables");
  expect_refused(edit<pack::RuleRecord>(
                     SectionKind::Rules, 0,
                     [](pack::RuleRecord& r) { r.atoms_count = UINT32_MAX; }),
                 "filter atoms lie outside their table");
  size_t code = count<pack::Instr>(base_pack(), SectionKind::Code);
  expect_refused(edit<pack::SelRecord>(SectionKind::Selections, 0,
                                       [&](pack::SelRecord& s) {
                                         s.code_end = uint32_t(code + 1);
                                       }),
                 "code range");
}

TEST(PackReader, RefusesLocationsMismatch) {
  expect_refused(edit_entry(SectionKind::Locations,
                            [](pack::SectionEntry& e) {
                              e.size -= sizeof(pack::Location);
                            }),
                 "locations: ");
  size_t refs = count<pack::StrRef>(base_pack(), SectionKind::StrRefs);
  expect_refused(
      edit<pack::Location>(SectionKind::Locations, 2,
                           [&](pack::Location& l) { l.file = uint32_t(refs); }),
      "location 2 names no file");
}

TEST(PackReader, RefusesBadFilters) {
  for (uint32_t kind : {0U, 19U, 31U, 32U, UINT32_MAX}) {
    expect_refused(
        edit<pack::FilterRecord>(SectionKind::Filters, 0,
                                 [&](pack::FilterRecord& f) { f.kind = kind; }),
        "filter 0: unknown event kind " + std::to_string(kind));
  }
  Pack p = load(base_pack());
  uint32_t first = p.filters()[0].kind;
  expect_refused(
      edit<pack::FilterRecord>(SectionKind::Filters, 1,
                               [&](pack::FilterRecord& f) { f.kind = first; }),
      "filter 1: a second filter for event kind " + std::to_string(first));
  expect_refused(
      edit<pack::FilterRecord>(SectionKind::Filters, 0,
                               [](pack::FilterRecord& f) { f.flags = 2; }),
      "bad flags or atoms outside their table");
  expect_refused(edit<pack::FilterRecord>(SectionKind::Filters, 0,
                                          [&](pack::FilterRecord& f) {
                                            f.atoms_first =
                                                uint32_t(p.atoms().size());
                                            f.atoms_count = 1;
                                          }),
                 "bad flags or atoms outside their table");
}

TEST(PackReader, RefusesAtomWithUnknownKind) {
  for (uint8_t kind : {uint8_t(0), uint8_t(pack::kAtomKindLast + 1)}) {
    expect_refused(
        edit<pack::AtomRecord>(SectionKind::Atoms, 0,
                               [&](pack::AtomRecord& a) { a.kind = kind; }),
        "atom 0: unknown kind " + std::to_string(kind));
  }
}

// Reads everything a loaded pack refers to, as the matcher and the
// commands do; under a sanitizer, a check the reader lacks shows here.
size_t touch(const Pack& p) {
  size_t n = 0;
  auto str = [&](pack::StrRef r) { n += p.str(r).size(); };
  for (uint32_t i = 0; i < p.predicates().size(); ++i) {
    const pack::PredRecord& r = p.predicates()[i];
    EXPECT_NE(schema::field_by_id(r.field), nullptr);
    for (uint32_t k = 0; k < r.count; ++k) {
      auto op = pack::PredOp(r.op);
      if (op <= pack::PredOp::StrMatches) {
        n += p.ref(r.first + k).size();
        if (op == pack::PredOp::StrMatches) {
          EXPECT_NE(p.regex(i, k), nullptr);
        }
      } else if (op == pack::PredOp::IpIn || op == pack::PredOp::IpCidr) {
        n += p.nets()[r.first + k].prefix;
      } else {
        n += size_t(p.ints()[r.first + k] & 1);
      }
    }
  }
  auto routine = [&](uint32_t begin, uint32_t end) {
    for (bool v : {false, true}) {
      n += run_routine(p, begin, end, [&](uint32_t pred) {
        EXPECT_LT(pred, p.predicates().size());
        return v;
      });
    }
  };
  for (const pack::RuleRecord& r : p.rules()) {
    for (pack::StrRef s :
         {r.id, r.name, r.title, r.output, r.file, r.filter_reason}) {
      str(s);
    }
    for (uint32_t t = 0; t < r.tags_count; ++t) {
      n += p.ref(r.tags_first + t).size();
    }
    for (uint32_t a = 0; a < r.atoms_count; ++a) {
      str(p.atoms()[r.atoms_first + a].value);
    }
    for (uint32_t s = 0; s < r.sels_count; ++s) {
      const pack::SelRecord& sel = p.selections()[r.sels_first + s];
      str(sel.name);
      routine(sel.code_begin, sel.code_end);
    }
    routine(r.code_begin, r.code_end);
  }
  for (const pack::Location& l : p.locations()) {
    n += p.ref(l.file).size();
  }
  for (const pack::FilterRecord& f : p.filters()) {
    for (uint32_t a = 0; a < f.atoms_count; ++a) {
      str(p.atoms()[f.atoms_first + a].value);
    }
  }
  return n;
}

TEST(PackReader, RandomDamageNeverCrashes) {
  const std::string& base = base_pack();
  std::mt19937_64 rng(20260601);
  auto below = [&](size_t n) { return size_t(rng() % n); };
  const uint32_t interesting[] = {
      0, 1, 2, 7, 8, 0x7f, 0xff, 0x100, 0x7fffffff, 0x80000000, 0xffffffff};
  size_t accepted = 0;
  size_t refused = 0;
  std::vector<std::string> survivors;
  for (int iter = 0; iter < 4000; ++iter) {
    std::string b = base;
    switch (below(4)) {
    case 0: // a few bits flipped anywhere
      for (size_t k = 1 + below(4); k > 0; --k) {
        flip(b, below(b.size()), uint8_t(1U << below(8)));
      }
      break;
    case 1: // cut short, the header made to agree
      b.resize(64 + below(b.size() - 64));
      put<uint64_t>(b, offsetof(pack::Header, file_size), b.size());
      break;
    case 2: { // a boundary value over an aligned word
      size_t at = below(b.size() / 4) * 4;
      uint32_t v = below(3) == 0 ? uint32_t(rng())
                                 : interesting[below(std::size(interesting))];
      put<uint32_t>(b, at, v);
      break;
    }
    default: { // a small change to one byte past the section table
      size_t from = entry_offset(header(b).section_count);
      size_t at = from + below(b.size() - from);
      b[at] = char(uint8_t(b[at]) + uint8_t(1 + below(3)));
      break;
    }
    }
    if (below(8) != 0) {
      fix_checksum(b);
    }
    std::string error;
    std::optional<Pack> p = Pack::load(b, error);
    if (!p) {
      ++refused;
      EXPECT_FALSE(error.empty());
      continue;
    }
    ++accepted;
    touch(*p);
    if (b != base && survivors.size() < 30) {
      survivors.push_back(b);
    }
  }
  // Both outcomes happen, or the loop tests less than it seems to.
  EXPECT_GT(accepted, 100U);
  EXPECT_GT(refused, 1000U);
  // The dump prints any pack the reader accepts.
  TempDir dir;
  for (size_t i = 0; i < survivors.size(); ++i) {
    std::string path =
        dir.write("s" + std::to_string(i) + ".pack", survivors[i]);
    RunResult r = run(sgc("dump " + path + " 2>&1"));
    EXPECT_EQ(r.status, 0) << r.out;
    EXPECT_NE(r.out.find("kernel filters:"), std::string::npos);
  }
}

TEST(PackReader, RefusalLeavesLoadedPacksAlone) {
  std::string error;
  std::optional<Pack> good = Pack::load(base_pack(), error);
  ASSERT_TRUE(good.has_value()) << error;
  size_t before = touch(*good);
  std::string bad = base_pack();
  flip(bad, bad.size() / 2, 1);
  for (int i = 0; i < 2; ++i) {
    std::string e;
    EXPECT_FALSE(Pack::load(bad, e).has_value());
    EXPECT_EQ(e, "pack is corrupted: checksum mismatch");
  }
  // Refused after every structural check but one, too.
  std::string late = edit<pack::AtomRecord>(
      SectionKind::Atoms, 0, [](pack::AtomRecord& a) { a.kind = 0; });
  EXPECT_FALSE(Pack::load(late, error).has_value());
  EXPECT_EQ(touch(*good), before);
  EXPECT_EQ(good->rules().size(), 3U);
  EXPECT_EQ(good->str(good->rules()[0].id), "c-1");
  uint32_t re = first_pred_of_op(*good, pack::PredOp::StrMatches);
  ASSERT_NE(good->regex(re, 0), nullptr);
  EXPECT_TRUE(RE2::PartialMatch("ax12yb", *good->regex(re, 0)));
  // And a moved pack keeps working: its bytes moved with it.
  Pack moved = std::move(*good);
  EXPECT_EQ(touch(moved), before);
  EXPECT_TRUE(Pack::load(base_pack(), error).has_value());
}

// ------------------------------------------------------------ the command

TEST(PackDumpCli, ExitStatus) {
  TempDir dir;
  std::string good = dir.write("good.pack", base_pack());
  RunResult ok = run(sgc("dump " + good + " 2>&1"));
  EXPECT_EQ(ok.status, 0) << ok.out;
  EXPECT_EQ(ok.out.rfind("pack " + good + "\n", 0), 0U) << ok.out;

  std::string damaged = base_pack();
  flip(damaged, damaged.size() - 1, 1);
  std::string bad = dir.write("bad.pack", damaged);
  RunResult refused = run(sgc("dump " + bad + " 2>&1"));
  EXPECT_EQ(refused.status, 1);
  EXPECT_EQ(refused.out,
            "sgc dump: " + bad + ": pack is corrupted: checksum mismatch\n");
  std::string text = dir.write("rules.sg", "rule r {}\n");
  RunResult not_pack = run(sgc("dump " + text + " 2>&1"));
  EXPECT_EQ(not_pack.status, 1);
  EXPECT_NE(not_pack.out.find(text + ": pack is truncated"), std::string::npos)
      << not_pack.out;

  RunResult missing =
      run(sgc("dump " + dir.path().string() + "/none.pack 2>&1"));
  EXPECT_EQ(missing.status, 2);
  EXPECT_NE(missing.out.find("none.pack"), std::string::npos);
  EXPECT_EQ(run(sgc("dump " + dir.path().string() + " 2>/dev/null")).status, 2);
  EXPECT_EQ(run(sgc("dump 2>/dev/null")).status, 2);
  // Nothing on standard output when the pack is refused.
  EXPECT_EQ(run(sgc("dump " + bad + " 2>/dev/null")).out, "");
}

} // namespace
} // namespace sg::testing
