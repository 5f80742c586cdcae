// A rule file that uses every construct of the language, and helpers to
// find the rule files of the repository, shared by the format and
// robustness tests.
#pragma once

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "tests/unit/test_util.h"

namespace sg::testing {

// Lint-clean apart from warnings: the full pass list accepts it. Every
// declaration, rule item, operator, modifier, value form and quantifier
// appears, with comments in every place a comment can be attached.
inline const char* const kCorpus =
    R"sg(# SystemGuard corpus: every construct of the rule language.
# A second header line.

list auth_files = ["/etc/shadow", "/etc/gshadow"]  # trailing comment
list shells = [
  # POSIX shells
  "/bin/sh",  # the classic
  "/bin/bash",
  "/usr/bin/zsh",
]
list ports = [22, 0x50, 0o17, 1023,]
list empty_list = []
list all_shells = [shells, "/bin/dash"]
)sg"
    "list escapes = [\"tab\\there\", \"quote\\\"q\", \"back\\\\slash\", "
    "\"nl\\nx\", \"hex\\x41\",\n"
    R"sg(  "caf\xc3\xa9", "émoji ✓"]

macro trusted = proc.exe in ["/usr/sbin/sshd"]
macro interactive = proc.tty like "pts/*" and not proc.exe_memfd == true
macro either = trusted or interactive  # an or-chain
macro grouped = (trusted or interactive) and not (either and not trusted)
macro negated = not not not trusted
macro in_list = proc.exe in all_shells or proc.name in empty_list

# The main rule.
rule shadow_read {
  id "sg-cred-0001"
  title "Authentication database read"
  description "A process read the shadow password file."
  author "SystemGuard team"
  level high
  status experimental
  tags [attack.credential_access, attack.t1003.008, "quoted tag", "rule"]
  references ["https://attack.mitre.org/techniques/T1003/008/"]
  falsepositives ["backup agents", "config management",]
  allow [optional-field, W0405]
  event file.open
  # selections
  select target: file.path in auth_files
  select reading: file.flags has read  # read access
  select multi:
    file.path startswith "/etc/"
    file.name endswith nocase "shadow"  # case does not matter
    proc.args contains all ["-r", "-f"]
  condition: target and reading and not trusted and not multi
  output "{proc.exe} read {file.path} {{literal}}"
)sg"
    "  test match \"cat\" { proc.exe: \"/usr/bin/cat\" file.path: "
    "\"/etc/shadow\" file.flags: [read] }\n"
    R"sg(  test nomatch "sshd" {
    proc.exe: "/usr/sbin/sshd",  # the daemon
    file.path: "/etc/shadow",
    file.flags: [read, write],
  }
  # before the closing brace
}

rule net_rule {
  id "sg-net-0001"
  title "Outbound connection"
  level low
  status stable
  event [net.connect, net.accept,]
  select dst: net.daddr cidr ["10.0.0.0/8", "fd00::/8"]
  select port_low: net.dport < 1024
  select port_le: net.dport <= 1023
  select port_gt: net.dport > 0
  select port_ge: net.dport >= 1
  select fam: net.family == inet
  select rx: proc.cmdline matches "^curl .*"
  select sh_1: proc.name == "sh"
  select sh_2: proc.name == "bash"
  select contained: proc.cmdline contains nocase "WGET"
  select listed: net.dport in ports
)sg"
    "  condition: (1 of sh_* or all of them) and not 1 of dst and all of rx or "
    "1 of fam and contained or port_low and port_le and port_gt and port_ge "
    "and "
    "listed\n"
    "  test match \"m\" { event: net.accept proc.name: \"sh\" net.daddr: "
    "\"10.1.2.3\" net.dport: 80 }\n"
    R"sg(  test nomatch "n" { proc.name: "ls" }
}

rule very_long_condition_rule {
  id "sg-long-0001"
  title "Long condition"
  level medium
  event exec
  select alpha_selection: proc.name == "alpha"
  select bravo_selection: proc.name == "bravo"
  select charlie_selection: proc.name == "charlie"
)sg"
    "  condition: alpha_selection or bravo_selection or charlie_selection or "
    "interactive or long_list\n"
    "  select long_list: proc.exe in [\"/usr/bin/one\", \"/usr/bin/two\", "
    "\"/usr/bin/three\", \"/usr/bin/four\"]\n"
    R"sg(  test match "a" { proc.name: "alpha" }
)sg"
    "  test nomatch \"z\" { proc.name: \"zulu\" proc.exe_memfd: false "
    "proc.argc: 3 }\n"
    R"sg(}

rule macro_user {
  id "sg-macro-0001"
  title "Uses every macro"
  level informational
  status deprecated
  event exec
  condition: grouped or negated or in_list and proc.uid == 0
  test match "root" { proc.uid: 0 proc.exe: "/bin/sh" }
  test nomatch "user" { proc.uid: 1000 proc.exe: "/usr/sbin/sshd" }
}

)sg"
    "exception backup { rule shadow_read reason \"backup agent\" expires "
    "2027-06-30 when: proc.exe == \"/opt/backup/agent\" }\n"
    R"sg(exception by_tag {
  tag attack.credential_access  # whole tactic
  reason "lab hosts"
  when: proc.name in ["lab1", "lab2"] or user.name == "lab"
}
)sg"
    "exception quoted_tag { tag \"quoted tag\" reason \"r\" expires 2028-02-29 "
    "when: trusted }\n"
    R"sg(
override shadow_read { level critical }
override net_rule {
  disable
}  # off for now
# closing comment of the file
)sg";

// Every `*.sg` file under the repository's rule and test directories, in
// name order. The set grows as rules are added; it is found at run time.
inline std::vector<std::filesystem::path> repo_rule_files() {
  namespace fs = std::filesystem;
  std::vector<fs::path> out;
  for (const char* dir : {"stdlib-rules", "rules", "tests", "docs"}) {
    fs::path root = fs::path(source_dir()) / dir;
    std::error_code ec;
    if (!fs::is_directory(root, ec)) {
      continue;
    }
    for (auto it = fs::recursive_directory_iterator(root, ec);
         !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
      if (it->is_regular_file() && it->path().extension() == ".sg") {
        out.push_back(it->path());
      }
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

inline std::string read_text(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

} // namespace sg::testing
