// sgc test: runs the rules' inline tests through the compiled pack.
//
// Each `test match` / `test nomatch` of a rule becomes an event: the
// fields it assigns, of the kind its `event:` names (else the rule's
// first kind), with file.name, file.dir and file.new_name derived from
// file.path and file.new_path where the test does not give them, as the
// sensor does. The event goes through the matcher built from the pack, as
// the daemon runs it. A `match` test passes when the rule fires and the
// kernel filter of the pack lets the event through; a `nomatch` test
// passes when the rule does not fire.
#include <iostream>
#include <map>

#include "compiler/tools/commands.h"
#include "runtime/match/event.h"
#include "runtime/match/event_json.h"
#include "runtime/match/filter_sim.h"
#include "runtime/match/matcher.h"
#include "runtime/pack/reader.h"

namespace sg::cmd {
namespace {

using match::Event;
using schema::Type;
namespace fid = match::fid;

// Sets one assigned field. The checker has accepted the value, so it fits
// the field's type.
void assign(const ast::Assign& a, Event& e) {
  const schema::Field* f = schema::find_field(a.field);
  if (f == nullptr) {
    return;
  }
  const ast::Value& v = a.value;
  auto symbol = [&](const ast::Value& item) -> uint64_t {
    const schema::Symbol* s = f->symbols != nullptr
                                  ? schema::find_symbol(*f->symbols, item.text)
                                  : nullptr;
    return s != nullptr ? s->value : 0;
  };
  switch (f->type) {
  case Type::String:
  case Type::Path:
    e.copy_string(f->id, v.text);
    break;
  case Type::Int:
    e.set_int(f->id, v.number);
    break;
  case Type::Bool:
    e.set_bool(f->id, v.boolean);
    break;
  case Type::Enum:
    e.set_int(f->id, int64_t(symbol(v)));
    break;
  case Type::Flags: {
    uint64_t mask = 0;
    if (v.kind == ast::Value::Kind::List) {
      for (const ast::Value& item : v.items) {
        mask |= symbol(item);
      }
    } else {
      mask = symbol(v);
    }
    e.set_flags(f->id, mask);
    break;
  }
  case Type::Ip: {
    std::optional<IpNet> ip = parse_ip(v.text);
    if (ip) {
      e.set_ip(f->id, *ip);
    }
    break;
  }
  case Type::StringList:
  case Type::PathList:
    e.begin_list(f->id);
    for (const ast::Value& item : v.items) {
      e.copy_item(item.text);
    }
    break;
  }
}

bool exists_for(uint16_t field, schema::Kind kind) {
  const schema::Field* f = schema::field_by_id(field);
  return f != nullptr && (f->kinds & schema::kind_bit(kind)) != 0;
}

// What the sensor derives from a path: its last component and the rest.
void derive_names(Event& e, uint16_t path, uint16_t name, uint16_t dir) {
  if (!e.has(path) || !exists_for(path, e.kind())) {
    return;
  }
  std::string p(e.get_string(path));
  size_t slash = p.rfind('/');
  if (name != 0 && !e.has(name) && exists_for(name, e.kind())) {
    e.copy_string(name, slash == std::string::npos ? p : p.substr(slash + 1));
  }
  if (dir != 0 && !e.has(dir) && exists_for(dir, e.kind()) &&
      slash != std::string::npos) {
    e.copy_string(dir, slash == 0 ? "/" : p.substr(0, slash));
  }
}

void build_event(const ast::Rule& r, const ast::RuleTest& t, Event& e) {
  schema::Kind kind = schema::Kind::Exec;
  if (r.events) {
    if (const schema::KindInfo* k =
            schema::find_kind(r.events->values.front())) {
      kind = k->kind;
    }
  }
  for (const ast::Assign& a : t.fields) {
    if (a.field == "event") {
      if (const schema::KindInfo* k = schema::find_kind(a.value.text)) {
        kind = k->kind;
      }
    }
  }
  e.reset(kind);
  for (const ast::Assign& a : t.fields) {
    if (a.field != "event") {
      assign(a, e);
    }
  }
  derive_names(e, fid::FilePath, fid::FileName, fid::FileDir);
  derive_names(e, fid::FileNewPath, fid::FileNewName, 0);
}

std::string selection_list(const pack::Pack& p, const pack::RuleRecord& r,
                           std::span<const uint32_t> held) {
  std::string out;
  for (uint32_t s : held) {
    out += (out.empty() ? "" : ", ") +
           std::string(p.str(p.selections()[r.sels_first + s].name));
  }
  return out.empty() ? "none" : out;
}

struct Verdict {
  bool pass = false;
  std::string reason;
};

Verdict judge(const pack::Pack& p, match::Matcher& m, uint32_t rule,
              bool want_match, const Event& e) {
  std::vector<match::Match> fired;
  if (!m.match(e, fired)) {
    return {false, "the matcher ran out of memory"};
  }
  bool fires = false;
  for (const match::Match& f : fired) {
    fires |= f.rule == rule;
  }
  const pack::RuleRecord& r = p.rules()[rule];
  std::vector<uint32_t> held;
  bool direct = m.evaluate(e, rule, held);
  std::string sels = "selections that hold: " + selection_list(p, r, held);
  if (direct != fires) {
    return {false, "internal error: the prefilter changed the result (" +
                       std::string(fires ? "fires" : "does not fire") +
                       ", the rule alone " + (direct ? "fires" : "does not") +
                       ")"};
  }
  if (!want_match) {
    return fires ? Verdict{false, "the rule fired (" + sels + ")"}
                 : Verdict{true, "did not fire"};
  }
  if (!fires) {
    return {false, "the rule did not fire (" + sels + ")"};
  }
  match::FilterVerdict v = match::simulate_filter(p, e);
  std::string kind(match::kind_name(e.kind()));
  if (!v.has_filter) {
    return {false, "the rule fires, but the pack has no kernel filter for " +
                       kind + ", so the kernel drops the event"};
  }
  if (!v.passes) {
    return {false, "the rule fires, but the kernel filter drops the event: "
                   "none of the " +
                       std::to_string(v.atoms) + " tests of the " + kind +
                       " filter matches it (see sgc explain)"};
  }
  return {true, "fired (" + sels + ")"};
}

} // namespace

int run_test(const TestArgs& a) {
  Compilation c;
  int status = kExitClean;
  if (!compile_rules(a.rules, c, status)) {
    return status;
  }
  std::string error;
  std::optional<pack::Pack> p = pack::Pack::load(c.pack, error);
  if (!p) {
    std::cerr << "sgc test: internal error: the pack does not load: " << error
              << "\n";
    return kExitRules;
  }
  match::Matcher matcher(*p);
  std::map<std::string, uint32_t, std::less<>> by_name;
  for (uint32_t i = 0; i < p->rules().size(); ++i) {
    by_name.emplace(p->str(p->rules()[i].name), i);
  }

  size_t passed = 0;
  size_t failed = 0;
  size_t skipped = 0;
  Event e;
  for (const std::optional<ast::File>& file : c.program.files) {
    if (!file) {
      continue;
    }
    for (const ast::Decl& d : file->decls) {
      const auto* r = std::get_if<ast::Rule>(&d);
      if (r == nullptr || r->tests.empty()) {
        continue;
      }
      auto info = c.model.rules.find(r->name);
      bool disabled = false;
      if (info != c.model.rules.end()) {
        for (const ast::Override* o : info->second.overrides) {
          disabled |= o->disable.has_value();
        }
      }
      auto in_pack = by_name.find(r->name);
      std::string id = r->id ? r->id->value() : r->name;
      for (const ast::RuleTest& t : r->tests) {
        std::string where = c.program.sources.file(t.range.file).path + ":" +
                            std::to_string(t.range.line) + ":" +
                            std::to_string(t.range.col) + ": ";
        std::string head = id + " \"" + t.label + "\": ";
        if (disabled) {
          ++skipped;
          std::cout << where << "SKIP " << head
                    << "the rule is disabled by an override\n";
          continue;
        }
        Verdict v;
        if (in_pack == by_name.end()) {
          v = {false, "internal error: the rule is not in the pack"};
        } else {
          build_event(*r, t, e);
          v = judge(*p, matcher, in_pack->second, t.match, e);
        }
        (v.pass ? passed : failed) += 1;
        if (!v.pass || a.verbose) {
          std::cout << where << (v.pass ? "PASS " : "FAIL ") << head << v.reason
                    << "\n";
        }
      }
    }
  }
  std::cout << passed << " passed, " << failed << " failed";
  if (skipped > 0) {
    std::cout << ", " << skipped << " skipped";
  }
  std::cout << "\n";
  return failed > 0 ? kExitRules : kExitClean;
}

} // namespace sg::cmd
