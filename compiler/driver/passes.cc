#include "compiler/driver/passes.h"

#include "compiler/backend/pack_writer.h"
#include "compiler/lower/lower.h"

namespace sg {
namespace {

std::string dump_ast(const Compilation& c) {
  std::string out;
  for (FileId f = 0; f < c.program.files.size(); ++f) {
    out += ";; " + c.program.sources.file(f).path + "\n";
    if (c.program.files[f]) {
      out += ast::dump(*c.program.files[f]);
    }
  }
  return out;
}

std::string dump_model(const Compilation& c) {
  std::string out;
  for (auto& [name, info] : c.model.rules) {
    out += "rule " + name + " kinds=0x";
    char buf[16];
    snprintf(buf, sizeof buf, "%x", info.kinds);
    out += buf;
    for (const ast::Exception* e : info.exceptions) {
      out += " exception=" + e->name;
    }
    for (const ast::Override* o : info.overrides) {
      out += o->disable ? " disabled" : "";
      out += o->level ? " level=" + o->level->value() : "";
    }
    out += "\n";
  }
  return out;
}

// The source range of a rule's name, for diagnostics after lowering.
SourceRange rule_range(const Compilation& c, const ir::Rule& r) {
  auto it = c.model.rules.find(r.name);
  return it == c.model.rules.end() ? SourceRange{}
                                   : it->second.rule->name_range;
}

std::string dump_filters(const ir::Module& m, const FilterPlan& plan) {
  std::string out;
  for (const KindFilter& k : plan.kinds) {
    out += "kind " + std::string(schema::kinds()[size_t(k.kind) - 1].name);
    out += k.pass_all ? " pass-all" : " filtered";
    for (size_t r : k.forcing_rules) {
      out += " " + m.rules[r].id;
    }
    out += "\n";
    for (const Atom& a : k.atoms) {
      out += "  " + std::string(atom_kind_name(a.kind)) + " " + a.value + "\n";
    }
  }
  return out;
}

std::string dump_code(const ir::Module& m, const Bytecode& code) {
  static constexpr std::string_view kNames[] = {
      "?", "pred", "const", "not", "jump_if_false", "jump_if_true", "ret"};
  std::string out;
  for (size_t r = 0; r < m.rules.size(); ++r) {
    out += "rule " + m.rules[r].id + "\n";
    for (uint32_t pc = code.rules[r].begin; pc < code.rules[r].end; ++pc) {
      const pack::Instr& in = code.code[pc];
      out += "  " + std::to_string(pc) + ": " +
             std::string(kNames[in.op < std::size(kNames) ? in.op : 0]) + " " +
             std::to_string(in.arg) + "\n";
    }
  }
  return out;
}

} // namespace

const std::vector<Pass>& passes() {
  static const std::vector<Pass> kPasses = {
      {"parse", "read the files and their imports, and build the AST",
       [](Compilation& c) {
         c.unreadable =
             load_program(c.inputs, c.program, c.diags, c.limits).unreadable;
       },
       dump_ast},
      {"check", "resolve names, check types, and lint",
       [](Compilation& c) {
         c.model = check_program(c.program, c.diags, c.check);
       },
       dump_model},
      {"lower", "build the IR: rules as shared predicates and nodes",
       [](Compilation& c) { c.module = lower_program(c.program, c.model); },
       [](const Compilation& c) { return dump_module(c.module); }},
      {"filters", "derive the kernel filter of each event kind",
       [](Compilation& c) { c.filters = derive_filters(c.module); },
       [](const Compilation& c) { return dump_filters(c.module, c.filters); }},
      {"codegen", "generate the matcher's bytecode",
       [](Compilation& c) {
         std::vector<size_t> too_large;
         c.code = generate_code(c.module, too_large);
         for (size_t i : too_large) {
           const ir::Rule& r = c.module.rules[i];
           c.diags
               .report(Code::E0102, rule_range(c, r),
                       "rule '" + r.name + "' expands to more than " +
                           std::to_string(kMaxRoutineCode) + " instructions")
               .hints.push_back("macros that use each other many times "
                                "multiply; simplify the condition");
         }
       },
       [](const Compilation& c) { return dump_code(c.module, c.code); }},
      {"pack", "write the rule pack",
       [](Compilation& c) { c.pack = write_pack(c.module, c.filters, c.code); },
       [](const Compilation& c) {
         return std::to_string(c.pack.size()) + " bytes\n";
       }},
  };
  return kPasses;
}

bool run_passes(Compilation& c, std::string_view last) {
  bool known = last.empty();
  for (const Pass& p : passes()) {
    known |= p.name == last;
  }
  if (!known) {
    return false;
  }
  for (const Pass& p : passes()) {
    p.run(c);
    if (p.name == last || c.diags.errors() > 0 || !c.unreadable.empty()) {
      break;
    }
  }
  return true;
}

} // namespace sg
