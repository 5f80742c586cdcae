#include "compiler/tools/schema_doc.h"

#include <algorithm>
#include <set>
#include <vector>

#include "runtime/schema/schema.h"

namespace sg {
namespace {

std::string kinds_of(schema::KindSet kinds) {
  schema::KindSet all = 0;
  for (const schema::KindInfo& k : schema::kinds()) {
    all |= schema::kind_bit(k.kind);
  }
  if (kinds == all) {
    return "all";
  }
  std::string out;
  for (const schema::KindInfo& k : schema::kinds()) {
    if ((kinds & schema::kind_bit(k.kind)) != 0) {
      out += (out.empty() ? "" : ", ") + std::string(k.name);
    }
  }
  return out;
}

std::string pad(std::string s, size_t width) {
  if (s.size() < width) {
    s += std::string(width - s.size(), ' ');
  }
  return s;
}

} // namespace

std::string schema_doc(bool markdown) {
  std::string out;
  if (markdown) {
    out += "| event kind | what happened |\n|---|---|\n";
  }
  for (const schema::KindInfo& k : schema::kinds()) {
    out += markdown ? "| `" + std::string(k.name) + "` | " +
                          std::string(k.doc) + " |\n"
                    : pad(std::string(k.name), 14) + std::string(k.doc) + "\n";
  }
  out += "\n";
  if (markdown) {
    out += "| field | type | event kinds | meaning |\n|---|---|---|---|\n";
  }
  std::set<const schema::SymbolSet*> sets;
  for (const schema::Field& f : schema::fields()) {
    std::string type(schema::type_name(f.type));
    if (f.symbols != nullptr) {
      type += " (" + std::string(f.symbols->name) + ")";
      sets.insert(f.symbols);
    }
    std::string doc(f.doc);
    if (f.optional) {
      doc += "; may be missing";
    }
    out += markdown ? "| `" + std::string(f.name) + "` | " + type + " | " +
                          kinds_of(f.kinds) + " | " + doc + " |\n"
                    : pad(std::string(f.name), 20) + pad(type, 28) + "[" +
                          kinds_of(f.kinds) + "] " + doc + "\n";
  }
  std::vector<const schema::SymbolSet*> ordered(sets.begin(), sets.end());
  std::sort(ordered.begin(), ordered.end(),
            [](auto* a, auto* b) { return a->name < b->name; });
  for (const schema::SymbolSet* s : ordered) {
    std::string names;
    for (const schema::Symbol& sym : s->symbols) {
      names += (names.empty() ? "" : ", ") +
               (markdown ? "`" + std::string(sym.name) + "`"
                         : std::string(sym.name));
    }
    out += "\n" + std::string(markdown ? "**" : "") + std::string(s->name) +
           (markdown ? "**: " : ": ") + names + "\n";
  }
  return out;
}

} // namespace sg
