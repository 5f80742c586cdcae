#include "runtime/match/filter_sim.h"

namespace sg::match {
namespace {

constexpr uint16_t kFilePath = fid::FilePath;
constexpr uint16_t kProcName = fid::ProcName;
constexpr uint16_t kProcExe = fid::ProcExe;

std::string_view last_component(std::string_view path) {
  size_t slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

} // namespace

bool atom_matches(const pack::Pack& pack, const pack::AtomRecord& atom,
                  const Event& event) {
  using pack::AtomKind;
  std::string_view value = pack.str(atom.value);
  auto field = [&](uint16_t id) -> std::optional<std::string_view> {
    if (event.tag(id) != Event::Tag::String) {
      return std::nullopt;
    }
    return event.get_string(id);
  };
  switch (AtomKind(atom.kind)) {
  case AtomKind::PathExact: {
    auto path = field(kFilePath);
    return path && *path == value;
  }
  case AtomKind::PathPrefix: {
    auto path = field(kFilePath);
    return path && path->starts_with(value);
  }
  case AtomKind::PathSuffix: {
    auto path = field(kFilePath);
    return path && path->ends_with(value);
  }
  case AtomKind::PathName: {
    auto path = field(kFilePath);
    return path && last_component(*path) == value;
  }
  case AtomKind::Comm: {
    auto comm = field(kProcName);
    return comm && *comm == value;
  }
  case AtomKind::ExeExact: {
    auto exe = field(kProcExe);
    return exe && *exe == value;
  }
  case AtomKind::ExePrefix: {
    auto exe = field(kProcExe);
    return exe && exe->starts_with(value);
  }
  }
  return false;
}

FilterVerdict simulate_filter(const pack::Pack& pack, const Event& event) {
  FilterVerdict v;
  for (const pack::FilterRecord& f : pack.filters()) {
    if (f.kind != uint32_t(event.kind())) {
      continue;
    }
    v.has_filter = true;
    v.atoms = f.atoms_count;
    if ((f.flags & pack::kFilterPassAll) != 0) {
      v.pass_all = true;
      v.passes = true;
      return v;
    }
    for (uint32_t i = f.atoms_first; i < f.atoms_first + f.atoms_count; ++i) {
      if (atom_matches(pack, pack.atoms()[i], event)) {
        v.passes = true;
        v.atom = i;
        return v;
      }
    }
    return v;
  }
  return v;
}

} // namespace sg::match
