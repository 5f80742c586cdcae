#include "compiler/driver/passes.h"

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
