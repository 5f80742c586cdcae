#include "compiler/backend/codegen.h"

namespace sg {
namespace {

using ir::Node;
using pack::Opcode;

class Generator {
public:
  Generator(const ir::Module& m, Bytecode& out) : m_(m), out_(out) {}

  CodeRange routine(const ir::Rule& r, ir::NodeId root) {
    rule_ = &r;
    CodeRange range{uint32_t(out_.code.size()), 0};
    emit_node(root, r.origin);
    emit(Opcode::Ret, 0, r.origin);
    range.end = uint32_t(out_.code.size());
    return range;
  }

private:
  void emit(Opcode op, uint32_t arg, const ir::Origin& at) {
    out_.code.push_back({uint8_t(op), {}, arg});
    out_.origins.push_back(at);
  }

  // Evaluates `id` into the accumulator. `at` is the nearest enclosing
  // origin, used where the node has none of its own in this rule.
  void emit_node(ir::NodeId id, const ir::Origin& outer) {
    auto found = rule_->origins.find(id);
    const ir::Origin& at = found != rule_->origins.end() ? found->second
                                                         : outer;
    const Node& n = m_.nodes[id];
    switch (n.kind) {
    case Node::Kind::False: emit(Opcode::Const, 0, at); return;
    case Node::Kind::True: emit(Opcode::Const, 1, at); return;
    case Node::Kind::Pred: emit(Opcode::Pred, n.pred, at); return;
    case Node::Kind::Not:
      emit_node(n.kids[0], at);
      emit(Opcode::Not, 0, at);
      return;
    case Node::Kind::And:
    case Node::Kind::Or: {
      // Each operand but the last jumps to the end when it decides the
      // result; the jump targets are patched once the end is known.
      Opcode jump = n.kind == Node::Kind::And ? Opcode::JumpIfFalse
                                              : Opcode::JumpIfTrue;
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
};

} // namespace

Bytecode generate_code(const ir::Module& m) {
  Bytecode out;
  Generator g(m, out);
  for (const ir::Rule& r : m.rules) {
    out.rules.push_back(g.routine(r, r.root));
    std::vector<CodeRange> sels;
    for (const ir::Selection& s : r.selections) {
      sels.push_back(g.routine(r, s.node));
    }
    out.selections.push_back(std::move(sels));
  }
  return out;
}

} // namespace sg
