// The intermediate representation the back end works on.
//
// Lowering turns each checked rule into a boolean DAG over predicates.
// Macros, selections, quantifiers, list references and exceptions are
// gone: a predicate is one test of one field against resolved literals,
// and a node is a constant, a predicate, or and/or/not of other nodes.
// Predicates and nodes are hash-consed across all rules, so a test
// written in many rules is one predicate, evaluated once per event.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "runtime/common/net.h"
#include "runtime/schema/schema.h"

namespace sg::ir {

// What a predicate does with its field and its literals. The string forms
// take the `nocase` and `all` flags; with `all` every literal must match,
// otherwise one is enough. A list-valued field matches when an element
// does (with `all`: when every literal is matched by some element).
enum class PredOp : uint8_t {
  StrIn, // equal to one of the strings
  StrContains,
  StrStarts,
  StrEnds,
  StrLike,    // glob: * any run, ? one character, \ escapes
  StrMatches, // RE2
  IntIn,      // equal to one of the integers (ints, enums, booleans)
  IntLt,
  IntLe,
  IntGt,
  IntGe,
  IpIn,     // equal to one of the addresses
  IpCidr,   // inside one of the networks
  FlagsAny, // (value & mask) != 0
  FlagsAll, // (value & mask) == mask
};

std::string_view pred_op_name(PredOp op);

struct Predicate {
  uint16_t field = 0; // schema field id
  PredOp op = PredOp::StrIn;
  bool nocase = false;
  bool all = false;
  std::vector<std::string> strings; // sorted, unique (StrIn: lower case
                                    // when nocase)
  std::vector<int64_t> ints;        // sorted, unique; flags: one mask
  std::vector<IpNet> nets;          // sorted, unique
  friend auto operator<=>(const Predicate&, const Predicate&) = default;
};

using NodeId = uint32_t;

struct Node {
  enum class Kind : uint8_t { False, True, Pred, And, Or, Not };
  Kind kind = Kind::False;
  uint32_t pred = 0;        // Pred
  std::vector<NodeId> kids; // And, Or: two or more; Not: one
  friend auto operator<=>(const Node&, const Node&) = default;
};

struct Selection {
  std::string name;
  NodeId node = 0;
};

// A place in the rule source.
struct Origin {
  std::string file;
  uint32_t line = 0;
  uint32_t col = 0;
};

enum class Level : uint8_t { Informational, Low, Medium, High, Critical };
std::string_view level_name(Level l);

struct Rule {
  std::string name;
  std::string id;
  std::string title;
  Level level = Level::Medium;
  std::vector<std::string> tags;
  std::string output;
  schema::KindSet kinds = 0;
  NodeId root = 0; // condition, with exceptions applied
  std::vector<Selection> selections;
  std::vector<std::string> exceptions; // names, for explain
  Origin origin;                       // the rule's name
  // Where each node of this rule came from: the first test, selection,
  // macro use or exception of the rule that produced it.
  std::map<NodeId, Origin> origins;
};

// Every rule of a compilation, ordered by id for determinism.
struct Module {
  std::vector<Predicate> preds;
  std::vector<Node> nodes;
  std::vector<Rule> rules;
};

} // namespace sg::ir
