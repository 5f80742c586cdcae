// sgc explain: what a pack asks of the kernel, and why.
#include <iostream>

#include "compiler/backend/filters.h"
#include "compiler/tools/commands.h"
#include "runtime/pack/reader.h"

namespace sg::cmd {
namespace {

std::string kinds_text(uint32_t kinds) {
  std::string out;
  for (const schema::KindInfo& k : schema::kinds()) {
    if ((kinds & schema::kind_bit(k.kind)) != 0) {
      out += (out.empty() ? "" : ", ") + std::string(k.name);
    }
  }
  return out;
}

void print_atoms(const pack::Pack& p, uint32_t first, uint32_t count,
                 const std::string& indent) {
  for (uint32_t i = first; i < first + count; ++i) {
    const pack::AtomRecord& a = p.atoms()[i];
    std::cout << indent << atom_kind_name(pack::AtomKind(a.kind)) << " "
              << p.str(a.value) << "\n";
  }
}

void explain_kinds(const pack::Pack& p) {
  std::cout << "event kinds:\n";
  for (const schema::KindInfo& k : schema::kinds()) {
    const pack::FilterRecord* f = nullptr;
    for (const pack::FilterRecord& r : p.filters()) {
      if (r.kind == uint32_t(k.kind)) {
        f = &r;
      }
    }
    std::cout << "  " << k.name << ": ";
    if (f == nullptr) {
      std::cout << "no rule watches it\n";
      continue;
    }
    if ((f->flags & pack::kFilterPassAll) == 0) {
      std::cout << "filtered in the kernel, " << f->atoms_count << " tests\n";
      print_atoms(p, f->atoms_first, f->atoms_count, "    ");
      continue;
    }
    std::cout << "passed whole to userspace, because of:\n";
    for (const pack::RuleRecord& r : p.rules()) {
      if ((r.kinds & schema::kind_bit(k.kind)) != 0 &&
          (r.flags & pack::kRulePassAll) != 0) {
        std::cout << "    " << p.str(r.id) << " (" << p.str(r.name)
                  << "): " << p.str(r.filter_reason) << "\n";
      }
    }
  }
}

void explain_rule(const pack::Pack& p, const pack::RuleRecord& r) {
  std::cout << p.str(r.id) << " " << p.str(r.name) << " ["
            << kinds_text(r.kinds) << "] " << p.str(r.file) << ":" << r.line
            << "\n";
  if ((r.flags & pack::kRulePassAll) != 0) {
    std::cout << "  kernel filter: none; its kinds pass whole: "
              << p.str(r.filter_reason) << "\n";
  } else if (r.atoms_count == 0) {
    std::cout << "  kernel filter: the condition can never hold\n";
  } else {
    std::cout << "  kernel filter: passes an event when any of these "
                 "holds\n";
    print_atoms(p, r.atoms_first, r.atoms_count, "    ");
  }
}

} // namespace

int run_explain(const ExplainArgs& a) {
  std::string error;
  std::optional<pack::Pack> p = pack::Pack::load_file(a.pack, error);
  if (!p) {
    std::cerr << "sgc explain: " << error << "\n";
    return kExitRules;
  }
  bool found = false;
  for (const pack::RuleRecord& r : p->rules()) {
    if (a.rule.empty() || p->str(r.id) == a.rule || p->str(r.name) == a.rule) {
      found = true;
    }
  }
  if (!found) {
    std::cerr << "sgc explain: the pack has no rule '" << a.rule << "'\n";
    return kExitUsage;
  }
  if (a.rule.empty()) {
    std::cout << a.pack << ": " << p->rules().size() << " rules\n\n";
    explain_kinds(*p);
    std::cout << "\nrules:\n";
  }
  for (const pack::RuleRecord& r : p->rules()) {
    if (a.rule.empty() || p->str(r.id) == a.rule || p->str(r.name) == a.rule) {
      explain_rule(*p, r);
    }
  }
  return kExitClean;
}

} // namespace sg::cmd
