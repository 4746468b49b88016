// The subcommands of build/bin/edgeface. Each is `int Run<Name>(int argc, char** argv)` with
// argv[0] the subcommand's name; it prints its own --help and returns the process exit code.
// The table in main.cc lists them; the pieces that own them implement them in src/cli/<name>.cc.
#pragma once

namespace cli {

struct Command {
  const char* name;
  const char* summary;
  int (*run)(int argc, char** argv);
};

}  // namespace cli
