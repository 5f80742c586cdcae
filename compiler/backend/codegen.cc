#include "compiler/backend/codegen.h"

namespace sg {
namespace {

using ir::Node;
using pack::Opcode;

class Generator {
public:
  Generator(const ir::Module& m, Bytecode& out) : m_(m), out_(out) {}

  // Emits one routine; false when it would exceed kMaxRoutineCode.
  bool routine(const ir::Rule& r, ir::NodeId root, CodeRange& range) {
    rule_ = &r;
    range = {uint32_t(out_.code.size()), 0};
    limit_ = out_.code.size() + kMaxRoutineCode;
    emit_node(root, r.origin);
    emit(Opcode::Ret, 0, r.origin);
    range.end = uint32_t(out_.code.size());
    return out_.code.size() <= limit_;
  }

private:
  void emit(Opcode op, uint32_t arg, const ir::Origin& at) {
    if (out_.code.size() > limit_) {
      return; // over budget: the caller reports the rule
    }
    out_.code.push_back({uint8_t(op), {}, arg});
    out_.origins.push_back(at);
  }

  // Evaluates `id` into the accumulator. `at` is the nearest enclosing
  // origin, used where the node has none of its own in this rule.
  void emit_node(ir::NodeId id, const ir::Origin& outer) {
    auto found = rule_->origins.find(id);
    const ir::Origin& at =
        found != rule_->origins.end() ? found->second : outer;
    if (out_.code.size() > limit_) {
      return;
    }
    const Node& n = m_.nodes[id];
    switch (n.kind) {
    case Node::Kind::False:
      emit(Opcode::Const, 0, at);
      return;
    case Node::Kind::True:
      emit(Opcode::Const, 1, at);
      return;
    case Node::Kind::Pred:
      emit(Opcode::Pred, n.pred, at);
      return;
    case Node::Kind::Not:
      emit_node(n.kids[0], at);
      emit(Opcode::Not, 0, at);
      return;
    case Node::Kind::And:
    case Node::Kind::Or: {
      // Each operand but the last jumps to the end when it decides the
      // result; the jump targets are patched once the end is known.
      Opcode jump =
          n.kind == Node::Kind::And ? Opcode::JumpIfFalse : Opcode::JumpIfTrue;
      std::vector<size_t> patches;
      for (size_t i = 0; i < n.kids.size(); ++i) {
        emit_node(n.kids[i], at);
        if (i + 1 < n.kids.size()) {
          patches.push_back(out_.code.size());
          emit(jump, 0, at);
        }
      }
      for (size_t p : patches) {
        out_.code[p].arg = uint32_t(out_.code.size());
      }
      return;
    }
    }
  }

  const ir::Module& m_;
  Bytecode& out_;
  const ir::Rule* rule_ = nullptr;
  size_t limit_ = 0;
};

} // namespace

Bytecode generate_code(const ir::Module& m, std::vector<size_t>& too_large) {
  Bytecode out;
  Generator g(m, out);
  for (size_t i = 0; i < m.rules.size(); ++i) {
    const ir::Rule& r = m.rules[i];
    CodeRange range;
    bool fits = g.routine(r, r.root, range);
    out.rules.push_back(range);
    std::vector<CodeRange> sels;
    for (const ir::Selection& s : r.selections) {
      fits = g.routine(r, s.node, range) && fits;
      sels.push_back(range);
    }
    out.selections.push_back(std::move(sels));
    if (!fits) {
      too_large.push_back(i);
    }
  }
  return out;
}

} // namespace sg
