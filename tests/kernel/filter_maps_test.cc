// The pack's kernel filter as map entries, and the checked views of raw
// events: no kernel needed.
#include <cstring>
#include <string>

#include <gtest/gtest.h>

#include "runtime/sensor/filter_maps.h"
#include "runtime/sensor/raw_event.h"
#include "tests/kernel/kernel_util.h"

namespace sg::testing {
namespace {

using sensor::FilterTables;
using sensor::TrieEntry;

pack::Pack compile_or_die(const std::string& rules) {
  std::string error;
  std::optional<pack::Pack> p = compile_pack(rules, error);
  EXPECT_TRUE(p.has_value()) << error;
  return std::move(*p);
}

std::string key_bytes(const TrieEntry& e) {
  return {reinterpret_cast<const char*>(e.key.data), e.key.prefixlen / 8};
}

const TrieEntry* find(const std::vector<TrieEntry>& v,
                      const std::string& bytes) {
  for (const TrieEntry& e : v) {
    if (key_bytes(e) == bytes) {
      return &e;
    }
  }
  return nullptr;
}

constexpr uint32_t kOpenBit = 1U << SG_EV_FileOpen;

TEST(FilterMaps, AtomsBecomeSlotTaggedKeys) {
  pack::Pack p = compile_or_die(R"(rule r {
  id "k-1"
  title "t"
  level low
  event file.open
  select exact: file.path == "/etc/shadow"
  select prefix: file.path startswith "/etc/"
  select suffix: file.path endswith ".pem"
  select name: file.name == "id_rsa"
  select comm: proc.name == "a-very-long-command-name"
  select exe: proc.exe == "/usr/bin/nc"
  condition: 1 of them
}
)");
  FilterTables t = sensor::build_filter_tables(p, 1);
  ASSERT_EQ(t.paths.size(), 2U);
  const TrieEntry* exact = find(t.paths, std::string("\1/etc/shadow\0", 13));
  const TrieEntry* prefix = find(t.paths, "\1/etc/");
  ASSERT_NE(exact, nullptr);
  ASSERT_NE(prefix, nullptr);
  EXPECT_EQ(exact->value.kinds, kOpenBit);
  EXPECT_NE(find(t.suffixes, "\1mep."), nullptr);
  EXPECT_NE(find(t.suffixes, "\1asr_di/"), nullptr);
  EXPECT_NE(find(t.exes, std::string("\1/usr/bin/nc\0", 13)), nullptr);
  ASSERT_EQ(t.comms.size(), 1U);
  EXPECT_EQ(t.comms[0].key.slot, 1U);
  EXPECT_STREQ(t.comms[0].key.comm, "a-very-long-com"); // 15 bytes kept
  uint32_t want = SG_KIND_COLLECT | SG_KIND_HAS_PATH | SG_KIND_HAS_SUFFIX |
                  SG_KIND_HAS_COMM | SG_KIND_HAS_EXE;
  EXPECT_EQ(t.kinds[SG_EV_FileOpen].flags, want);
  EXPECT_EQ(t.kinds[SG_EV_Exec].flags, 0U);
}

TEST(FilterMaps, LongerKeysCarryTheKindsOfTheirPrefixes) {
  pack::Pack p = compile_or_die(R"(rule opens {
  id "k-1"
  title "t"
  level low
  event file.open
  select s: file.path == "/etc/cron.d/job"
  condition: s
}

rule anything {
  id "k-2"
  title "t"
  level low
  event [file.open, file.unlink]
  select s: file.path startswith "/etc/cron"
  condition: s
}
)");
  FilterTables t = sensor::build_filter_tables(p, 0);
  const TrieEntry* exact =
      find(t.paths, std::string("\0/etc/cron.d/job\0", 17));
  ASSERT_NE(exact, nullptr);
  EXPECT_EQ(exact->value.kinds, kOpenBit | (1U << SG_EV_FileUnlink));
}

TEST(FilterMaps, KeysTooLongBecomePrefixes) {
  std::string deep = "/" + std::string(300, 'd');
  pack::Pack p = compile_or_die(R"(rule r {
  id "k-1"
  title "t"
  level low
  event file.open
  select s: file.path == ")" + deep +
                                R"("
  condition: s
}
)");
  FilterTables t = sensor::build_filter_tables(p, 0);
  ASSERT_EQ(t.paths.size(), 1U);
  EXPECT_EQ(t.paths[0].key.prefixlen, uint32_t(SG_LPM_DATA_MAX * 8));
}

TEST(FilterMaps, PassAllKindsNeedNoEntries) {
  pack::Pack p = compile_or_die(R"(rule r {
  id "k-1"
  title "t"
  level low
  event file.open
  select s: file.path contains "secret"
  condition: s
}
)");
  FilterTables t = sensor::build_filter_tables(p, 0);
  EXPECT_EQ(t.entries(), 0U);
  EXPECT_EQ(t.kinds[SG_EV_FileOpen].flags,
            uint32_t(SG_KIND_COLLECT | SG_KIND_PASS_ALL));
}

// A record built by hand, as the kernel would write it.
template <typename T>
std::vector<std::byte> record(const T& event, size_t size) {
  std::vector<std::byte> out(size);
  std::memcpy(out.data(), &event, size);
  return out;
}

TEST(RawEvents, ExecStringsAreCheckedAgainstTheRecord) {
  auto e = std::make_unique<sg_exec_event>();
  std::string data = std::string("/usr/bin/ls") + "/root" +
                     std::string("ls\0-l\0", 6) + "pts0";
  e->hdr.kind = SG_EV_Exec;
  e->exe_len = 11;
  e->cwd_len = 5;
  e->argv_len = 6;
  e->tty_len = 4;
  std::memcpy(e->data, data.data(), data.size());
  size_t size = offsetof(sg_exec_event, data) + data.size();
  e->hdr.size = uint32_t(size);
  std::vector<std::byte> raw = record(*e, size);
  auto v = sensor::exec_view({raw.data(), raw.size()});
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(v->exe, "/usr/bin/ls");
  EXPECT_EQ(v->cwd, "/root");
  EXPECT_EQ(v->tty, "pts0");
  EXPECT_EQ(v->args(), (std::vector<std::string_view>{"ls", "-l"}));

  e->argv_len = 60; // past the end of the record
  raw = record(*e, size);
  EXPECT_FALSE(sensor::exec_view({raw.data(), raw.size()}).has_value());
  raw.pop_back(); // the header's size no longer matches
  EXPECT_EQ(sensor::header_of({raw.data(), raw.size()}), nullptr);
}

} // namespace
} // namespace sg::testing
