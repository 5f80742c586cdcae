// sgc: the SystemGuard rule compiler and linter.
//
// Exit status: 0 clean, 1 errors in the rules (or warnings with --werror),
// 2 a usage or I/O error.
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>

#include <CLI/CLI.hpp>

#include "compiler/driver/passes.h"
#include "compiler/frontend/printer.h"
#include "compiler/tools/commands.h"
#include "compiler/tools/schema_doc.h"

namespace {

using sg::cmd::kExitClean;
using sg::cmd::kExitRules;
using sg::cmd::kExitUsage;

void print_diagnostics(const sg::Compilation& c, bool json) {
  std::vector<sg::Diagnostic> diags = c.diags.sorted(c.program.sources);
  if (json) {
    std::cout << sg::render_json(diags, c.program.sources);
    return;
  }
  for (const sg::Diagnostic& d : diags) {
    std::cout << sg::render_text(d, c.program.sources);
  }
}

struct LintArgs {
  std::vector<std::string> paths;
  std::string format = "text";
  bool werror = false;
  std::vector<std::string> allow;
  std::string today;
  std::string dump;
  bool list_codes = false;
};

int run_lint(const LintArgs& a) {
  if (a.list_codes) {
    for (const sg::CodeInfo& c : sg::all_codes()) {
      std::cout << c.id << "  " << c.name << "  " << c.summary << "\n";
    }
    return kExitClean;
  }
  if (a.paths.empty()) {
    std::cerr << "sgc lint: no rule files or directories given\n";
    return kExitUsage;
  }
  sg::Compilation c;
  c.inputs = a.paths;
  c.check.today = a.today.empty() ? sg::cmd::today_utc() : a.today;
  if (!sg::cmd::valid_date(c.check.today)) {
    std::cerr << "sgc lint: --today takes a date as YYYY-MM-DD, not '"
              << a.today << "'\n";
    return kExitUsage;
  }
  c.diags.set_werror(a.werror);
  for (const std::string& name : a.allow) {
    const sg::CodeInfo* code = sg::find_code(name);
    if (code == nullptr || code->severity != sg::Severity::Warning) {
      std::cerr << "sgc lint: --allow takes a warning code or name, such as "
                   "W0401 or unused-list; '"
                << name << "' is not one (see sgc lint --list-codes)\n";
      return kExitUsage;
    }
    c.diags.allow(code->code);
  }
  // Linting needs the passes up to check; --dump may ask for more.
  if (!sg::run_passes(c, a.dump.empty() ? "check" : a.dump)) {
    std::cerr << "sgc lint: --dump takes a pass name:";
    for (const sg::Pass& p : sg::passes()) {
      std::cerr << " " << p.name;
    }
    std::cerr << "\n";
    return kExitUsage;
  }
  for (const std::string& u : c.unreadable) {
    std::cerr << "sgc lint: " << u << "\n";
  }
  if (!c.unreadable.empty()) {
    return kExitUsage;
  }
  if (!a.dump.empty()) {
    for (const sg::Pass& p : sg::passes()) {
      if (p.name == a.dump) {
        std::cout << p.dump(c);
      }
    }
  }
  print_diagnostics(c, a.format == "json");
  if (a.format != "json") {
    size_t files = c.program.sources.size();
    std::cerr << files << (files == 1 ? " file: " : " files: ")
              << c.diags.errors() << " errors, " << c.diags.warnings()
              << " warnings\n";
  }
  return c.diags.failed() ? kExitRules : kExitClean;
}

struct FmtArgs {
  std::vector<std::string> files;
  bool write = false;
  bool check = false;
};

int run_fmt(const FmtArgs& a) {
  int status = kExitClean;
  for (const std::string& path : a.files) {
    sg::SourceManager sources;
    sg::Diagnostics diags;
    std::ifstream in(path, std::ios::binary);
    if (!in || std::filesystem::is_directory(path)) {
      std::cerr << "sgc fmt: " << path << ": cannot read the file\n";
      return kExitUsage;
    }
    std::string text((std::istreambuf_iterator<char>(in)),
                     std::istreambuf_iterator<char>());
    // This file alone: its imports need not be read to format it. An error
    // that still leaves a tree (a repeated property, a bad escape, a list
    // over budget) means the tree lost text, so the file is not printed.
    sg::FileId id = sources.add(path, text, {});
    std::optional<sg::ast::File> file = sg::parse_file(id, sources, diags);
    if (!file || diags.errors() > 0) {
      for (const sg::Diagnostic& d : diags.sorted(sources)) {
        if (d.severity == sg::Severity::Error) {
          std::cerr << sg::render_text(d, sources);
        }
      }
      status = kExitRules;
      continue;
    }
    std::string formatted = sg::print_file(*file);
    if (a.check) {
      if (formatted != text) {
        std::cout << path << ": not in canonical form\n";
        status = kExitRules;
      }
    } else if (a.write) {
      if (formatted != text) {
        std::ofstream out(path, std::ios::binary | std::ios::trunc);
        out << formatted;
        if (!out) {
          std::cerr << "sgc fmt: " << path << ": cannot write the file\n";
          return kExitUsage;
        }
      }
    } else {
      std::cout << formatted;
    }
  }
  return status;
}

} // namespace

int main(int argc, char** argv) {
  CLI::App app{"sgc: compile, lint and format SystemGuard rules"};
  app.require_subcommand(1);

  LintArgs lint;
  CLI::App* lint_cmd =
      app.add_subcommand("lint", "check rule files and report every problem");
  lint_cmd->add_option("paths", lint.paths, "rule files or directories");
  lint_cmd->add_option("--format", lint.format, "text or json")
      ->check(CLI::IsMember({"text", "json"}));
  lint_cmd->add_flag("--werror", lint.werror, "treat warnings as errors");
  lint_cmd
      ->add_option("--allow,-A", lint.allow,
                   "silence a warning, by code or name (repeatable)")
      ->allow_extra_args(false);
  lint_cmd->add_option("--today", lint.today,
                       "date for exception expiry, YYYY-MM-DD");
  lint_cmd->add_option("--dump,-d", lint.dump,
                       "print the program after a pass (parse, check)");
  lint_cmd->add_flag("--list-codes", lint.list_codes,
                     "list every diagnostic code");

  FmtArgs fmt;
  CLI::App* fmt_cmd =
      app.add_subcommand("fmt", "print rule files in canonical form");
  fmt_cmd->add_option("files", fmt.files, "rule files")->required();
  fmt_cmd->add_flag("--write,-w", fmt.write, "rewrite the files in place");
  fmt_cmd->add_flag("--check", fmt.check,
                    "only report files not in canonical form");

  sg::cmd::CompileArgs compile;
  CLI::App* compile_cmd = app.add_subcommand(
      "compile", "compile rule files and directories into a rule pack");
  compile_cmd
      ->add_option("paths", compile.rules.paths, "rule files or directories")
      ->required();
  compile_cmd->add_option("-o,--output", compile.output, "the pack to write")
      ->required();
  compile_cmd->add_option("--today", compile.rules.today,
                          "date for exception expiry, YYYY-MM-DD");

  sg::cmd::ExplainArgs explain;
  CLI::App* explain_cmd = app.add_subcommand(
      "explain", "show what a pack filters in the kernel, and why");
  explain_cmd->add_option("pack", explain.pack, "a rule pack")->required();
  explain_cmd->add_option("rule", explain.rule, "one rule, by id or name");

  sg::cmd::DumpArgs dump;
  CLI::App* dump_cmd = app.add_subcommand(
      "dump", "print a pack: header, rules, bytecode, kernel filters");
  dump_cmd->add_option("pack", dump.pack, "a rule pack")->required();

  sg::cmd::TestArgs test;
  CLI::App* test_cmd = app.add_subcommand(
      "test", "run the rules' inline tests through the compiled pack");
  test_cmd->add_option("paths", test.rules.paths, "rule files or directories")
      ->required();
  test_cmd->add_flag("-v,--verbose", test.verbose, "list passing tests too");
  test_cmd->add_option("--today", test.rules.today,
                       "date for exception expiry, YYYY-MM-DD");

  sg::cmd::ReplayArgs replay;
  CLI::App* replay_cmd = app.add_subcommand(
      "replay", "match a file of JSON events and print the alerts");
  replay_cmd->add_option("pack", replay.pack, "a rule pack")->required();
  replay_cmd
      ->add_option("events", replay.events,
                   "JSON events, one a line; - for standard input")
      ->required();
  replay_cmd->add_option("--host", replay.host,
                         "host name for the alerts (default: this host's)");

  std::string schema_format = "text";
  CLI::App* schema_cmd =
      app.add_subcommand("schema", "print the event kinds and fields");
  schema_cmd->add_option("--format", schema_format, "text or markdown")
      ->check(CLI::IsMember({"text", "markdown"}));

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return kExitUsage;
  }
  if (lint_cmd->parsed()) {
    return run_lint(lint);
  }
  if (fmt_cmd->parsed()) {
    return run_fmt(fmt);
  }
  if (compile_cmd->parsed()) {
    return sg::cmd::run_compile(compile);
  }
  if (explain_cmd->parsed()) {
    return sg::cmd::run_explain(explain);
  }
  if (dump_cmd->parsed()) {
    return sg::cmd::run_dump(dump);
  }
  if (test_cmd->parsed()) {
    return sg::cmd::run_test(test);
  }
  if (replay_cmd->parsed()) {
    return sg::cmd::run_replay(replay);
  }
  if (schema_cmd->parsed()) {
    std::cout << sg::schema_doc(schema_format == "markdown");
    return kExitClean;
  }
  return kExitUsage;
}
